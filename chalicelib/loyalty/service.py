"""Loyalty use cases: membership, accrual at the till, rewards, redemption, history.

Only real users and merchants get a membership: enrolment (on first view) and awarding points to a
user with no membership yet ask identity and stores first. No use case reads an item twice: an
enrolment knows the member it wrote, and a redemption takes points from the balance it read, so what
remains is known without reading the member again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.core.auth import Principal
from chalicelib.core.clock import to_iso
from chalicelib.core.errors import Conflict, Forbidden, NotFound, ValidationError
from chalicelib.core.ids import stable_id
from chalicelib.loyalty import accrual, rules
from chalicelib.loyalty.domain import (
    EarnQuote,
    LedgerEntry,
    LedgerKind,
    LoyaltyConfig,
    Member,
    RewardOffer,
)
from chalicelib.loyalty.ports import LoyaltyPorts

# A till may sync sales made offline, but not from the far past or the future.
MAX_SALE_AGE = timedelta(days=90)
MAX_CLOCK_SKEW = timedelta(minutes=5)
# A redemption takes points from the balance it read; each retry means another change landed first.
REDEEM_ATTEMPTS = 8


def ensure_can_view(principal: Principal, user_id: str, merchant_id: str) -> str:
    """The member themself, or the merchant's own staff and admin (e.g. at the till)."""
    if principal.user_id == user_id:
        return user_id
    if principal.works_for(merchant_id):
        return user_id
    raise Forbidden("You can only see your own membership.")


def ensure_point_of_sale(principal: Principal) -> None:
    """Earning points is a till's action: a customer is refused before their input is even read."""
    if not principal.works_for_merchant:
        raise Forbidden("Only store staff can award points.")


def config_of(ports: LoyaltyPorts, merchant_id: str) -> LoyaltyConfig:
    return rules.config_from(ports.repo.get_config(merchant_id))


def _require_user(ports: LoyaltyPorts, principal: Principal, user_id: str) -> None:
    """The caller exists (they hold a session); anyone else they name is asked of identity."""
    if user_id != principal.user_id and not ports.user_exists(user_id):
        raise NotFound(f"User '{user_id}' does not exist.", code="USER_NOT_FOUND", field="userId")


def _enrol(ports: LoyaltyPorts, user_id: str, merchant_id: str, now: datetime) -> Member:
    member = Member(
        user_id=user_id,
        merchant_id=merchant_id,
        points=0,
        lifetime_points=0,
        earned={},
        card_number=rules.card_number(merchant_id, user_id),
        member_since=to_iso(now),
    )
    return ports.repo.enroll(member)


@dataclass(frozen=True)
class Membership:
    member: Member
    config: LoyaltyConfig


def membership(ports: LoyaltyPorts, principal: Principal, user_id: str, merchant_id: str, now: datetime) -> Membership:
    """The member's card, enrolling them on first view, if user and merchant are real."""
    ensure_can_view(principal, user_id, merchant_id)
    member = ports.repo.get_member(user_id, merchant_id)
    if member is None:
        _require_user(ports, principal, user_id)
        if not ports.merchant_exists(merchant_id):
            raise NotFound(f"Merchant '{merchant_id}' does not exist.", code="MERCHANT_NOT_FOUND", field="merchantId")
        member = _enrol(ports, user_id, merchant_id, now)
    return Membership(member, config_of(ports, merchant_id))


@dataclass(frozen=True)
class Sale:
    """A till's sale as the route parsed it."""

    user_id: str
    store_id: str
    amount_fen: int
    transaction_type: str
    occurred_at: datetime
    receipt_no: str | None  # the till's own receipt number, when it sends one


@dataclass(frozen=True)
class EarnResult:
    transaction_id: str
    quote: EarnQuote


def earn_at_till(ports: LoyaltyPorts, principal: Principal, sale: Sale, now: datetime) -> EarnResult:
    """Quote the sale's points and put the credit on the points queue (credited once per transaction).
    The customer must be a real user: one with no membership yet is asked of identity first."""
    store = ports.require_store(sale.store_id)
    principal.ensure_staff_of(store.id, store.merchant_id)
    if principal.user_id == sale.user_id:
        raise Forbidden("Staff cannot award points to themselves.", code="SELF_ACCRUAL")
    if sale.occurred_at > now + MAX_CLOCK_SKEW or sale.occurred_at < now - MAX_SALE_AGE:
        raise ValidationError("'timestamp' must be within the last 90 days.", field="timestamp")
    member = ports.repo.get_member(sale.user_id, store.merchant_id)
    if member is None:
        _require_user(ports, principal, sale.user_id)
    # A till's own receipt number, scoped to the store; otherwise the sale's details identify it.
    if sale.receipt_no:
        tx_id = f"pos-{store.id}-{sale.receipt_no}"
        if not ports.repo.claim_receipt(store.id, sale.receipt_no, sale.user_id, to_iso(now)):
            raise Conflict(
                "This receipt already earned points for another customer.",
                code="RECEIPT_ALREADY_CREDITED",
                field="transactionId",
            )
    else:
        tx_id = rules.pos_transaction_id(
            store.id, sale.user_id, sale.amount_fen, sale.transaction_type, int(sale.occurred_at.timestamp() * 1000)
        )
    quote = award_purchase(
        ports,
        member,
        user_id=sale.user_id,
        merchant_id=store.merchant_id,
        store_id=store.id,
        amount_fen=sale.amount_fen,
        transaction_type=sale.transaction_type,
        transaction_id=tx_id,
        occurred_at=sale.occurred_at,
        now=now,
    )
    return EarnResult(transaction_id=tx_id, quote=quote)


