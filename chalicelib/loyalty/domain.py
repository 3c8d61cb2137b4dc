"""Loyalty's entities and values: members and their ledger, rewards, a merchant's programme (tiers,
earning rate), and the points queue's accrual message. Plain values, no storage."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True)
class Tier:
    name: str
    threshold: int  # points earned in the window that reach this tier
    multiplier_percent: int  # 120 = earns 1.2x


@dataclass(frozen=True)
class LoyaltyConfig:
    points_per_unit: int = 10
    unit_fen: int = 10_000  # 100 yuan
    window_months: int = 12
    timezone: str = "Asia/Shanghai"  # months of the tier window are the merchant's calendar months
    tiers: tuple[Tier, ...] = (
        Tier("normal", 0, 100),
        Tier("silver", 1_000, 120),
        Tier("gold", 5_000, 150),
    )


DEFAULT_CONFIG = LoyaltyConfig()


@dataclass(frozen=True)
class ImportedMember:
    """A member from the merchant's own records, by phone; `points` is the opening balance."""

    phone: str
    name: str
    points: int
    tier: str | None = None


@dataclass(frozen=True)
class EarnQuote:
    points: int
    tier_before: Tier
    tier_after: Tier

    @property
    def upgraded(self) -> bool:
        return self.tier_after.threshold > self.tier_before.threshold


@dataclass(frozen=True)
class RewardOffer:
    id: str
    name: str
    points_cost: int
    stock: int
    min_tier: str | None = None
    description: str | None = None
    image: str | None = None


class LedgerKind(StrEnum):
    EARN = "earn"
    REDEEM = "redeem"


@dataclass(frozen=True)
class Member:
    user_id: str
    merchant_id: str
    points: int  # the balance
    lifetime_points: int
    earned: dict[str, int]  # month ("YYYY-MM", merchant timezone) -> points earned that month
    card_number: str
    member_since: str


@dataclass(frozen=True)
class LedgerEntry:
    transaction_id: str
    kind: str  # a LedgerKind value
    points: int  # signed: + earned, - spent
    description: str
    occurred_at: str
    created_at: str
    amount: int | None = None  # fen, for purchases
    store_id: str | None = None
    transaction_type: str | None = None
    reward_id: str | None = None


@dataclass(frozen=True)
class Accrual:
    """The points queue's message body: points quoted at the sale, credited once per transaction id."""

    transaction_id: str
    user_id: str
    merchant_id: str
    store_id: str | None
    points: int
    amount: int  # fen
    transaction_type: str
    month: str  # earned-points bucket, in the merchant's timezone
    occurred_at: str
    kind: str = LedgerKind.EARN.value


@dataclass(frozen=True)
class RedeemRefused:
    """Why a redemption's transaction was cancelled, from the items as they stand (no re-read)."""

    already: LedgerEntry | None = None  # this redemption id was recorded before: a retry
    points_now: int | None = None  # the member's balance, when it was short or had changed
    reward_unavailable: bool = False  # out of stock, or its cost changed
