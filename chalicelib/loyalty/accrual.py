"""What other areas call to award points for a purchase: quote now, credit later.

The points are computed here (the member's tier before the purchase, the merchant's rules) and
travel on the points queue with the transaction id; the consumer credits exactly that, once per
transaction id. Orders from later issues call `earn_for_purchase` with `transaction_id=f"order-{id}"`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime

from chalicelib.core import aws
from chalicelib.core.clock import to_iso
from chalicelib.core.config import queue_url
from chalicelib.loyalty import models, rules
from chalicelib.loyalty.area import POINTS_QUEUE


@dataclass(frozen=True)
class Accrual:
    """The points queue's message body."""

    transaction_id: str
    user_id: str
    merchant_id: str
    store_id: str | None
    points: int
    amount: int  # fen
    transaction_type: str
    month: str  # earned-points bucket, in the merchant's timezone
    occurred_at: str
    kind: str = "earn"


def config_for(merchant_id: str) -> rules.LoyaltyConfig:
    return rules.config_from(models.get_config(merchant_id))


def enqueue(accrual: Accrual) -> None:
    aws.client("sqs").send_message(
        QueueUrl=queue_url(POINTS_QUEUE.suffix), MessageBody=json.dumps(asdict(accrual), ensure_ascii=False)
    )


def earn_for_purchase(
    *,
    user_id: str,
    merchant_id: str,
    store_id: str | None,
    amount_fen: int,
    transaction_type: str,
    transaction_id: str,
    occurred_at: datetime,
    now: datetime,
) -> rules.EarnQuote:
    """Quote the points and put the credit on the queue; nothing is enqueued for 0 points."""
    config = config_for(merchant_id)
    member = models.get_member(user_id, merchant_id)
    earned = rules.earned_in_window(member.earned if member else {}, now, config)
    quote = rules.quote(amount_fen, earned, config)
    if quote.points > 0:
        enqueue(
            Accrual(
                transaction_id=transaction_id,
                user_id=user_id,
                merchant_id=merchant_id,
                store_id=store_id,
                points=quote.points,
                amount=amount_fen,
                transaction_type=transaction_type,
                month=rules.month_key(occurred_at, config.timezone),
                occurred_at=to_iso(occurred_at),
            )
        )
    return quote
