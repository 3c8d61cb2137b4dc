"""Loyalty items and their data access (the only module that touches them; `LoyaltyTable` is the
`ports.LoyaltyRepository` adapter).

- member: `USER#<userId>` / `LOYALTY#<merchantId>`: balance `points`, `lifetime_points`,
  `earned` (map month -> points earned that month, for the rolling tier window), card number.
- ledger entry: `USER#<userId>` / `LOYALTY#<merchantId>#TX#<transactionId>`, keyed by the
  transaction id so a repeated credit or redemption fails its `attribute_not_exists` condition;
  gsi1 = `LOYALTY#<merchantId>#USER#<userId>` / `<createdAt>#<transactionId>` for history.
- reward: `MERCHANT#<merchantId>` / `REWARD#<rewardId>`: name, points_cost, stock, min_tier.
- programme config: `MERCHANT#<merchantId>` / `LOYALTY#CONFIG`.
- till receipt claim: `RECEIPT#<storeId>#<receiptNo>` / `RECEIPT`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pynamodb.attributes import JSONAttribute, MapAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.transactions import TransactWrite

from chalicelib.data.conditional import put_or_current
from chalicelib.data.table import TableModel, condition_failed, failed_conditions, key, transact
from chalicelib.loyalty.domain import LedgerEntry, Member, RedeemRefused, RewardOffer

REWARD_PREFIX = "REWARD#"
CONFIG_SK = "LOYALTY#CONFIG"
ALL_OLD = "ALL_OLD"


class ListingIndex(GlobalSecondaryIndex[Any]):
    """gsi2: a merchant's members / ledger entries in time order (exports of a date range)."""

    class Meta:
        index_name = "gsi2"
        projection = AllProjection()

    gsi2pk = UnicodeAttribute(hash_key=True)
    gsi2sk = UnicodeAttribute(range_key=True)


class MemberItem(TableModel):
    merchant_id = UnicodeAttribute()
    points = NumberAttribute(default=0)
    lifetime_points = NumberAttribute(default=0)
    earned: MapAttribute[str, Any] = MapAttribute(default=dict)
    card_number = UnicodeAttribute()
    member_since = UnicodeAttribute()
    # gsi2: MEMBERS#<merchantId> / <memberSince>#<userId>
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)

    listing = ListingIndex()


class LedgerHistoryIndex(GlobalSecondaryIndex["LedgerItem"]):
    class Meta:
        index_name = "gsi1"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True)
    gsi1sk = UnicodeAttribute(range_key=True)


class LedgerItem(TableModel):
    merchant_id = UnicodeAttribute(null=True)  # every write sets it; null only in items from before tenancy
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
    # gsi2: LEDGER#<merchantId> / <createdAt>#<userId>#<transactionId>
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)

    history_index = LedgerHistoryIndex()
    listing = ListingIndex()


class RewardItem(TableModel):
    merchant_id = UnicodeAttribute(null=True)
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


class ConfigItem(TableModel):
    merchant_id = UnicodeAttribute(null=True)
    config = JSONAttribute()


class MemberMissing(Exception):
    """Credit found no member item; enrol and retry."""


def member_key(user_id: str, merchant_id: str) -> tuple[str, str]:
    return key("USER", user_id), key("LOYALTY", merchant_id)


def ledger_key(user_id: str, merchant_id: str, transaction_id: str) -> tuple[str, str]:
    return key("USER", user_id), key("LOYALTY", merchant_id, "TX", transaction_id)


def history_key(user_id: str, merchant_id: str) -> str:
    return key("LOYALTY", merchant_id, "USER", user_id)


def reward_key(merchant_id: str, reward_id: str) -> tuple[str, str]:
    return key("MERCHANT", merchant_id), REWARD_PREFIX + reward_id


