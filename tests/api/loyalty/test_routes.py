"""Loyalty over the API: membership card, staff-only accrual through the points queue, rewards,
redemption and history, with every role rule."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest

from chalicelib.core.auth import Role
from chalicelib.core.clock import ManualClock, clock
from chalicelib.loyalty import models, rules, views
from chalicelib.loyalty.domain import DEFAULT_CONFIG, LedgerEntry, Member, RewardOffer
from chalicelib.loyalty.models import LoyaltyTable
from chalicelib.stores import models as stores
from devstack import demo_data, demo_loyalty
from devstack.event_runner import EventRunner
from devstack.stack import REGION
from tests.api.budget import assert_budget
from tests.api.dynamo_faults import TransactionConflicts
from tests.api.token_rules import assert_every_route_needs_a_live_token
from tests.conftest import post_json
from tests.people import new_customer as fresh
from tests.people import new_staff as staff_headers
from tests.people import user_id_of

MERCHANT = "m-demo"
STORE = "s-jingan"
OTHER_STORE = "s-xujiahui"


@pytest.fixture
def shop(aws: Any) -> Any:
    demo_data.put_merchant(MERCHANT)
    for store_id in (STORE, OTHER_STORE):
        stores.put_store(
            stores.Store(
                id=store_id,
                merchant_id=MERCHANT,
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
    demo_loyalty.seed(clock().now())
    return aws


@pytest.fixture
def runner(shop: Any) -> EventRunner:
    from app import app

    return EventRunner(app, ManualClock(clock().now()), [shop.scheduler_group], REGION)


def now_ms() -> int:
    return int(clock().now().timestamp() * 1000)


def earn(client: Any, headers: dict, user_id: str, amount: int, **extra: Any) -> Any:
    body = {
        "userId": user_id,
        "storeId": STORE,
        "amount": amount,
        "transactionType": "purchase",
        "timestamp": now_ms(),
        **extra,
    }
    return post_json(client, "/api/loyalty/earn-points", body, headers)


def membership(client: Any, headers: dict, user_id: str) -> Any:
    return client.http.get(f"/api/loyalty/membership/{user_id}", headers=headers)


def test_membership_card_for_a_new_member(shop, client, login) -> None:
    headers = fresh(login)
    me = user_id_of(client, headers)
    response = membership(client, headers, me)
    assert response.status_code == 200
    card = response.json_body
    assert {k: card[k] for k in ("userId", "tier", "points", "lifetimePoints", "nextTier", "pointsToNextTier")} == {
        "userId": me,
        "tier": "normal",
        "points": 0,
        "lifetimePoints": 0,
        "nextTier": "silver",
        "pointsToNextTier": 1000,
    }
    assert len(card["cardNumber"]) == 16 and card["memberSince"].endswith("Z")
    assert membership(client, headers, me).json_body["cardNumber"] == card["cardNumber"]


def test_view_rules(shop, client, login) -> None:
    alice, bob = fresh(login), fresh(login)
    alice_id = user_id_of(client, alice)
    for path in ("membership", "rewards", "history"):
        assert client.http.get(f"/api/loyalty/{path}/{alice_id}", headers=bob).status_code == 403
        assert client.http.get(f"/api/loyalty/{path}/{alice_id}").status_code == 401
        # The merchant's own staff may look a member up at the till; another merchant's may not.
        assert (
            client.http.get(f"/api/loyalty/{path}/{alice_id}", headers=staff_headers(login, [STORE])).status_code == 200
        )
        outsider = staff_headers(login, [], role=Role.ADMIN, merchant_id="m-other")
        assert (
            client.http.get(f"/api/loyalty/{path}/{alice_id}?merchantId={MERCHANT}", headers=outsider).status_code
            == 403
        )


def test_earn_points_is_staff_only_and_credited_through_the_queue(shop, client, login, runner) -> None:
    customer = fresh(login)
    me = user_id_of(client, customer)
    assert earn(client, customer, me, 25_000).status_code == 403
    assert earn(client, staff_headers(login, [OTHER_STORE]), me, 25_000).status_code == 403
    outsider = staff_headers(login, [], role=Role.ADMIN, merchant_id="m-other")
    assert earn(client, outsider, me, 25_000).status_code == 403
    staff = staff_headers(login, [STORE])
    assert earn(client, staff, user_id_of(client, staff), 25_000).json_body["error"]["code"] == "SELF_ACCRUAL"

    response = earn(client, staff, me, 25_000)
    assert response.status_code == 200, response.json_body
    assert response.json_body | {"transactionId": "x"} == {
        "success": True,
        "transactionId": "x",
        "pointsEarned": 25,
        "tierUpgrade": False,
        "newTier": "normal",
        "status": "pending",
    }
    assert membership(client, customer, me).json_body["points"] == 0  # not yet credited: queued
    runner.drain_queues()
    card = membership(client, customer, me).json_body
    assert (card["points"], card["lifetimePoints"], card["pointsToNextTier"]) == (25, 25, 975)
    history = client.http.get(f"/api/loyalty/history/{me}", headers=customer).json_body["transactions"]
    assert [(t["type"], t["points"], t["amount"], t["storeId"]) for t in history] == [("earn", 25, 25_000, STORE)]
    # A merchant admin counts as the store's point of sale too.
    admin = staff_headers(login, [], role=Role.ADMIN)
    assert earn(client, admin, me, 10_000).json_body["pointsEarned"] == 10


def test_the_same_sale_twice_is_credited_once(shop, client, login, runner) -> None:
    customer = fresh(login)
    me = user_id_of(client, customer)
    staff = staff_headers(login, [STORE])
    sale = {"timestamp": now_ms()}
    first = earn(client, staff, me, 50_000, **sale).json_body
    second = earn(client, staff, me, 50_000, **sale).json_body
    assert first["transactionId"] == second["transactionId"]
    receipt = earn(client, staff, me, 10_000, transactionId="R-1001").json_body
    assert (
        earn(client, staff, me, 10_000, transactionId="R-1001").json_body["transactionId"] == receipt["transactionId"]
    )
    runner.drain_queues()
    assert membership(client, customer, me).json_body["points"] == 60

    # The same receipt cannot earn points for a second customer.
    other = fresh(login)
    someone_else = user_id_of(client, other)
    refused = earn(client, staff, someone_else, 10_000, transactionId="R-1001")
    assert refused.status_code == 409 and refused.json_body["error"]["code"] == "RECEIPT_ALREADY_CREDITED"
    runner.drain_queues()
    assert membership(client, other, someone_else).json_body["points"] == 0


def test_tier_upgrade_is_reported_and_applies_the_multiplier(shop, client, login, runner) -> None:
    customer = fresh(login)
    me = user_id_of(client, customer)
    staff = staff_headers(login, [STORE])
    big = earn(client, staff, me, 1_000_000).json_body  # 10,000 yuan -> 1000 points at normal
    assert (big["pointsEarned"], big["tierUpgrade"], big["newTier"]) == (1000, True, "silver")
    runner.drain_queues()
    card = membership(client, customer, me).json_body
    assert (card["tier"], card["nextTier"], card["pointsToNextTier"]) == ("silver", "gold", 4000)
    assert earn(client, staff, me, 10_000).json_body["pointsEarned"] == 12  # silver earns 1.2x


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": 12.5}, "amount"),
        ({"amount": 0}, "amount"),
        ({"amount": "lots"}, "amount"),
        ({"userId": None}, "userId"),
        ({"storeId": None}, "storeId"),
        ({"timestamp": "yesterday"}, "timestamp"),
        ({"timestamp": 10**11}, "timestamp"),  # 1973
    ],
)
def test_earn_points_bad_input(shop, client, login, change: dict, field: str) -> None:
    staff = staff_headers(login, [STORE])
    body = {"userId": "u-someone", "storeId": STORE, "amount": 100, "timestamp": now_ms()} | change
    response = post_json(client, "/api/loyalty/earn-points", body, staff)
    assert response.status_code == 400, response.json_body
    assert response.json_body["error"]["field"] == field


loyalty = LoyaltyTable()


def give_points(user_id: str, points: int) -> None:
    loyalty.enroll(Member(user_id, MERCHANT, 0, 0, {}, rules.card_number(MERCHANT, user_id), "2026-01-01T00:00:00Z"))
    entry = LedgerEntry(
        transaction_id=f"seed-{uuid.uuid4().hex}",
        kind="earn",
        points=points,
        description="seed",
        occurred_at="2026-01-01T00:00:00Z",
        created_at="2026-01-01T00:00:00Z",
    )
    assert loyalty.credit(user_id, MERCHANT, entry, "2000-01")  # outside the tier window: tier stays normal


def test_rewards_and_redemption(shop, client, login) -> None:
    customer = fresh(login)
    me = user_id_of(client, customer)
    give_points(me, 150)
    listed = client.http.get(f"/api/loyalty/rewards/{me}", headers=customer).json_body["rewards"]
    by_id = {r["id"]: r for r in listed}
    assert set(by_id) == {r[0] for r in demo_loyalty.REWARDS}
    assert by_id["rw-coupon-5"] | {"minTier": None} == {
        "id": "rw-coupon-5",
        "name": "5元无门槛券",
        "pointsCost": 50,
        "stock": 1000,
        "eligible": True,
        "minTier": None,
        "description": None,
        "image": None,
    }
    assert by_id["rw-eco-bag"]["eligible"] is True
    assert by_id["rw-coupon-20"]["eligible"] is False  # 180 > 150

    redeemed = post_json(client, "/api/loyalty/redeem", {"userId": me, "rewardId": "rw-eco-bag"}, customer)
    assert redeemed.status_code == 200, redeemed.json_body
    assert redeemed.json_body["success"] is True
    assert redeemed.json_body["reward"]["name"] == "环保购物袋"
    assert redeemed.json_body["remainingPoints"] == 30
    short = post_json(client, "/api/loyalty/redeem", {"userId": me, "rewardId": "rw-coupon-5"}, customer)
    assert short.status_code == 409 and short.json_body["error"]["code"] == "INSUFFICIENT_POINTS"
    card = membership(client, customer, me).json_body
    assert (card["points"], card["lifetimePoints"], card["tier"]) == (30, 150, "normal")
    assert loyalty.get_reward(MERCHANT, "rw-eco-bag").stock == 199  # type: ignore[union-attr]

    history = client.http.get(f"/api/loyalty/history/{me}?limit=1", headers=customer).json_body["transactions"]
    assert [(t["type"], t["points"], t["rewardId"]) for t in history] == [("redeem", -120, "rw-eco-bag")]
    assert client.http.get(f"/api/loyalty/history/{me}?limit=0", headers=customer).status_code == 400


def test_redemption_rules(shop, client, login) -> None:
    customer, other = fresh(login), fresh(login)
    me, other_id = user_id_of(client, customer), user_id_of(client, other)
    give_points(me, 5_000)
    give_points(other_id, 5_000)
    for_other = post_json(client, "/api/loyalty/redeem", {"userId": other_id, "rewardId": "rw-coupon-5"}, customer)
    assert for_other.status_code == 403
    staff = staff_headers(login, [STORE])
    assert post_json(client, "/api/loyalty/redeem", {"userId": me, "rewardId": "rw-coupon-5"}, staff).status_code == 403
    missing = post_json(client, "/api/loyalty/redeem", {"userId": me, "rewardId": "nope"}, customer)
    assert missing.status_code == 404
    assert post_json(client, "/api/loyalty/redeem", {"userId": me}, customer).status_code == 400
    gated = post_json(client, "/api/loyalty/redeem", {"userId": me, "rewardId": "rw-mug"}, customer)
    assert gated.status_code == 409 and gated.json_body["error"]["code"] == "TIER_REQUIRED"
    # The same request id redeems once; its retry answers like the first request did.
    body = {"userId": me, "rewardId": "rw-coupon-5", "requestId": "tap-7"}
    first = post_json(client, "/api/loyalty/redeem", body, customer)
    assert first.status_code == 200
    again = post_json(client, "/api/loyalty/redeem", body, customer)
    assert again.status_code == 200, again.json_body
    assert again.json_body["redemptionId"] == first.json_body["redemptionId"]
    assert again.json_body["remainingPoints"] == 4_950 and again.json_body["reward"]["name"] == "5元无门槛券"
    assert membership(client, customer, me).json_body["points"] == 4_950
    assert loyalty.get_reward(MERCHANT, "rw-coupon-5").stock == 999  # type: ignore[union-attr]
    reused = post_json(client, "/api/loyalty/redeem", body | {"rewardId": "rw-eco-bag"}, customer)
    assert reused.status_code == 409 and reused.json_body["error"]["code"] == "DUPLICATE_REQUEST"
    assert membership(client, customer, me).json_body["points"] == 4_950
    # Sold out.
    models.put_reward(MERCHANT, RewardOffer(id="rw-last", name="Last one", points_cost=10, stock=1))
    assert post_json(client, "/api/loyalty/redeem", {"rewardId": "rw-last"}, customer).status_code == 200
    gone = post_json(client, "/api/loyalty/redeem", {"rewardId": "rw-last"}, other)
    assert gone.status_code == 409 and gone.json_body["error"]["code"] == "REWARD_UNAVAILABLE"


def test_tier_window_rolls_off_old_points(shop, client, login, runner) -> None:
    customer = fresh(login)
    me = user_id_of(client, customer)
    staff = staff_headers(login, [STORE])
    old = clock().now() - timedelta(days=80)
    earn(client, staff, me, 1_000_000, timestamp=int(old.timestamp() * 1000))
    runner.drain_queues()
    assert membership(client, customer, me).json_body["tier"] == "silver"
    late = clock().now() + timedelta(days=400)
    member = loyalty.get_member(me, MERCHANT)
    assert member is not None
    view = views.membership_view(member, DEFAULT_CONFIG, late)
    assert (view["tier"], view["points"], view["lifetimePoints"]) == ("normal", 1000, 1000)


def test_request_budget(shop, client, login, local_aws) -> None:
    """Every loyalty route at its documented minimum (docs/data-model.md); no item is read twice."""
    customer = fresh(login)
    me = user_id_of(client, customer)
    staff = staff_headers(login, [STORE])

    def calls(method: str, path: str, caller: dict, body: dict | None = None) -> dict[str, int]:
        local_aws.app.calls.clear()
        if body is None:
            response = client.http.request(method, path, headers=caller)
        else:
            response = post_json(client, path, body, caller, method=method)
        assert response.status_code == 200, response.json_body
        return dict(local_aws.app.calls)

    # First view enrols: session, member (none), merchant exists, config; one PutItem (the caller is real)
    assert_budget(
        calls("GET", f"/api/loyalty/membership/{me}", customer), "GET /api/loyalty/membership/{user_id}", "enrol"
    )
    assert_budget(
        calls("GET", f"/api/loyalty/membership/{me}", customer), "GET /api/loyalty/membership/{user_id}", "member"
    )  # session, member, config
    other = user_id_of(client, fresh(login))
    # staff looking up someone else at the till: identity is asked whether that user exists
    assert_budget(
        calls("GET", f"/api/loyalty/membership/{other}", staff),
        "GET /api/loyalty/membership/{user_id}",
        "staff enrols another",
    )
    assert_budget(calls("GET", f"/api/loyalty/history/{me}", customer), "GET /api/loyalty/history/{user_id}", "own")
    # session, config, member + the catalogue
    assert_budget(calls("GET", f"/api/loyalty/rewards/{me}", customer), "GET /api/loyalty/rewards/{user_id}", "own")
    sale = {"userId": me, "storeId": STORE, "amount": 10_000, "timestamp": now_ms()}
    # session, store (staff check), member, config; the credit goes on the points queue
    assert_budget(calls("POST", "/api/loyalty/earn-points", staff, sale), "POST /api/loyalty/earn-points", "member")
    newcomer = user_id_of(client, fresh(login))
    with_receipt = sale | {"userId": newcomer, "transactionId": "R-budget"}
    # no member yet: identity is asked first; the receipt claim is one conditional PutItem
    assert_budget(
        calls("POST", "/api/loyalty/earn-points", staff, with_receipt),
        "POST /api/loyalty/earn-points",
        "newcomer with receipt",
    )
    give_points(me, 200)
    redeem = {"userId": me, "rewardId": "rw-eco-bag", "requestId": "budget-1"}
    # session, reward, member, config; one transaction takes points from the balance read, so the
    # remaining points need no second read of the member
    assert_budget(calls("POST", "/api/loyalty/redeem", customer, redeem), "POST /api/loyalty/redeem", "first")
    # a retry: the cancelled transaction hands back the first redemption's ledger entry (no GetItem of it)
    assert_budget(calls("POST", "/api/loyalty/redeem", customer, redeem), "POST /api/loyalty/redeem", "retry")


def test_every_loyalty_route_needs_a_live_token(shop, client, login) -> None:
    routes = assert_every_route_needs_a_live_token(client, login, "chalicelib.loyalty.routes")
    assert ("POST", "/api/loyalty/earn-points") in routes


def test_a_customer_is_refused_earn_points_before_their_input_is_read(shop, client, login) -> None:
    customer = fresh(login)
    for body in ({}, {"userId": user_id_of(client, customer)}, {"amount": "lots"}):
        response = post_json(client, "/api/loyalty/earn-points", body, customer)
        assert response.status_code == 403, (body, response.json_body)
    # Staff get the validation error, so the gate is about the role, not the body.
    assert post_json(client, "/api/loyalty/earn-points", {}, staff_headers(login, [STORE])).status_code == 400


def test_redeem_retries_transaction_conflicts_instead_of_a_500(shop, client, login, monkeypatch) -> None:
    """Members racing for a popular reward make real DynamoDB cancel overlapping transactions."""
    customer = fresh(login)
    me = user_id_of(client, customer)
    give_points(me, 200)
    conflicts = TransactionConflicts(monkeypatch)
    conflicts.pending = 3
    redeemed = post_json(client, "/api/loyalty/redeem", {"userId": me, "rewardId": "rw-eco-bag"}, customer)
    assert redeemed.status_code == 200, redeemed.json_body
    assert redeemed.json_body["remainingPoints"] == 80 and conflicts.raised == 3
    assert loyalty.get_reward(MERCHANT, "rw-eco-bag").stock == 199  # type: ignore[union-attr]


def _member_item(user_id: str, merchant_id: str) -> dict | None:
    import boto3

    from chalicelib.core.config import settings

    found = boto3.client("dynamodb").get_item(
        TableName=settings().table_name,
        Key={"pk": {"S": f"USER#{user_id}"}, "sk": {"S": f"LOYALTY#{merchant_id}"}},
        ConsistentRead=True,
    )
    return found.get("Item")


def test_only_real_users_and_merchants_are_enrolled(shop, client, login) -> None:
    """Reading a membership enrolled any merchantId or userId, even ones that do not exist."""
    customer = fresh(login)
    me = user_id_of(client, customer)
    nowhere = client.http.get(f"/api/loyalty/membership/{me}?merchantId=m-nowhere", headers=customer)
    assert nowhere.status_code == 404 and nowhere.json_body["error"]["code"] == "MERCHANT_NOT_FOUND"
    assert _member_item(me, "m-nowhere") is None
    staff = staff_headers(login, [STORE])
    ghost = client.http.get("/api/loyalty/membership/u-ghost", headers=staff)
    assert ghost.status_code == 404 and ghost.json_body["error"]["code"] == "USER_NOT_FOUND"
    assert _member_item("u-ghost", MERCHANT) is None
    # Real ones still are: the member themself, and a real customer looked up at the till.
    other = user_id_of(client, fresh(login))
    assert client.http.get(f"/api/loyalty/membership/{other}", headers=staff).status_code == 200
    assert _member_item(other, MERCHANT) is not None


def test_staff_cannot_credit_points_to_a_user_that_does_not_exist(shop, client, login, runner) -> None:
    staff = staff_headers(login, [STORE])
    refused = earn(client, staff, "u-ghost", 25_000)
    assert refused.status_code == 404, refused.json_body
    assert refused.json_body["error"]["code"] == "USER_NOT_FOUND"
    assert refused.json_body["error"]["field"] == "userId"
    receipt = earn(client, staff, "u-ghost", 25_000, transactionId="R-ghost")
    assert receipt.status_code == 404
    runner.drain_queues()
    assert _member_item("u-ghost", MERCHANT) is None
    real = user_id_of(client, fresh(login))
    assert earn(client, staff, real, 25_000, transactionId="R-ghost").status_code == 200  # not claimed by the ghost
