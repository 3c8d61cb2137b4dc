"""Loyalty items and their data access.

- member: `USER#<userId>` / `LOYALTY#<merchantId>`: balance `points`, `lifetime_points`,
  `earned` (map month -> points earned that month, for the rolling tier window), card number.
- ledger entry: `USER#<userId>` / `LOYALTY#<merchantId>#TX#<transactionId>`, keyed by the
  transaction id so a repeated credit or redemption fails its `attribute_not_exists` condition;
  gsi1 = `LOYALTY#<merchantId>#USER#<userId>` / `<createdAt>#<transactionId>` for history.
- reward: `MERCHANT#<merchantId>` / `REWARD#<rewardId>`: name, points_cost, stock, min_tier.
- programme config: `MERCHANT#<merchantId>` / `LOYALTY#CONFIG`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pynamodb.attributes import JSONAttribute, MapAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.transactions import TransactWrite

from chalicelib.core.errors import Conflict
from chalicelib.data.table import TableModel, failed_conditions, key, transact
from chalicelib.loyalty.rules import RewardOffer

REWARD_PREFIX = "REWARD#"
CONFIG_SK = "LOYALTY#CONFIG"


class MemberItem(TableModel):
    merchant_id = UnicodeAttribute()
    points = NumberAttribute(default=0)
    lifetime_points = NumberAttribute(default=0)
    earned: MapAttribute[str, Any] = MapAttribute(default=dict)
    card_number = UnicodeAttribute()
    member_since = UnicodeAttribute()


class LedgerHistoryIndex(GlobalSecondaryIndex["LedgerItem"]):
    class Meta:
        index_name = "gsi1"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True)
    gsi1sk = UnicodeAttribute(range_key=True)


class LedgerItem(TableModel):
    transaction_id = UnicodeAttribute()
    kind = UnicodeAttribute()  # earn | redeem
    points = NumberAttribute()  # signed: + earned, - spent
    amount = NumberAttribute(null=True)  # fen, for purchases
    store_id = UnicodeAttribute(null=True)
    transaction_type = UnicodeAttribute(null=True)
    reward_id = UnicodeAttribute(null=True)
    description = UnicodeAttribute()
    occurred_at = UnicodeAttribute()
    created_at = UnicodeAttribute()
    gsi1pk = UnicodeAttribute()
    gsi1sk = UnicodeAttribute()

    history_index = LedgerHistoryIndex()


class RewardItem(TableModel):
    name = UnicodeAttribute()
    points_cost = NumberAttribute()
    stock = NumberAttribute()
    min_tier = UnicodeAttribute(null=True)
    description = UnicodeAttribute(null=True)
    image = UnicodeAttribute(null=True)


class ReceiptItem(TableModel):
    """RECEIPT#<storeId>#<receiptNo> / RECEIPT: which customer a till receipt's points went to."""

    user_id = UnicodeAttribute()
    claimed_at = UnicodeAttribute()


def claim_receipt(store_id: str, receipt_no: str, user_id: str, now_iso: str) -> bool:
    """One receipt earns points for one customer: False when another customer already claimed it
    (the same customer again is a till retry and passes)."""
    item = ReceiptItem(key("RECEIPT", store_id, receipt_no), "RECEIPT", user_id=user_id, claimed_at=now_iso)
    try:
        item.save(condition=ReceiptItem.pk.does_not_exist() | (ReceiptItem.user_id == user_id))
    except PutError as err:
        if err.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


class ConfigItem(TableModel):
    config = JSONAttribute()


@dataclass(frozen=True)
class Member:
    user_id: str
    merchant_id: str
    points: int
    lifetime_points: int
    earned: dict[str, int]
    card_number: str
    member_since: str


@dataclass(frozen=True)
class LedgerEntry:
    transaction_id: str
    kind: str
    points: int
    description: str
    occurred_at: str
    created_at: str
    amount: int | None = None
    store_id: str | None = None
    transaction_type: str | None = None
    reward_id: str | None = None


def member_key(user_id: str, merchant_id: str) -> tuple[str, str]:
    return key("USER", user_id), key("LOYALTY", merchant_id)


