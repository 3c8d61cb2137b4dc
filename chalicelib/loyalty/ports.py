"""What loyalty's use cases need from the outside world. `adapters.live_ports()` gives the real ones
(DynamoDB, the points queue, the identity and stores areas); unit tests give in-memory fakes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from chalicelib.loyalty.domain import Accrual, LedgerEntry, Member, RedeemRefused, RewardOffer
from chalicelib.stores.domain import Store


class LoyaltyRepository(Protocol):
    def get_member(self, user_id: str, merchant_id: str) -> Member | None: ...

    def enroll(self, member: Member) -> Member:
        """Store the member if absent; the stored one (ours, or a racing enrolment's)."""
        ...

    def get_config(self, merchant_id: str) -> dict[str, Any] | None:
        """The merchant's stored programme settings (rules.config_from reads them)."""
        ...

    def claim_receipt(self, store_id: str, receipt_no: str, user_id: str, now_iso: str) -> bool: ...

    def redeem(
        self, user_id: str, merchant_id: str, reward: RewardOffer, entry: LedgerEntry, seen_points: int
    ) -> RedeemRefused | None:
        """Ledger entry, balance (taken from exactly `seen_points`) and reward stock in one transaction;
        None when done, else why not, from the items as they stand."""
        ...

    def history(self, user_id: str, merchant_id: str, limit: int) -> list[LedgerEntry]: ...

    def rewards(self, merchant_id: str) -> list[RewardOffer]: ...

    def get_reward(self, merchant_id: str, reward_id: str) -> RewardOffer | None: ...


@dataclass(frozen=True)
class LoyaltyPorts:
    repo: LoyaltyRepository
    user_exists: Callable[[str], bool]
    merchant_exists: Callable[[str], bool]
    require_store: Callable[[str], Store]
    enqueue: Callable[[Accrual], None]  # onto the points queue, credited once by its consumer
    new_id: Callable[[str], str]
