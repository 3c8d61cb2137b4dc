"""An in-memory loyalty repository with the DynamoDB adapter's conditions, and loyalty's other ports."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from itertools import count
from typing import Any

from chalicelib.core.errors import NotFound
from chalicelib.loyalty.domain import Accrual, LedgerEntry, Member, RedeemRefused, RewardOffer
from chalicelib.loyalty.ports import LoyaltyPorts
from chalicelib.stores.domain import Store


class FakeLoyaltyRepository:
    def __init__(self) -> None:
        self.members: dict[tuple[str, str], Member] = {}
        self.ledger: dict[tuple[str, str, str], LedgerEntry] = {}
        self.rewards_by_key: dict[tuple[str, str], RewardOffer] = {}
        self.configs: dict[str, dict[str, Any]] = {}
        self.receipts: dict[tuple[str, str], str] = {}
        self.member_reads = 0
        # Runs just before a redemption's transaction: stands for another request landing meanwhile.
        self.before_redeem: Callable[[], None] = lambda: None

    def get_member(self, user_id: str, merchant_id: str) -> Member | None:
        self.member_reads += 1
        return self.members.get((user_id, merchant_id))

    def enroll(self, member: Member) -> Member:
        return self.members.setdefault((member.user_id, member.merchant_id), member)

    def get_config(self, merchant_id: str) -> dict[str, Any] | None:
        return self.configs.get(merchant_id)

    def claim_receipt(self, store_id: str, receipt_no: str, user_id: str, now_iso: str) -> bool:
        return self.receipts.setdefault((store_id, receipt_no), user_id) == user_id

    def credit(self, member: Member, points: int) -> None:
        self.members[(member.user_id, member.merchant_id)] = replace(member, points=member.points + points)

    def redeem(
        self, user_id: str, merchant_id: str, reward: RewardOffer, entry: LedgerEntry, seen_points: int
    ) -> RedeemRefused | None:
        self.before_redeem()
        if (user_id, merchant_id, entry.transaction_id) in self.ledger:
            return RedeemRefused(already=self.ledger[(user_id, merchant_id, entry.transaction_id)])
        member = self.members.get((user_id, merchant_id))
        stock = self.rewards_by_key.get((merchant_id, reward.id))
        member_ok = member is not None and member.points == seen_points and member.points >= reward.points_cost
        reward_ok = stock is not None and stock.stock > 0 and stock.points_cost == reward.points_cost
        if not (member_ok and reward_ok):
            points_now = None if member_ok else (member.points if member else 0)
            return RedeemRefused(points_now=points_now, reward_unavailable=not reward_ok)
        assert member is not None and stock is not None
        self.members[(user_id, merchant_id)] = replace(member, points=member.points - reward.points_cost)
        self.rewards_by_key[(merchant_id, reward.id)] = replace(stock, stock=stock.stock - 1)
        self.ledger[(user_id, merchant_id, entry.transaction_id)] = entry
        return None

    def history(self, user_id: str, merchant_id: str, limit: int) -> list[LedgerEntry]:
        found = [e for (u, m, _), e in self.ledger.items() if (u, m) == (user_id, merchant_id)]
        return sorted(found, key=lambda e: e.created_at, reverse=True)[:limit]

    def rewards(self, merchant_id: str) -> list[RewardOffer]:
        found = [r for (m, _), r in self.rewards_by_key.items() if m == merchant_id]
        return sorted(found, key=lambda r: (r.points_cost, r.id))

    def get_reward(self, merchant_id: str, reward_id: str) -> RewardOffer | None:
        return self.rewards_by_key.get((merchant_id, reward_id))


@dataclass
class FakeLoyaltyWorld:
    repo: FakeLoyaltyRepository = field(default_factory=FakeLoyaltyRepository)
    users: set[str] = field(default_factory=set)
    merchants: set[str] = field(default_factory=set)
    stores: dict[str, Store] = field(default_factory=dict)
    enqueued: list[Accrual] = field(default_factory=list)
    user_lookups: list[str] = field(default_factory=list)
    _ids: count = field(default_factory=lambda: count(1))

    def _user_exists(self, user_id: str) -> bool:
        self.user_lookups.append(user_id)
        return user_id in self.users

    def _require_store(self, store_id: str) -> Store:
        if store_id not in self.stores:
            raise NotFound(f"Store '{store_id}' does not exist.", code="STORE_NOT_FOUND")
        return self.stores[store_id]

    @property
    def ports(self) -> LoyaltyPorts:
        return LoyaltyPorts(
            repo=self.repo,
            user_exists=self._user_exists,
            merchant_exists=self.merchants.__contains__,
            require_store=self._require_store,
            enqueue=self.enqueued.append,
            new_id=lambda prefix: f"{prefix}_{next(self._ids)}",
        )
