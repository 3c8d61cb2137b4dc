"""Loyalty's requests parsed into typed values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from msgspec import Meta

from chalicelib.core.contract import Id, Model, stripped
from chalicelib.loyalty import rules
from chalicelib.loyalty.service import Sale
from chalicelib.merchants.api import tenant_id

ID_LENGTH = 64
MAX_AMOUNT_FEN = 100_000_000  # one million yuan: beyond any single till sale
DEFAULT_HISTORY = 20
MAX_HISTORY = 100
MerchantId = Annotated[str, Meta(max_length=ID_LENGTH, description="Defaults to the mini program's own merchant.")]


# --- wire models (validation and OpenAPI, core/contract.py) -----------------------------------
class MerchantQuery(Model):
    merchant_id: MerchantId | None = None


class HistoryQuery(MerchantQuery):
    limit: Annotated[int, Meta(ge=1, le=MAX_HISTORY)] = DEFAULT_HISTORY


class SaleBody(Model):
    user_id: Id
    store_id: Id
    amount: Annotated[int, Meta(ge=1, le=MAX_AMOUNT_FEN, description="Fen.")]
    transaction_type: Annotated[str, Meta(max_length=32)] | None = None
    timestamp: Annotated[int | float | str, Meta(description="Epoch milliseconds (Date.now()) or ISO-8601.")] | None = (
        None
    )
    transaction_id: Annotated[str, Meta(max_length=ID_LENGTH, description="The till's receipt number.")] | None = None


class RedeemBody(Model):
    reward_id: Id
    user_id: Annotated[str, Meta(max_length=ID_LENGTH)] | None = None
    merchant_id: MerchantId | None = None
    request_id: Annotated[str, Meta(max_length=128, description="A retry with the same id redeems once.")] | None = None


class MembershipAnswer(Model):
    user_id: str
    merchant_id: str
    tier: str
    points: int
    lifetime_points: int
    earned_last12_months: int
    multiplier: float
    next_tier: str | None
    points_to_next_tier: int | None
    member_since: str
    card_number: str


class EarnAnswer(Model):
    success: bool
    transaction_id: str
    points_earned: int
    tier_upgrade: bool
    new_tier: str
    status: str


class RewardAnswer(Model):
    id: str
    name: str
    points_cost: int
    stock: int
    eligible: bool
    min_tier: str | None
    description: str | None
    image: str | None


class RewardsAnswer(Model):
    rewards: list[RewardAnswer]


class RedeemedReward(Model):
    id: str
    name: str
    points_cost: int


class RedeemAnswer(Model):
    success: bool
    redemption_id: str
    reward: RedeemedReward
    remaining_points: int


class HistoryEntryAnswer(Model):
    id: str
    type: str
    points: int
    description: str
    amount: int | None
    store_id: str | None
    transaction_type: str | None
    reward_id: str | None
    occurred_at: str
    created_at: str


class HistoryAnswer(Model):
    transactions: list[HistoryEntryAnswer]


# --- typed values the use cases take -----------------------------------------------------------
def merchant_of(params: MerchantQuery | RedeemBody) -> str:
    """Routes that name no `merchantId` act on the request's tenant: the staff caller's merchant, else
    the mini program's own (core/tenancy.py)."""
    return stripped(params.merchant_id) or tenant_id()


def parse_sale(body: SaleBody, now: datetime) -> Sale:
    raw_timestamp = body.timestamp
    occurred_at = now if raw_timestamp is None else rules.parse_timestamp(raw_timestamp)
    return Sale(
        user_id=body.user_id.strip(),
        store_id=body.store_id.strip(),
        amount_fen=body.amount,
        transaction_type=stripped(body.transaction_type) or "purchase",
        occurred_at=occurred_at,
        receipt_no=stripped(body.transaction_id),
    )


@dataclass(frozen=True)
class RedeemRequest:
    user_id: str | None  # the client sends its own; anyone else's is a 403
    reward_id: str
    merchant_id: str
    request_key: str | None  # the client's request id (or Idempotency-Key): its retry redeems once

    @classmethod
    def of(cls, body: RedeemBody, idempotency_key: str | None) -> RedeemRequest:
        return cls(
            user_id=stripped(body.user_id),
            reward_id=body.reward_id.strip(),
            merchant_id=merchant_of(body),
            request_key=stripped(body.request_id) or idempotency_key or None,
        )
