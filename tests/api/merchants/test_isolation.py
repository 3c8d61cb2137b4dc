"""Two merchants on one platform (demo data: the demo merchant and `m-demo-2`, whose admin logs in
with `demo-admin-2`): one merchant's people cannot read or write the other's items, and the same
product id at each merchant addresses each merchant's own stock."""

from __future__ import annotations

import json
import uuid
from typing import Any

from chalicelib.inventory import api as inventory
from devstack import demo_data
from tests.conftest import post_json
from tests.people import new_customer, user_id_of

STORE_1 = "s-jingan"
STORE_2 = demo_data.STORE_2[0]
TUESDAY = "2026-03-03"


def _status(response: Any) -> tuple[int, str]:
    return response.status_code, (response.json_body or {}).get("error", {}).get("code", "")


def test_a_merchants_admin_cannot_touch_another_merchants_stores_or_bookings(seeded, client, login) -> None:
    admin_2 = login(f"demo-admin-2#{uuid.uuid4().hex}")
    me = client.http.get("/api/auth/me", headers=admin_2).json_body
    assert (me["userId"], me["role"]) == ("u-demo-admin-2", "admin")
    admin_1 = login(f"demo-admin#{uuid.uuid4().hex}")
    staff_1 = login(f"demo-staff#{uuid.uuid4().hex}")
    customer = new_customer(login)
    customer_id = user_id_of(client, customer)

    # Stores: the rota of merchant 1's staff, its reservations list and queue, are not merchant 2's.
    rota = {"displayName": "闯入者"}
    put = client.http.put(
        f"/api/stores/{STORE_1}/staff/u-demo-staff",
        headers={**admin_2, "Content-Type": "application/json"},
        body=json.dumps(rota),
    )
    assert put.status_code == 403
    assert _status(client.http.get(f"/api/stores/{STORE_1}/reservations", headers=admin_2))[0] == 403
    assert _status(post_json(client, f"/api/stores/{STORE_1}/queue/call-next", {}, admin_2))[0] == 403
    # ... and the other way round.
    assert _status(client.http.get(f"/api/stores/{STORE_2}/reservations", headers=admin_1))[0] == 403
    assert _status(client.http.get(f"/api/stores/{STORE_2}/reservations", headers=staff_1)) == (403, "FORBIDDEN")
    assert client.http.get(f"/api/stores/{STORE_2}/reservations", headers=admin_2).status_code == 200

    # Loyalty at merchant 1's till.
    sale = {"userId": customer_id, "storeId": STORE_1, "amount": 1000, "transactionType": "purchase"}
    assert post_json(client, "/api/loyalty/earn-points", sale, admin_2).status_code == 403

    # Appointments: merchant 1's staff schedule, a booking, and analytics (merchant 2 has none).
    schedule = f"/api/appointments/staff/st-zhang/schedule?startDate={TUESDAY}&endDate=2026-03-04"
    assert client.http.get(schedule, headers=admin_2).status_code == 403
    assert client.http.get(schedule, headers=admin_1).status_code == 200
    booking = client.http.get("/api/appointments/apt_demo0000", headers=admin_2)
    assert booking.status_code in (403, 404)
    metrics = client.http.get("/api/appointments/analytics/bookings?period=30d", headers=admin_2).json_body["metrics"]
    assert metrics["totalBookings"] == 0
    assert (
        client.http.get("/api/appointments/analytics/bookings?period=30d", headers=admin_1).json_body["metrics"][
            "totalBookings"
        ]
        > 0
    )


def test_the_public_catalogue_is_the_mini_programs_merchants(seeded, client, monkeypatch) -> None:
    """A customer's public request names no merchant: it belongs to the merchant whose mini program this
    deployment serves, and lists that merchant's services only (one partition per merchant)."""
    listed = {s["id"] for s in client.http.get("/api/appointments/services").json_body["services"]}
    assert "svc-haircut" in listed and "svc2-tea" not in listed
    monkeypatch.setenv("DEFAULT_MERCHANT_ID", demo_data.MERCHANT_2_ID)
    services = client.http.get("/api/appointments/services").json_body["services"]
    assert [s["id"] for s in services] == ["svc2-tea"]
    assert client.http.get(f"/api/appointments/services?storeId={STORE_1}").json_body["services"] == []


def test_the_same_product_id_is_each_merchants_own_stock(seeded, client, login) -> None:
    product = "p007"  # both merchants sell a p007
    stock_1 = inventory.available(inventory.StockKey(demo_data.MERCHANT_ID, product, STORE_1))
    detail_2 = client.http.get(f"/api/stores/{STORE_2}/products/{product}").json_body
    assert detail_2["stock"] == 106 != stock_1
    customer = new_customer(login)
    reserved = post_json(
        client, "/api/reservations", {"storeId": STORE_2, "productId": product, "quantity": 2}, customer
    )
    assert reserved.status_code == 200 and reserved.json_body["success"] is True, reserved.json_body
    assert client.http.get(f"/api/stores/{STORE_2}/products/{product}").json_body["stock"] == 104
    assert inventory.available(inventory.StockKey(demo_data.MERCHANT_ID, product, STORE_1)) == stock_1
    assert inventory.available(inventory.StockKey(demo_data.MERCHANT_ID, product, STORE_2)) == 0  # no such stock
    page = client.http.get(f"/api/stores/{STORE_2}/inventory").json_body["products"]
    assert {p["id"]: p["stock"] for p in page} == {"p007": 104, "p008": 107, "p010": 109}
