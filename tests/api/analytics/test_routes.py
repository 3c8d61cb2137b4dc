"""The merchant dashboard: figures from the live counters, who may read them, bad input, its budget."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from chalicelib.analytics import service
from chalicelib.analytics.adapters import live_ports
from chalicelib.core.auth import Role
from chalicelib.core.clock import ManualClock, use_clock
from chalicelib.core.counters import Increment
from devstack import demo_data
from tests.api.budget import assert_budget, dynamodb_calls
from tests.people import make_user, put_demo_store

STORE = "s-jingan"
OTHER_MERCHANT = "m-demo-2"
DASHBOARD = "/api/merchant/dashboard"


@pytest.fixture
def counted(aws) -> Iterator[None]:
    put_demo_store(STORE)
    morning = datetime(2026, 12, 1, 2, 30, tzinfo=UTC).isoformat()  # 10:30 in Shanghai
    service.record(
        live_ports(),
        "ev-1",
        [
            Increment("reservations_made", demo_data.MERCHANT_ID, morning, STORE),
            Increment("customer_actions", demo_data.MERCHANT_ID, morning, STORE),
            Increment("reservations_picked_up", demo_data.MERCHANT_ID, morning, STORE),
            Increment("units_sold", demo_data.MERCHANT_ID, morning, STORE, 4, "sku-milk"),
        ],
    )
    service.record(live_ports(), "ev-2", [Increment("reservations_made", OTHER_MERCHANT, morning, "s-elsewhere")])
    previous = use_clock(ManualClock(datetime(2026, 12, 3, 4, 0, tzinfo=UTC)))  # 2026-12-01 is recent
    yield
    use_clock(previous)


def get(client, headers, query: str):
    return client.http.get(f"{DASHBOARD}?{query}", headers=headers)


def test_admin_reads_the_merchant_and_a_store(counted, client, login) -> None:
    admin, _ = make_user(client, login, "dash-admin", Role.ADMIN)
    whole = get(client, admin, "from=2026-11-30&to=2026-12-01")
    assert whole.status_code == 200, whole.json_body
    body = whole.json_body
    assert body["totals"] == {
        "reservations_made": 1,
        "customer_actions": 1,
        "reservations_picked_up": 1,
        "units_sold": 4,
    }
    assert [d["date"] for d in body["byDay"]] == ["2026-11-30", "2026-12-01"]
    assert body["byDay"][0]["counts"] == {}
    assert len(body["byHour"]) == 24 and body["byHour"][10] == 1 and body["peakHour"] == 10
    assert body["bestSellers"] == [{"skuId": "sku-milk", "units": 4}]
    assert body["lowStock"] == []  # a forecast is per store
    store = get(client, admin, f"from=2026-12-01&to=2026-12-01&storeId={STORE}").json_body
    assert store["totals"] == body["totals"]


def test_only_the_merchants_admin(counted, client, login) -> None:
    customer, _ = make_user(client, login, "dash-customer")
    staff, _ = make_user(client, login, "dash-staff", Role.STAFF, [STORE])
    foreign, _ = make_user(client, login, "dash-foreign", Role.ADMIN, merchant=OTHER_MERCHANT)
    query = f"from=2026-12-01&to=2026-12-01&storeId={STORE}"
    assert get(client, customer, query).status_code == 403
    assert get(client, staff, query).status_code == 403
    assert get(client, foreign, query).status_code == 403
    # The foreign admin's own dashboard shows its own counters only.
    own = get(client, foreign, "from=2026-12-01&to=2026-12-01").json_body
    assert own["totals"] == {"reservations_made": 1}
    assert client.http.get(f"{DASHBOARD}?from=2026-12-01&to=2026-12-01").status_code == 401


@pytest.mark.parametrize(
    "query",
    ["from=2026-12-02&to=2026-12-01", "from=2020-01-01&to=2026-12-01", "from=yesterday&to=2026-12-01", "to=2026-12-01"],
)
def test_bad_ranges_are_400(counted, client, login, query: str) -> None:
    admin, _ = make_user(client, login, f"dash-admin-bad-{uuid.uuid4().hex[:8]}", Role.ADMIN)
    answer = get(client, admin, query)
    assert answer.status_code == 400 and answer.json_body["error"]["code"]


def test_dashboard_budget(counted, client, login, local_aws) -> None:
    """One BatchGetItem for up to 100 days whatever the history behind them; a store adds its read and
    the stock of the SKUs it sold recently (docs/data-model.md)."""
    admin, _ = make_user(client, login, "dash-budget", Role.ADMIN)

    def calls(query: str) -> dict[str, int]:
        return dynamodb_calls(local_aws, lambda: get(client, admin, query))

    assert_budget(calls("from=2026-11-01&to=2026-12-01"), "GET /api/merchant/dashboard", "30 days")  # session; days
    assert_budget(calls("from=2026-01-01&to=2026-12-31"), "GET /api/merchant/dashboard", "365 days")
    # session, store; the range and the last 14 days in one batch, then the stock of what sold recently
    assert_budget(
        calls(f"from=2026-11-01&to=2026-12-01&storeId={STORE}"), "GET /api/merchant/dashboard", "one store, 30 days"
    )
