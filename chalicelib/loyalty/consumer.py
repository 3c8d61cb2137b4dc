"""The points queue's consumer: credits each accrual exactly once per transaction id.

Duplicates (the same sale sent twice, an SQS redelivery, a retry after a partial batch failure)
hit the ledger entry's `attribute_not_exists` condition and credit nothing.
"""

from __future__ import annotations

from typing import Any

from chalicelib.core.clock import clock, to_iso
from chalicelib.core.observability import count, logger
from chalicelib.loyalty import rules
from chalicelib.loyalty.domain import LedgerEntry, LedgerKind, Member
from chalicelib.loyalty.models import LoyaltyTable, MemberMissing

_table = LoyaltyTable()


def handle(message: dict[str, Any]) -> None:
    kind = message.get("kind")
    if kind != LedgerKind.EARN.value:
        raise ValueError(f"unknown points message kind {kind!r}")
    user_id = str(message["user_id"])
    merchant_id = str(message["merchant_id"])
    points = int(message["points"])
    if points <= 0:
        raise ValueError("an accrual must carry positive points")
    amount = int(message.get("amount") or 0)
    entry = LedgerEntry(
        transaction_id=str(message["transaction_id"]),
        kind=LedgerKind.EARN.value,
        points=points,
        description=f"Purchase of ¥{amount / 100:.2f}" if amount else "Points earned",
        occurred_at=str(message["occurred_at"]),
        created_at=to_iso(clock().now()),
        amount=amount or None,
        store_id=message.get("store_id"),
        transaction_type=str(message.get("transaction_type") or "purchase"),
    )
    month = str(message["month"])
    try:
        credited = _table.credit(user_id, merchant_id, entry, month)
    except MemberMissing:  # the till checked the user is real; their first points enrol them
        card = rules.card_number(merchant_id, user_id)
        _table.enroll(Member(user_id, merchant_id, 0, 0, {}, card, entry.created_at))
        credited = _table.credit(user_id, merchant_id, entry, month)
    if not credited:
        logger.info("duplicate accrual ignored", transaction_id=entry.transaction_id)
        return
    count("PointsCredited")  # credits made
    count("PointsAmount", points)  # points those credits carried
