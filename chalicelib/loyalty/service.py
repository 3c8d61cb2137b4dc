"""Loyalty use cases: membership, accrual at the till, rewards, redemption, history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from chalicelib.core.auth import Principal, Role
from chalicelib.core.clock import to_iso
from chalicelib.core.config import settings
from chalicelib.core.errors import Conflict, Forbidden, NotFound, ValidationError
from chalicelib.core.ids import new_id, stable_id
from chalicelib.loyalty import accrual, models, rules
from chalicelib.stores.api import require_store

# A till may sync sales made offline, but not from the far past or the future.
MAX_SALE_AGE = timedelta(days=90)
MAX_CLOCK_SKEW = timedelta(minutes=5)


def merchant_or_default(merchant_id: str | None) -> str:
    return merchant_id or settings().default_merchant_id


def ensure_can_view(principal: Principal, user_id: str, merchant_id: str) -> str:
    """The member themself, or the merchant's own staff and admin (e.g. at the till)."""
    if principal.user_id == user_id:
        return user_id
    if principal.role in (Role.STAFF, Role.ADMIN) and principal.merchant_id == merchant_id:
        return user_id
    raise Forbidden("You can only see your own membership.")


def ensure_member(user_id: str, merchant_id: str, now: datetime) -> models.Member:
    member = models.get_member(user_id, merchant_id)
    if member is None:
        models.enroll(user_id, merchant_id, rules.card_number(merchant_id, user_id), to_iso(now))
        member = models.get_member(user_id, merchant_id)
    assert member is not None
    return member


def membership_view(member: models.Member, config: rules.LoyaltyConfig, now: datetime) -> dict[str, Any]:
    earned = rules.earned_in_window(member.earned, now, config)
    tier = rules.tier_for(earned, config)
    upcoming, to_next = rules.next_tier(earned, config)
    return {
        "userId": member.user_id,
        "merchantId": member.merchant_id,
        "tier": tier.name,
        "points": member.points,
        "lifetimePoints": member.lifetime_points,
        "earnedLast12Months": earned,
        "multiplier": tier.multiplier_percent / 100,
        "nextTier": upcoming.name if upcoming else None,
        "pointsToNextTier": to_next,
        "memberSince": member.member_since,
        "cardNumber": member.card_number,
    }


def membership(principal: Principal, user_id: str, merchant_id: str, now: datetime) -> dict[str, Any]:
    ensure_can_view(principal, user_id, merchant_id)
    return membership_view(ensure_member(user_id, merchant_id, now), accrual.config_for(merchant_id), now)


@dataclass(frozen=True)
class EarnResult:
    transaction_id: str
    quote: rules.EarnQuote


def ensure_point_of_sale(principal: Principal) -> None:
    """Earning points is a till's action: a customer is refused before their input is even read."""
    if principal.role not in (Role.STAFF, Role.ADMIN):
        raise Forbidden("Only store staff can award points.")


def earn_at_till(
    principal: Principal,
    *,
    user_id: str,
    store_id: str,
    amount_fen: int,
    transaction_type: str,
    occurred_at: datetime,
    transaction_id: str | None,
    now: datetime,
) -> EarnResult:
    store = require_store(store_id)
    principal.ensure_staff_of(store.id, store.merchant_id)
    if principal.user_id == user_id:
        raise Forbidden("Staff cannot award points to themselves.", code="SELF_ACCRUAL")
    if occurred_at > now + MAX_CLOCK_SKEW or occurred_at < now - MAX_SALE_AGE:
        raise ValidationError("'timestamp' must be within the last 90 days.", field="timestamp")
    # A till's own receipt number, scoped to the store; otherwise the sale's details identify it.
    if transaction_id:
        tx_id = f"pos-{store.id}-{transaction_id}"
        if not models.claim_receipt(store.id, transaction_id, user_id, to_iso(now)):
            raise Conflict(
                "This receipt already earned points for another customer.",
                code="RECEIPT_ALREADY_CREDITED",
                field="transactionId",
            )
    else:
        tx_id = rules.pos_transaction_id(
            store_id, user_id, amount_fen, transaction_type, int(occurred_at.timestamp() * 1000)
        )
    quote = accrual.earn_for_purchase(
        user_id=user_id,
        merchant_id=store.merchant_id,
        store_id=store.id,
        amount_fen=amount_fen,
        transaction_type=transaction_type,
        transaction_id=tx_id,
        occurred_at=occurred_at,
        now=now,
    )
    return EarnResult(transaction_id=tx_id, quote=quote)


