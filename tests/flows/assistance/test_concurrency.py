"""Two (or ten) staff taking the same request at once: exactly one gets it, against moto server."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from chalicelib.assistance import service
from chalicelib.assistance.adapters import live_ports
from chalicelib.assistance.domain import Status
from chalicelib.assistance.models import AssistanceTable
from chalicelib.core.auth import Principal, Role
from chalicelib.core.errors import Conflict
from chalicelib.stores import models as stores

NOW = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)


def test_only_one_of_ten_staff_takes_a_request(aws) -> None:
    store = stores.Store("s-a", "m-a", "协助店", "地址", "021-1", 31.2, 121.4, "Asia/Shanghai", {}, {})
    stores.put_store(store)
    request = service.create_request(live_ports(), store, "u-customer", "结账", "", 1, NOW)
    crew = [
        Principal(
            user_id=f"u-staff-{i}", role=Role.STAFF, merchant_id=store.merchant_id, store_ids=frozenset({store.id})
        )
        for i in range(10)
    ]

    def take(staff: Principal) -> str:
        try:
            service.change_status(live_ports(), request.id, staff, Status.ASSIGNED, NOW)
            return staff.user_id
        except Conflict as err:
            return err.code

    with ThreadPoolExecutor(max_workers=10) as pool:
        outcomes = list(pool.map(take, crew))

    winners = [o for o in outcomes if o.startswith("u-staff-")]
    assert len(winners) == 1
    assert outcomes.count("ALREADY_ASSIGNED") == 9
    stored = AssistanceTable().get_request(request.id)
    assert stored is not None and stored.status is Status.ASSIGNED and stored.staff_id == winners[0]
    assert [r.id for r in AssistanceTable().store_requests(store.id, Status.ASSIGNED, 10)] == [request.id]
