"""Pickup reservations over the API: contract, stock net of holds, limits, cancel, pickup, roles."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from chalicelib.catalog import models as catalog
from chalicelib.core.auth import Role
from chalicelib.stores import models as stores
from devstack import demo_data
from tests.api.budget import assert_budget, dynamodb_calls
from tests.api.dynamo_faults import CommittedButTimedOut, Throttled, TransactionConflicts, Unreachable
from tests.api.token_rules import assert_every_route_needs_a_live_token
from tests.conftest import post_json
from tests.people import new_customer as fresh
from tests.people import new_staff as staff_headers
from tests.people import user_id_of

STORE = "s-jingan"
OTHER_STORE = "s-xujiahui"
PRODUCT = "p001"
SOLD_OUT = "p002"


@pytest.fixture
def shop(aws: Any) -> Any:
    """Two stores of one merchant and a few products: far cheaper than the whole demo seed."""
    demo_data.put_merchant()
    for store_id in (STORE, OTHER_STORE):
        stores.put_store(
            stores.Store(
                id=store_id,
                merchant_id="m-demo",
                name=store_id,
                address="上海",
                phone="021",
                latitude=31.22,
                longitude=121.44,
                timezone="Asia/Shanghai",
                opening_hours={},
                settings={},
            )
        )
    for product_id, units in ((PRODUCT, 20), (SOLD_OUT, 0), ("p003", 5)):
        demo_data.shelve(
            catalog.Product(
                store_id=STORE,
                id=product_id,
                name=f"商品 {product_id}",
                category_id="dairy",
                price=350,
                merchant_id="m-demo",
            ),
            units,
        )
    return aws


def stock(client: Any, product_id: str = PRODUCT) -> int:
    return client.http.get(f"/api/stores/{STORE}/products/{product_id}").json_body["stock"]


def inventory_stock(client: Any, product_id: str = PRODUCT) -> int:
    products = client.http.get(f"/api/stores/{STORE}/inventory?limit=100").json_body["products"]
    return next(p["stock"] for p in products if p["id"] == product_id)


def reserve(client: Any, headers: dict, product_id: str = PRODUCT, **extra: Any) -> Any:
    body = {"storeId": STORE, "productId": product_id, "quantity": 1, **extra}
    return post_json(client, "/api/reservations", body, headers)


def test_reserve_holds_stock_and_lists_it(shop, client, login) -> None:
    customer = fresh(login)
    me = user_id_of(client, customer)
    before = stock(client)
    response = reserve(client, customer, userId=me)
    assert response.status_code == 200, response.json_body
    body = response.json_body
    assert body["success"] is True
    assert body["reservationId"].startswith("r_")
    assert len(body["pickupCode"]) == 6 and body["pickupCode"].isdigit()
    assert body["expiresAt"].endswith("Z")
    # Inventory and detail show stock net of the open reservation.
    assert stock(client) == before - 1
    assert inventory_stock(client) == before - 1

    mine = client.http.get(f"/api/reservations?userId={me}", headers=customer).json_body["reservations"]
    assert [(r["id"], r["status"], r["pickupCode"]) for r in mine] == [
        (body["reservationId"], "open", body["pickupCode"])
    ]
    schedule = boto3.client("scheduler").get_schedule(
        Name=f"reservation_expiry-{body['reservationId']}", GroupName=shop.scheduler_group
    )
    assert schedule["ScheduleExpression"] == f"at({body['expiresAt'][:-1]})"


def test_per_user_limit_per_product(shop, client, login) -> None:
    customer = fresh(login)
    before = stock(client)
    first = reserve(client, customer).json_body["reservationId"]
    assert reserve(client, customer).status_code == 200
    third = reserve(client, customer)
    assert third.status_code == 409 and third.json_body["error"]["code"] == "RESERVATION_LIMIT"
    assert stock(client) == before - 2
    # Another product and another customer are not limited by it.
    assert reserve(client, customer, product_id="p003").status_code == 200
    assert reserve(client, fresh(login)).status_code == 200
    # Cancelling frees a slot.
    assert client.http.delete(f"/api/reservations/{first}", headers=customer).status_code == 200
    assert reserve(client, customer).status_code == 200


def test_sold_out_is_a_clean_409(shop, client, login) -> None:
    response = reserve(client, fresh(login), product_id=SOLD_OUT)
    assert response.status_code == 409
    assert response.json_body["error"]["code"] == "OUT_OF_STOCK"
    assert stock(client, SOLD_OUT) == 0


BAD_INPUT: list[tuple[dict, int, str]] = [
    ({"storeId": STORE, "productId": PRODUCT, "quantity": 0}, 400, "quantity"),
    ({"storeId": STORE, "productId": PRODUCT, "quantity": "two"}, 400, "quantity"),
    ({"storeId": STORE, "productId": PRODUCT, "quantity": 21}, 400, "quantity"),
    ({"storeId": STORE, "quantity": 1}, 400, "productId"),
    ({"productId": PRODUCT, "quantity": 1}, 400, "storeId"),
    ({"storeId": STORE, "productId": "nope", "quantity": 1}, 404, "productId"),
    ({"storeId": "s-nowhere", "productId": PRODUCT, "quantity": 1}, 404, "storeId"),
]


def test_bad_reservation_input(shop, client, login) -> None:
    headers = fresh(login)
    for body, status, field in BAD_INPUT:
        response = post_json(client, "/api/reservations", body, headers)
        assert response.status_code == status, (body, response.json_body)
        assert response.json_body["error"]["field"] == field
    not_json = client.http.post("/api/reservations", body=b"{", headers={"Content-Type": "application/json", **headers})
    assert not_json.status_code == 400


def test_identity_rules(shop, client, login) -> None:
    customer, other = fresh(login), fresh(login)
    other_id = user_id_of(client, other)
    assert reserve(client, customer, userId=other_id).status_code == 403
    assert client.http.get(f"/api/reservations?userId={other_id}", headers=customer).status_code == 403
    assert reserve(client, {}).status_code == 401
    reservation_id = reserve(client, other).json_body["reservationId"]
    # Someone else's reservation reads as absent.
    assert client.http.delete(f"/api/reservations/{reservation_id}", headers=customer).status_code == 404
    assert client.http.get("/api/reservations", headers=customer).json_body["reservations"] == []


def test_cancel_returns_stock_once_and_drops_the_timer(shop, client, login) -> None:
    customer = fresh(login)
    before = stock(client)
    reservation_id = reserve(client, customer).json_body["reservationId"]
    cancelled = client.http.delete(f"/api/reservations/{reservation_id}", headers=customer)
    assert cancelled.status_code == 200 and cancelled.json_body["reservation"]["status"] == "cancelled"
    assert stock(client) == before
    again = client.http.delete(f"/api/reservations/{reservation_id}", headers=customer)
    assert again.status_code == 409 and again.json_body["error"]["code"] == "RESERVATION_NOT_OPEN"
    assert stock(client) == before
    names = [s["Name"] for s in boto3.client("scheduler").list_schedules(GroupName=shop.scheduler_group)["Schedules"]]
    assert f"reservation_expiry-{reservation_id}" not in names
    listed = client.http.get("/api/reservations?status=cancelled", headers=customer).json_body["reservations"]
    assert [r["id"] for r in listed] == [reservation_id]


def test_pickup_by_staff_of_the_store_with_the_code(shop, client, login) -> None:
    customer = fresh(login)
    before = stock(client)
    made = reserve(client, customer).json_body
    reservation_id, code = made["reservationId"], made["pickupCode"]
    path = f"/api/reservations/{reservation_id}/pickup"
    wrong_code = "000000" if code != "000000" else "111111"

    other_store_staff = staff_headers(login, [OTHER_STORE])
    other_merchant_admin = staff_headers(login, [], role=Role.ADMIN, merchant_id="m-other")
    assert post_json(client, path, {"pickupCode": code}, customer).status_code == 403
    assert post_json(client, path, {"pickupCode": code}, other_store_staff).status_code == 403
    assert post_json(client, path, {"pickupCode": code}, other_merchant_admin).status_code == 403

    staff = staff_headers(login, [STORE])
    bad = post_json(client, path, {"pickupCode": wrong_code}, staff)
    assert bad.status_code == 409 and bad.json_body["error"]["code"] == "INVALID_PICKUP_CODE"
    assert post_json(client, path, {}, staff).status_code == 400
    done = post_json(client, path, {"pickupCode": code}, staff)
    assert done.status_code == 200 and done.json_body["reservation"]["status"] == "picked_up"
    assert stock(client) == before - 1  # sold, not returned
    twice = post_json(client, path, {"pickupCode": code}, staff)
    assert twice.status_code == 409 and twice.json_body["error"]["code"] == "RESERVATION_NOT_OPEN"
    # The customer can no longer cancel it, and a merchant admin may also complete pickups.
    assert client.http.delete(f"/api/reservations/{reservation_id}", headers=customer).status_code == 409
    admin = staff_headers(login, [], role=Role.ADMIN)
    second = reserve(client, customer).json_body
    path2 = f"/api/reservations/{second['reservationId']}/pickup"
    assert post_json(client, path2, {"pickupCode": second["pickupCode"]}, admin).status_code == 200
    assert post_json(client, "/api/reservations/r_missing/pickup", {"pickupCode": "1"}, staff).status_code == 404


def test_store_reservation_list_for_staff(shop, client, login) -> None:
    customer = fresh(login)
    kept = reserve(client, customer).json_body["reservationId"]
    dropped = reserve(client, customer, product_id="p003").json_body["reservationId"]
    client.http.delete(f"/api/reservations/{dropped}", headers=customer)
    staff = staff_headers(login, [STORE])
    path = f"/api/stores/{STORE}/reservations"
    open_ones = client.http.get(f"{path}?status=open", headers=staff).json_body["reservations"]
    assert [r["id"] for r in open_ones] == [kept]
    assert "pickupCode" not in open_ones[0]
    everything = client.http.get(path, headers=staff).json_body["reservations"]
    assert {r["id"] for r in everything} == {kept, dropped}
    assert client.http.get(f"{path}?status=bogus", headers=staff).status_code == 400
    assert client.http.get(path, headers=customer).status_code == 403
    assert client.http.get(path, headers=staff_headers(login, [OTHER_STORE])).status_code == 403
    assert client.http.get("/api/stores/s-nowhere/reservations", headers=staff).status_code == 404


def test_retry_with_the_same_request_id_reserves_once(shop, client, login) -> None:
    customer = fresh(login)
    before = stock(client)
    first = reserve(client, customer, requestId="tap-1").json_body
    second = reserve(client, customer, requestId="tap-1").json_body
    assert first["reservationId"] == second["reservationId"]
    assert first["pickupCode"] == second["pickupCode"]
    assert stock(client) == before - 1
    # The same key from another customer is a different reservation.
    other = reserve(client, fresh(login), requestId="tap-1").json_body
    assert other["reservationId"] != first["reservationId"]


def test_retry_of_a_reservation_that_took_the_last_units_returns_it(shop, client, login) -> None:
    customer = fresh(login)
    first = reserve(client, customer, product_id="p003", quantity=5, requestId="tap-last")
    assert first.status_code == 200 and stock(client, "p003") == 0
    again = reserve(client, customer, product_id="p003", quantity=5, requestId="tap-last")
    assert again.status_code == 200, again.json_body
    assert again.json_body["reservationId"] == first.json_body["reservationId"]


def test_request_budget(shop, client, login, local_aws) -> None:
    """Every reservation route at its documented minimum (docs/data-model.md), no item read twice."""
    customer = fresh(login)
    staff = staff_headers(login, [STORE])

    def calls(method: str, path: str, headers: dict, body: dict | None = None) -> dict[str, int]:
        if body is None:
            return dynamodb_calls(local_aws, lambda: client.http.request(method, path, headers=headers))
        return dynamodb_calls(local_aws, lambda: post_json(client, path, body, headers, method=method))

    new = {"storeId": STORE, "productId": PRODUCT, "quantity": 1}
    # session, product, stock (the sold-out check that spares the Scheduler), then one transaction
    assert_budget(calls("POST", "/api/reservations", customer, new), "POST /api/reservations", "new")
    assert_budget(
        calls("POST", "/api/reservations", customer, {**new, "productId": SOLD_OUT}),
        "POST /api/reservations",
        "sold out",
    )
    # a keyed request skips the stock read; its retry reads the reservation it finds instead
    keyed = {**new, "productId": "p003", "requestId": "budget-1"}
    assert_budget(calls("POST", "/api/reservations", customer, keyed), "POST /api/reservations", "keyed")
    assert_budget(calls("POST", "/api/reservations", customer, keyed), "POST /api/reservations", "keyed retry")
    assert_budget(calls("GET", "/api/reservations", customer), "GET /api/reservations", "mine")  # session + my copies
    path = f"/api/stores/{STORE}/reservations?status=open"
    assert_budget(
        calls("GET", path, staff), "GET /api/stores/{store_id}/reservations", "open"
    )  # session + store + gsi1
    # stock net of the open reservations costs the page nothing extra: its one BatchGetItem
    assert_budget(
        calls("GET", f"/api/stores/{STORE}/inventory?limit=10", {}), "GET /api/stores/{store_id}/inventory", "page"
    )

    mine = client.http.get("/api/reservations?status=open", headers=customer).json_body["reservations"]
    (plain,) = [r for r in mine if r["productId"] == PRODUCT]
    (keyed_one,) = [r for r in mine if r["productId"] == "p003"]
    cancel = f"/api/reservations/{plain['id']}"
    # session + reservation, then one transaction; a second cancel stops at the status it read
    assert_budget(calls("DELETE", cancel, customer), "DELETE /api/reservations/{reservation_id}", "cancel")
    assert_budget(calls("DELETE", cancel, customer), "DELETE /api/reservations/{reservation_id}", "repeat")
    pickup = f"/api/reservations/{keyed_one['id']}/pickup"
    # session + reservation + store (the staff check), then one transaction
    picked = calls("POST", pickup, staff, {"pickupCode": keyed_one["pickupCode"]})
    assert_budget(picked, "POST /api/reservations/{reservation_id}/pickup", "pickup")


def test_no_reservation_survives_without_its_expiry_timer(shop, client, login, monkeypatch) -> None:
    from chalicelib.core import timers

    def scheduler_down(*args: Any, **kwargs: Any) -> str:
        raise RuntimeError("scheduler unavailable")

    customer = fresh(login)
    before = stock(client)
    monkeypatch.setattr(timers, "schedule_timer", scheduler_down)
    response = reserve(client, customer)
    assert response.status_code == 503
    assert response.json_body["error"]["code"] == "UPSTREAM_UNAVAILABLE"
    assert stock(client) == before
    assert client.http.get("/api/reservations?status=open", headers=customer).json_body["reservations"] == []
    monkeypatch.undo()
    # The released hold does not count against the limit.
    assert reserve(client, customer).status_code == 200
    assert reserve(client, customer).status_code == 200


def test_a_retry_after_the_scheduler_failed_reserves_for_real(shop, client, login, monkeypatch) -> None:
    from chalicelib.core import timers

    def scheduler_down(*args: Any, **kwargs: Any) -> str:
        raise RuntimeError("scheduler unavailable")

    customer = fresh(login)
    before = stock(client)
    monkeypatch.setattr(timers, "schedule_timer", scheduler_down)
    assert reserve(client, customer, requestId="tap-after-outage").status_code == 503  # "nothing was reserved"
    monkeypatch.undo()
    retried = reserve(client, customer, requestId="tap-after-outage")
    assert retried.status_code == 200, retried.json_body
    assert retried.json_body["reservation"]["status"] == "open"
    assert stock(client) == before - 1
    open_now = client.http.get("/api/reservations?status=open", headers=customer).json_body["reservations"]
    assert [r["id"] for r in open_now] == [retried.json_body["reservationId"]]


def test_every_reservation_route_needs_a_live_token(shop, client, login) -> None:
    routes = assert_every_route_needs_a_live_token(client, login, "chalicelib.reservations.routes")
    assert ("POST", "/api/reservations/probe-id/pickup") in routes


def test_transaction_conflicts_are_retried_not_answered_with_500(shop, client, login, monkeypatch) -> None:
    """A rush on one product makes real DynamoDB cancel overlapping transactions; they are retried."""
    customer = fresh(login)
    before = stock(client)
    conflicts = TransactionConflicts(monkeypatch)
    conflicts.pending = 2
    made = reserve(client, customer)
    assert made.status_code == 200, made.json_body
    assert stock(client) == before - 1
    conflicts.pending = 2
    cancelled = client.http.delete(f"/api/reservations/{made.json_body['reservationId']}", headers=customer)
    assert cancelled.status_code == 200, cancelled.json_body
    assert stock(client) == before
    assert conflicts.raised == 4 and conflicts.pending == 0


def test_a_transaction_whose_answer_was_lost_is_retried_with_its_token(shop, client, login, monkeypatch) -> None:
    """The reservation committed but the client timed out: the retry carries the same ClientRequestToken,
    so DynamoDB answers success without writing again, and the customer gets the reservation, not a 500."""
    customer = fresh(login)
    before = stock(client)
    fault = CommittedButTimedOut(monkeypatch)
    fault.pending = 1
    made = reserve(client, customer)
    assert made.status_code == 200, made.json_body
    assert len(fault.tokens) == 2 and fault.tokens[0] is not None and fault.tokens[0] == fault.tokens[1]
    assert stock(client) == before - 1
    mine = client.http.get(f"/api/reservations?userId={user_id_of(client, customer)}", headers=customer)
    assert [r["id"] for r in mine.json_body["reservations"]] == [made.json_body["reservationId"]]


def test_an_unreachable_table_is_a_503_and_writes_nothing(shop, client, login, monkeypatch) -> None:
    customer = fresh(login)
    before = stock(client)
    down = Unreachable(monkeypatch)
    made = reserve(client, customer)
    assert made.status_code == 503, made.json_body
    assert made.json_body["error"]["code"] == "UPSTREAM_UNAVAILABLE"
    assert down.calls > 1  # retried before giving up
    monkeypatch.undo()
    assert stock(client) == before


def test_the_hold_counter_a_reservation_creates_names_its_entity_type(shop, client, login) -> None:
    from chalicelib.reservations import models

    customer = fresh(login)
    assert reserve(client, customer).status_code == 200
    me = user_id_of(client, customer)
    hold = models.HoldItem.get(*models.hold_key(me, "s-jingan", PRODUCT), consistent_read=True)
    assert hold.et == "Hold" and hold.open_count == 1


def test_throttling_the_retries_absorb_is_invisible(shop, client, login, monkeypatch) -> None:
    customer = fresh(login)
    before = stock(client)
    fault = Throttled(monkeypatch, {"GetItem", "TransactWriteItems"}, pending=2)
    made = reserve(client, customer)
    assert made.status_code == 200, made.json_body
    assert fault.throttled == 2
    monkeypatch.undo()
    assert stock(client) == before - 1


def test_a_read_throttled_past_every_retry_is_a_503_to_retry_later(shop, client, monkeypatch) -> None:
    fault = Throttled(monkeypatch, {"GetItem", "Query", "BatchGetItem"})
    answer = client.http.get(f"/api/stores/{STORE}/products/{PRODUCT}")
    assert answer.status_code == 503, answer.json_body
    assert answer.json_body["error"]["code"] == "UPSTREAM_UNAVAILABLE"
    assert answer.headers.get("Retry-After", "").isdigit()
    assert fault.throttled >= 3  # botocore's attempts were all spent first


@pytest.mark.parametrize("kind", ["throughput", "transaction"])
def test_a_throttled_transaction_is_a_503_and_writes_nothing(shop, client, login, monkeypatch, kind) -> None:
    customer = fresh(login)
    before = stock(client)
    fault = Throttled(monkeypatch, {"TransactWriteItems"}, kind=kind)
    made = reserve(client, customer)
    assert made.status_code == 503, made.json_body
    assert made.json_body["error"]["code"] == "UPSTREAM_UNAVAILABLE"
    assert made.headers.get("Retry-After", "").isdigit()
    assert fault.throttled > 1  # retried before giving up
    monkeypatch.undo()
    assert stock(client) == before
    assert reserve(client, customer).status_code == 200  # nothing half-written blocks the retry
