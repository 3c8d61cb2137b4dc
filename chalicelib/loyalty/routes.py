"""Loyalty: membership card, points at the till (staff), rewards and redemption, history.

Routes that name no `merchantId` act on the mini program's own merchant (`DEFAULT_MERCHANT_ID`).
"""

from __future__ import annotations

from chalicelib.core.clock import clock
from chalicelib.core.http import ApiBlueprint, current_principal, json_body, json_response, query
from chalicelib.loyalty import rules, service

bp = ApiBlueprint(__name__)

MAX_AMOUNT_FEN = 100_000_000  # one million yuan: beyond any single till sale
DEFAULT_HISTORY = 20
MAX_HISTORY = 100


def _merchant() -> str:
    return service.merchant_or_default(query(bp.request).text("merchantId", max_length=64) or None)


@bp.route("/api/loyalty/membership/{user_id}", methods=["GET"])
def membership(user_id: str) -> object:
    principal = current_principal(bp.request)
    return json_response(service.membership(principal, user_id, _merchant(), clock().now()))


@bp.route("/api/loyalty/earn-points", methods=["POST"])
def earn_points() -> object:
    principal = current_principal(bp.request)
    service.ensure_point_of_sale(principal)
    body = json_body(bp.request)
    user_id = body.require_text("userId", max_length=64)
    store_id = body.require_text("storeId", max_length=64)
    amount = body.integer("amount", required=True, minimum=1, maximum=MAX_AMOUNT_FEN)
    assert amount is not None
    transaction_type = body.text("transactionType", default="purchase", max_length=32) or "purchase"
    raw_timestamp = body.raw("timestamp")
    now = clock().now()
    occurred_at = now if raw_timestamp in (None, "") else rules.parse_timestamp(raw_timestamp)
    result = service.earn_at_till(
        principal,
        user_id=user_id,
        store_id=store_id,
        amount_fen=amount,
        transaction_type=transaction_type,
        occurred_at=occurred_at,
        transaction_id=body.text("transactionId", max_length=64) or None,
        now=now,
    )
    quote = result.quote
    return json_response(
        {
            "success": True,
            "transactionId": result.transaction_id,
            "pointsEarned": quote.points,
            "tierUpgrade": quote.upgraded,
            "newTier": quote.tier_after.name,
            "status": "pending",  # credited by the points queue's consumer, once
        }
    )


@bp.route("/api/loyalty/rewards/{user_id}", methods=["GET"])
def rewards(user_id: str) -> object:
    principal = current_principal(bp.request)
    return json_response({"rewards": service.rewards(principal, user_id, _merchant(), clock().now())})


@bp.route("/api/loyalty/redeem", methods=["POST"])
def redeem() -> object:
    principal = current_principal(bp.request)
    body = json_body(bp.request)
    redemption = service.redeem(
        principal,
        user_id=body.text("userId", max_length=64) or None,
        reward_id=body.require_text("rewardId", max_length=64),
        merchant_id=service.merchant_or_default(body.text("merchantId", max_length=64) or None),
        request_key=body.text("requestId", max_length=128) or bp.request.headers.get("idempotency-key") or None,
        now=clock().now(),
    )
    reward = redemption.reward
    return json_response(
        {
            "success": True,
            "redemptionId": redemption.id,
            "reward": {"id": reward.id, "name": reward.name, "pointsCost": reward.points_cost},
            "remainingPoints": redemption.remaining_points,
        }
    )


@bp.route("/api/loyalty/history/{user_id}", methods=["GET"])
def history(user_id: str) -> object:
    principal = current_principal(bp.request)
    limit = query(bp.request).integer("limit", default=DEFAULT_HISTORY, minimum=1, maximum=MAX_HISTORY)
    assert limit is not None
    return json_response({"transactions": service.history(principal, user_id, _merchant(), limit)})
