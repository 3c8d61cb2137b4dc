"""The points queue's consumer: credits each accrual exactly once per transaction id.

Duplicates (the same sale sent twice, an SQS redelivery, a retry after a partial batch failure)
hit the ledger entry's `attribute_not_exists` condition and credit nothing.
"""

from __future__ import annotations

from typing import Any

from chalicelib.core.clock import clock, to_iso
from chalicelib.core.observability import count, logger
from chalicelib.loyalty import models, rules


def handle(message: dict[str, Any]) -> None:
    kind = message.get("kind")
    if kind != "earn":
        raise ValueError(f"unknown points message kind {kind!r}")
    user_id = str(message["user_id"])
    merchant_id = str(message["merchant_id"])
    points = int(message["points"])
    if points <= 0:
        raise ValueError("an accrual must carry positive points")
    amount = int(message.get("amount") or 0)
    entry = models.LedgerEntry(
        transaction_id=str(message["transaction_id"]),
        kind="earn",
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
        credited = models.credit(user_id, merchant_id, entry, month)
    except models.MemberMissing:
        models.enroll(user_id, merchant_id, rules.card_number(merchant_id, user_id), entry.created_at)
        credited = models.credit(user_id, merchant_id, entry, month)
    if not credited:
        logger.info("duplicate accrual ignored", transaction_id=entry.transaction_id)
        return
    count("PointsCredited")  # credits made
    count("PointsAmount", points)  # points those credits carried