def ledger_key(user_id: str, merchant_id: str, transaction_id: str) -> tuple[str, str]:
    return key("USER", user_id), key("LOYALTY", merchant_id, "TX", transaction_id)


def history_key(user_id: str, merchant_id: str) -> str:
    return key("LOYALTY", merchant_id, "USER", user_id)


def reward_key(merchant_id: str, reward_id: str) -> tuple[str, str]:
    return key("MERCHANT", merchant_id), REWARD_PREFIX + reward_id


def get_member(user_id: str, merchant_id: str) -> Member | None:
    pk, sk = member_key(user_id, merchant_id)
    try:
        item = MemberItem.get(pk, sk, consistent_read=True)
    except DoesNotExist:
        return None
    earned = item.earned.as_dict() if isinstance(item.earned, MapAttribute) else dict(item.earned or {})
    return Member(
        user_id=user_id,
        merchant_id=merchant_id,
        points=int(item.points or 0),
        lifetime_points=int(item.lifetime_points or 0),
        earned={str(k): int(v) for k, v in earned.items()},
        card_number=item.card_number,
        member_since=item.member_since,
    )


def enroll(user_id: str, merchant_id: str, card_number: str, now_iso: str) -> None:
    """Creates the member if absent; a concurrent or repeated enrolment is a no-op."""
    pk, sk = member_key(user_id, merchant_id)
    item = MemberItem(
        pk,
        sk,
        merchant_id=merchant_id,
        points=0,
        lifetime_points=0,
        earned={},
        card_number=card_number,
        member_since=now_iso,
    )
    try:
        item.save(condition=MemberItem.pk.does_not_exist())
    except PutError as err:
        if err.cause_response_code != "ConditionalCheckFailedException":
            raise


class AlreadyRecorded(Exception):
    """The ledger already holds this transaction id: the write was made before (a retry)."""


class MemberMissing(Exception):
    """Credit found no member item; enrol and retry."""


def credit(user_id: str, merchant_id: str, entry: LedgerEntry, month: str) -> bool:
    """Ledger entry + balance, lifetime and month bucket in one transaction; False if this
    transaction id was credited before (a duplicate or redelivered message).

    PynamoDB sends puts before updates: reasons are [ledger entry, member].
    """
    pk, sk = member_key(user_id, merchant_id)
    bucket = MemberItem.earned[month]

    def build(tx: TransactWrite) -> None:
        tx.save(_ledger_item(user_id, merchant_id, entry), condition=LedgerItem.pk.does_not_exist())
        tx.update(
            MemberItem(pk, sk),
            actions=[
                MemberItem.points.add(entry.points),
                MemberItem.lifetime_points.add(entry.points),
                bucket.set((bucket | 0) + entry.points),
            ],
            condition=MemberItem.pk.exists(),
        )

    try:
        transact(build)
    except TransactWriteError as err:
        failed = failed_conditions(err)
        if failed and failed[0]:
            return False
        if len(failed) > 1 and failed[1]:
            raise MemberMissing(user_id) from None
        raise
    return True


def redeem(user_id: str, merchant_id: str, reward_id: str, cost: int, entry: LedgerEntry) -> None:
    """Balance, reward stock and ledger in one transaction: the balance can never go negative
    and the last unit of a reward goes to exactly one member.

    Reasons come back as [ledger entry, member balance, reward stock].
    """
    pk, sk = member_key(user_id, merchant_id)
    rpk, rsk = reward_key(merchant_id, reward_id)

    def build(tx: TransactWrite) -> None:
        tx.save(_ledger_item(user_id, merchant_id, entry), condition=LedgerItem.pk.does_not_exist())
        tx.update(
            MemberItem(pk, sk),
            actions=[MemberItem.points.add(-cost)],
            condition=MemberItem.pk.exists() & (MemberItem.points >= cost),
        )
        tx.update(
            RewardItem(rpk, rsk),
            actions=[RewardItem.stock.add(-1)],
            condition=RewardItem.pk.exists() & (RewardItem.stock > 0) & (RewardItem.points_cost == cost),
        )

    try:
        transact(build)
    except TransactWriteError as err:
        failed = [*failed_conditions(err), False, False, False]
        if failed[0]:
            raise AlreadyRecorded(entry.transaction_id) from None
        if failed[1]:
            raise Conflict("Not enough points for this reward.", code="INSUFFICIENT_POINTS") from None
        if failed[2]:
            raise Conflict("This reward is out of stock or has changed.", code="REWARD_UNAVAILABLE") from None
        raise


