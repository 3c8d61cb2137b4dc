"""Awarding points for a purchase: quote now, credit later.

The points are computed here (the member's tier before the purchase, the merchant's rules) and
travel on the points queue with the transaction id; the consumer credits exactly that, once per
transaction id. Orders from later issues call `loyalty.api.earn_for_purchase` with
`transaction_id=f"order-{id}"`.
"""

from __future__ import annotations

from datetime import datetime

from chalicelib.core.clock import to_iso
from chalicelib.loyalty import rules
from chalicelib.loyalty.domain import Accrual, EarnQuote, LoyaltyConfig, Member


def quote_purchase(
    *,
    member: Member | None,
    config: LoyaltyConfig,
    user_id: str,
    merchant_id: str,
    store_id: str | None,
    amount_fen: int,
    transaction_type: str,
    transaction_id: str,
    occurred_at: datetime,
    now: datetime,
) -> tuple[EarnQuote, Accrual | None]:
    """The points this purchase earns at the member's tier before it, and the accrual to enqueue
    (None for 0 points). Pure: the caller read the member and config once."""
    earned = rules.earned_in_window(member.earned if member else {}, now, config)
    quote = rules.quote(amount_fen, earned, config)
    if quote.points <= 0:
        return quote, None
    accrual = Accrual(
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
    return quote, accrual