def reward_view(reward: rules.RewardOffer, *, eligible: bool) -> dict[str, Any]:
    return {
        "id": reward.id,
        "name": reward.name,
        "pointsCost": reward.points_cost,
        "stock": reward.stock,
        "eligible": eligible,
        "minTier": reward.min_tier,
        "description": reward.description,
        "image": reward.image,
    }


def rewards(principal: Principal, user_id: str, merchant_id: str, now: datetime) -> list[dict[str, Any]]:
    ensure_can_view(principal, user_id, merchant_id)
    config = accrual.config_for(merchant_id)
    member = models.get_member(user_id, merchant_id)
    points = member.points if member else 0
    tier = rules.tier_for(rules.earned_in_window(member.earned if member else {}, now, config), config)
    return [reward_view(r, eligible=rules.eligible(r, points, tier, config)) for r in models.rewards(merchant_id)]


@dataclass(frozen=True)
class Redemption:
    id: str
    reward: rules.RewardOffer
    remaining_points: int


def redeem(
    principal: Principal,
    *,
    user_id: str | None,
    reward_id: str,
    merchant_id: str,
    request_key: str | None,
    now: datetime,
) -> Redemption:
    member_id = principal.ensure_self(user_id)
    reward = models.get_reward(merchant_id, reward_id)
    if reward is None:
        raise NotFound(f"Reward '{reward_id}' does not exist.", code="REWARD_NOT_FOUND", field="rewardId")
    member = ensure_member(member_id, merchant_id, now)
    config = accrual.config_for(merchant_id)
    tier = rules.tier_for(rules.earned_in_window(member.earned, now, config), config)
    # Points and stock are the transaction's conditions; only the tier gate is checked here.
    if not rules.tier_allows(reward, tier, config):
        raise Conflict(f"This reward needs {reward.min_tier} tier.", code="TIER_REQUIRED")
    redemption_id = stable_id("rd", member_id, request_key) if request_key else new_id("rd")
    entry = models.LedgerEntry(
        transaction_id=redemption_id,
        kind="redeem",
        points=-reward.points_cost,
        description=f"Redeemed {reward.name}",
        occurred_at=to_iso(now),
        created_at=to_iso(now),
        reward_id=reward.id,
    )
    try:
        models.redeem(member_id, merchant_id, reward.id, reward.points_cost, entry)
    except models.AlreadyRecorded:
        # A retried request (same request id) answers like the first one; nothing is spent twice.
        earlier = models.get_entry(member_id, merchant_id, redemption_id)
        if earlier is None or earlier.kind != "redeem" or earlier.reward_id != reward.id:
            raise Conflict(
                "This request id was already used for another redemption.", code="DUPLICATE_REQUEST"
            ) from None
    after = models.get_member(member_id, merchant_id)
    return Redemption(id=redemption_id, reward=reward, remaining_points=after.points if after else 0)


def history(principal: Principal, user_id: str, merchant_id: str, limit: int) -> list[dict[str, Any]]:
    ensure_can_view(principal, user_id, merchant_id)
    return [
        {
            "id": e.transaction_id,
            "type": e.kind,
            "points": e.points,
            "description": e.description,
            "amount": e.amount,
            "storeId": e.store_id,
            "transactionType": e.transaction_type,
            "rewardId": e.reward_id,
            "occurredAt": e.occurred_at,
            "createdAt": e.created_at,
        }
        for e in models.history(user_id, merchant_id, limit)
    ]