def _ledger_item(user_id: str, merchant_id: str, entry: LedgerEntry) -> LedgerItem:
    pk, sk = ledger_key(user_id, merchant_id, entry.transaction_id)
    return LedgerItem(
        pk,
        sk,
        transaction_id=entry.transaction_id,
        kind=entry.kind,
        points=entry.points,
        amount=entry.amount,
        store_id=entry.store_id,
        transaction_type=entry.transaction_type,
        reward_id=entry.reward_id,
        description=entry.description,
        occurred_at=entry.occurred_at,
        created_at=entry.created_at,
        gsi1pk=history_key(user_id, merchant_id),
        gsi1sk=f"{entry.created_at}#{entry.transaction_id}",
    )


def _to_entry(i: LedgerItem) -> LedgerEntry:
    return LedgerEntry(
        transaction_id=i.transaction_id,
        kind=i.kind,
        points=int(i.points),
        description=i.description,
        occurred_at=i.occurred_at,
        created_at=i.created_at,
        amount=int(i.amount) if i.amount is not None else None,
        store_id=i.store_id,
        transaction_type=i.transaction_type,
        reward_id=i.reward_id,
    )


def get_entry(user_id: str, merchant_id: str, transaction_id: str) -> LedgerEntry | None:
    pk, sk = ledger_key(user_id, merchant_id, transaction_id)
    try:
        return _to_entry(LedgerItem.get(pk, sk, consistent_read=True))
    except DoesNotExist:
        return None


def history(user_id: str, merchant_id: str, limit: int) -> list[LedgerEntry]:
    """Newest first: one gsi1 Query."""
    items = LedgerItem.history_index.query(
        history_key(user_id, merchant_id), scan_index_forward=False, limit=limit, page_size=limit
    )
    return [_to_entry(i) for i in items]


def _to_reward(item: RewardItem) -> RewardOffer:
    return RewardOffer(
        id=item.sk[len(REWARD_PREFIX) :],
        name=item.name,
        points_cost=int(item.points_cost),
        stock=int(item.stock),
        min_tier=item.min_tier,
        description=item.description,
        image=item.image,
    )


def rewards(merchant_id: str) -> list[RewardOffer]:
    """The merchant's catalogue: one Query of its partition."""
    items = RewardItem.query(key("MERCHANT", merchant_id), RewardItem.sk.startswith(REWARD_PREFIX))
    return sorted((_to_reward(i) for i in items), key=lambda r: (r.points_cost, r.id))


def get_reward(merchant_id: str, reward_id: str) -> RewardOffer | None:
    pk, sk = reward_key(merchant_id, reward_id)
    try:
        return _to_reward(RewardItem.get(pk, sk, consistent_read=True))
    except DoesNotExist:
        return None


def put_reward(merchant_id: str, reward: RewardOffer) -> None:
    pk, sk = reward_key(merchant_id, reward.id)
    RewardItem(
        pk,
        sk,
        name=reward.name,
        points_cost=reward.points_cost,
        stock=reward.stock,
        min_tier=reward.min_tier,
        description=reward.description,
        image=reward.image,
    ).save()


def get_config(merchant_id: str) -> dict[str, Any] | None:
    try:
        return dict(ConfigItem.get(key("MERCHANT", merchant_id), CONFIG_SK).config or {})
    except DoesNotExist:
        return None


def put_config(merchant_id: str, config: dict[str, Any]) -> None:
    ConfigItem(key("MERCHANT", merchant_id), CONFIG_SK, config=config).save()
