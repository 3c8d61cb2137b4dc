"""Live counters through the real table stream on moto: reservations made and picked up reach the
merchant's and the store's day items through the event runner, and the same stream records
delivered again (a retried batch) count nothing more."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.analytics import api
from chalicelib.core.auth import Principal, Role
from chalicelib.reservations import service
from devstack.event_runner import EventRunner
from tests.flows.reservations.support import PORTS, STORE, customer, put_product

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Recorder:
    """Keeps every event the runner hands the stream handler, so a test can deliver them again."""

    def __init__(self, runner: EventRunner) -> None:
        (self.binding,) = runner.streams
        self.handler = self.binding.handler
        self.events: list[tuple[dict[str, Any], Any]] = []
        self.binding.handler = self

    def __call__(self, event: dict[str, Any], context: Any) -> Any:
        self.events.append((event, context))
        return self.handler(event, context)

    def redeliver(self) -> None:
        for event, context in self.events:
            self.handler(event, context)


def test_stream_records_count_once(runner, manual_clock) -> None:
    recorder = Recorder(runner)
    put_product("milk", 10)
    now = manual_clock.now()
    first = service.reserve(PORTS, customer(1), STORE, "milk", 2, None, now)
    service.reserve(PORTS, customer(2), STORE, "milk", 3, None, now)
    staff = Principal(user_id="staff", role=Role.STAFF, merchant_id="m1", store_ids=frozenset({STORE}))
    service.pickup(PORTS, staff, first.id, first.pickup_code, now)
    runner.tick()
    runner.drain_queues()

    day = now.astimezone(SHANGHAI).date()
    hour = now.astimezone(SHANGHAI).hour
    tenant = first.merchant_id  # the product's merchant in the reservations flows' shop
    merchant = api.figures(tenant, day, day)
    store = api.figures(tenant, day, day, store_id=STORE)
    for figures in (merchant, store):
        assert figures.totals["reservations_made"] == 2
        assert figures.totals["reservations_picked_up"] == 1
        assert figures.totals["units_sold"] == 2
        assert figures.by_hour[hour] == 2 and sum(figures.by_hour) == 2
        assert [(s.sku_id, s.units) for s in figures.best_sellers] == [("milk", 2)]

    assert recorder.events
    recorder.redeliver()
    assert api.figures(tenant, day, day) == merchant
    assert api.figures(tenant, day, day, store_id=STORE) == store
    assert api.figures("m-other", day, day).totals == {}