def award_purchase(
    ports: LoyaltyPorts,
    member: Member | None,
    *,
    user_id: str,
    merchant_id: str,
    store_id: str | None,
    amount_fen: int,
    transaction_type: str,
    transaction_id: str,
    occurred_at: datetime,
    now: datetime,
) -> EarnQuote:
    """Quote at the tier the member (as the caller read it) holds before the purchase, and enqueue the
    credit; nothing is enqueued for 0 points."""
    quote, credit = accrual.quote_purchase(
        member=member,
        config=config_of(ports, merchant_id),
        user_id=user_id,
        merchant_id=merchant_id,
        store_id=store_id,
        amount_fen=amount_fen,
        transaction_type=transaction_type,
        transaction_id=transaction_id,
        occurred_at=occurred_at,
        now=now,
    )
    if credit is not None:
        ports.enqueue(credit)
    return quote


def rewards(
    ports: LoyaltyPorts, principal: Principal, user_id: str, merchant_id: str, now: datetime
) -> list[tuple[RewardOffer, bool]]:
    """The merchant's rewards, each with whether this member can redeem it now (no enrolment)."""
    ensure_can_view(principal, user_id, merchant_id)
    config = config_of(ports, merchant_id)
    member = ports.repo.get_member(user_id, merchant_id)
    points = member.points if member else 0
    tier = rules.tier_for(rules.earned_in_window(member.earned if member else {}, now, config), config)
    return [(r, rules.eligible(r, points, tier, config)) for r in ports.repo.rewards(merchant_id)]


@dataclass(frozen=True)
class Redemption:
    id: str
    reward: RewardOffer
    remaining_points: int


def redeem(
    ports: LoyaltyPorts,
    principal: Principal,
    *,
    user_id: str | None,
    reward_id: str,
    merchant_id: str,
    request_key: str | None,
    now: datetime,
) -> Redemption:
    """Spend points on a reward. Balance, stock and the ledger entry change in one transaction; the
    same request key redeems once and its retry answers like the first request."""
    member_id = principal.ensure_self(user_id)
    reward = ports.repo.get_reward(merchant_id, reward_id)
    if reward is None:
        raise NotFound(f"Reward '{reward_id}' does not exist.", code="REWARD_NOT_FOUND", field="rewardId")
    member = ports.repo.get_member(member_id, merchant_id)
    if member is None:
        if reward.points_cost > 0:  # a customer with no membership has no points to spend
            raise _insufficient()
        member = _enrol(ports, member_id, merchant_id, now)  # the caller is real: they hold a session
    config = config_of(ports, merchant_id)
    tier = rules.tier_for(rules.earned_in_window(member.earned, now, config), config)
    # Points and stock are the transaction's conditions; only the tier gate is checked here.
    if not rules.tier_allows(reward, tier, config):
        raise Conflict(f"This reward needs {reward.min_tier} tier.", code="TIER_REQUIRED")
    redemption_id = stable_id("rd", member_id, request_key) if request_key else ports.new_id("rd")
    entry = LedgerEntry(
        transaction_id=redemption_id,
        kind=LedgerKind.REDEEM.value,
        points=-reward.points_cost,
        description=f"Redeemed {reward.name}",
        occurred_at=to_iso(now),
        created_at=to_iso(now),
        reward_id=reward.id,
    )
    seen = member.points
    for _ in range(REDEEM_ATTEMPTS):
        refused = ports.repo.redeem(member_id, merchant_id, reward, entry, seen)
        if refused is None:
            return Redemption(id=redemption_id, reward=reward, remaining_points=seen - reward.points_cost)
        if refused.already is not None:
            earlier = refused.already
            if earlier.kind != LedgerKind.REDEEM.value or earlier.reward_id != reward.id:
                raise Conflict("This request id was already used for another redemption.", code="DUPLICATE_REQUEST")
            # A retry: nothing is spent twice; the balance read above already has it taken off.
            return Redemption(id=redemption_id, reward=reward, remaining_points=member.points)
        if refused.points_now is not None and refused.points_now < reward.points_cost:
            raise _insufficient()
        if refused.reward_unavailable:
            raise Conflict("This reward is out of stock or has changed.", code="REWARD_UNAVAILABLE")
        if refused.points_now is None:
            raise _insufficient()
        seen = refused.points_now  # the balance changed meanwhile (another redemption, a credit): again
    raise Conflict("The balance kept changing; try again.", code="REDEEM_BUSY")


def _insufficient() -> Conflict:
    return Conflict("Not enough points for this reward.", code="INSUFFICIENT_POINTS")


def history(ports: LoyaltyPorts, principal: Principal, user_id: str, merchant_id: str, limit: int) -> list[LedgerEntry]:
    ensure_can_view(principal, user_id, merchant_id)
    return ports.repo.history(user_id, merchant_id, limit)