def _to_member(item: MemberItem) -> Member:
    earned = item.earned.as_dict() if isinstance(item.earned, MapAttribute) else dict(item.earned or {})
    user_id = item.pk.split("#", 1)[1]
    return Member(
        user_id=user_id,
        merchant_id=item.merchant_id,
        points=int(item.points or 0),
        lifetime_points=int(item.lifetime_points or 0),
        earned={str(k): int(v) for k, v in earned.items()},
        card_number=item.card_number,
        member_since=item.member_since,
    )


def _ledger_item(user_id: str, merchant_id: str, entry: LedgerEntry) -> LedgerItem:
    pk, sk = ledger_key(user_id, merchant_id, entry.transaction_id)
    return LedgerItem(
        pk,
        sk,
        merchant_id=merchant_id,
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
        gsi2pk=key("LEDGER", merchant_id),
        gsi2sk=f"{entry.created_at}#{user_id}#{entry.transaction_id}",
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


def put_reward(merchant_id: str, reward: RewardOffer) -> None:
    """The merchant's catalogue (seeded by the local stack; a merchant console writes it later)."""
    pk, sk = reward_key(merchant_id, reward.id)
    RewardItem(
        pk,
        sk,
        merchant_id=merchant_id,
        name=reward.name,
        points_cost=reward.points_cost,
        stock=reward.stock,
        min_tier=reward.min_tier,
        description=reward.description,
        image=reward.image,
    ).save()


def put_config(merchant_id: str, config: dict[str, Any]) -> None:
    ConfigItem(key("MERCHANT", merchant_id), CONFIG_SK, merchant_id=merchant_id, config=config).save()


class LoyaltyTable:
    """DynamoDB access for members, their ledger, rewards, programme settings and receipt claims."""

    def get_member(self, user_id: str, merchant_id: str) -> Member | None:
        try:
            return _to_member(MemberItem.get(*member_key(user_id, merchant_id), consistent_read=True))
        except DoesNotExist:
            return None

    def enroll(self, member: Member) -> Member:
        """Creates the member if absent; a racing enrolment's member comes back from the refused put."""
        pk, sk = member_key(member.user_id, member.merchant_id)
        item = MemberItem(
            pk,
            sk,
            merchant_id=member.merchant_id,
            points=member.points,
            lifetime_points=member.lifetime_points,
            earned=dict(member.earned),
            card_number=member.card_number,
            member_since=member.member_since,
            gsi2pk=key("MEMBERS", member.merchant_id),
            gsi2sk=f"{member.member_since}#{member.user_id}",
        )
        current = put_or_current(item, MemberItem.pk.does_not_exist())
        return _to_member(current) if current is not None else member

    def get_config(self, merchant_id: str) -> dict[str, Any] | None:
        try:
            return dict(ConfigItem.get(key("MERCHANT", merchant_id), CONFIG_SK).config or {})
        except DoesNotExist:
            return None

    def claim_receipt(self, store_id: str, receipt_no: str, user_id: str, now_iso: str) -> bool:
        """One receipt earns points for one customer: False when another customer already claimed it
        (the same customer again is a till retry and passes)."""
        item = ReceiptItem(key("RECEIPT", store_id, receipt_no), "RECEIPT", user_id=user_id, claimed_at=now_iso)
        try:
            item.save(condition=ReceiptItem.pk.does_not_exist() | (ReceiptItem.user_id == user_id))
        except PutError as err:
            if condition_failed(err):
                return False
            raise
        return True

    def credit(self, user_id: str, merchant_id: str, entry: LedgerEntry, month: str) -> bool:
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

    def redeem(
        self, user_id: str, merchant_id: str, reward: RewardOffer, entry: LedgerEntry, seen_points: int
    ) -> RedeemRefused | None:
        """Ledger entry, balance and reward stock in one transaction: the balance is taken from exactly
        `seen_points` (so the caller knows what remains without reading it again) and never goes
        negative, and the last unit of a reward goes to exactly one member. Refused, each failed
        condition's item comes back with the cancellation (ALL_OLD), not from another read."""
        pk, sk = member_key(user_id, merchant_id)
        rpk, rsk = reward_key(merchant_id, reward.id)
        cost = reward.points_cost

        def build(tx: TransactWrite) -> None:
            tx.save(
                _ledger_item(user_id, merchant_id, entry),
                condition=LedgerItem.pk.does_not_exist(),
                return_values=ALL_OLD,
            )
            tx.update(
                MemberItem(pk, sk),
                actions=[MemberItem.points.add(-cost)],
                condition=(MemberItem.points == seen_points) & (MemberItem.points >= cost),
                return_values=ALL_OLD,
            )
            tx.update(
                RewardItem(rpk, rsk),
                actions=[RewardItem.stock.add(-1)],
                condition=RewardItem.pk.exists() & (RewardItem.stock > 0) & (RewardItem.points_cost == cost),
            )

        try:
            transact(build)
        except TransactWriteError as err:
            # Puts go before updates: reasons are [ledger entry, member, reward].
            reasons = [*(err.cancellation_reasons or []), None, None, None]
            failed = [r is not None and r.code == "ConditionalCheckFailed" for r in reasons[:3]]
            if failed[0] and reasons[0] is not None and reasons[0].raw_item:
                return RedeemRefused(already=_to_entry(LedgerItem.from_raw_data(reasons[0].raw_item)))
            if not (failed[1] or failed[2]):
                raise
            points_now = None
            if failed[1] and reasons[1] is not None:
                member = reasons[1].raw_item
                points_now = _to_member(MemberItem.from_raw_data(member)).points if member else 0
            return RedeemRefused(points_now=points_now, reward_unavailable=failed[2])
        return None

    def history(self, user_id: str, merchant_id: str, limit: int) -> list[LedgerEntry]:
        """Newest first: one gsi1 Query."""
        items = LedgerItem.history_index.query(
            history_key(user_id, merchant_id), scan_index_forward=False, limit=limit, page_size=limit
        )
        return [_to_entry(i) for i in items]

    def rewards(self, merchant_id: str) -> list[RewardOffer]:
        """The merchant's catalogue: one Query of its partition."""
        items = RewardItem.query(key("MERCHANT", merchant_id), RewardItem.sk.startswith(REWARD_PREFIX))
        return sorted((_to_reward(i) for i in items), key=lambda r: (r.points_cost, r.id))

    def get_reward(self, merchant_id: str, reward_id: str) -> RewardOffer | None:
        try:
            return _to_reward(RewardItem.get(*reward_key(merchant_id, reward_id), consistent_read=True))
        except DoesNotExist:
            return None


def _listing(model: type[MemberItem] | type[LedgerItem], listing: str, start: str, end: str) -> Iterator[Any]:
    """Items of one merchant's listing on gsi2 with start <= time < end, oldest first, page by page."""
    # Keys are "<time>#...": every one at `start` sorts after `start`, and any at `end` after `end`.
    condition = model.gsi2sk.between(start, end)
    for item in model.listing.query(listing, condition, page_size=500):
        if item.gsi2sk < end:
            yield item


def export_members(merchant_id: str, start: str, end: str) -> Iterator[dict[str, Any]]:
    for item in _listing(MemberItem, key("MEMBERS", merchant_id), start, end):
        member = _to_member(item)
        yield {
            "userId": member.user_id,
            "cardNumber": member.card_number,
            "points": member.points,
            "lifetimePoints": member.lifetime_points,
            "memberSince": member.member_since,
        }


def export_ledger(merchant_id: str, start: str, end: str) -> Iterator[dict[str, Any]]:
    for item in _listing(LedgerItem, key("LEDGER", merchant_id), start, end):
        yield {
            "createdAt": item.created_at,
            "userId": item.pk.split("#", 1)[1],
            "transactionId": item.transaction_id,
            "kind": item.kind,
            "points": int(item.points),
            "amount": int(item.amount) if item.amount is not None else None,
            "storeId": item.store_id,
            "description": item.description,
        }
