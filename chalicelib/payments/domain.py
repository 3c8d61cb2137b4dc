"""Payment statuses, what settling a payment came to, and the identifiers WeChat dedupes by: plain
values other areas may use (their rules too: nothing here touches storage)."""

from __future__ import annotations

from dataclasses import dataclass

# WeChat Pay's trade states as our record keeps them; each moves forward only.
NOTPAY = "NOTPAY"
SUCCESS = "SUCCESS"
CLOSED = "CLOSED"
REFUND = "REFUND"

# Settlement outcomes.
REFUNDED = "refunded"  # paid: refunded by this call
ALREADY_REFUNDED = "already_refunded"  # refunded before (a repeat): nothing sent to WeChat again
CLOSED_UNPAID = "closed"  # not paid: closed here and at WeChat, so nobody can pay it any more
NO_PAYMENT = "none"  # nobody ever asked to pay


@dataclass(frozen=True)
class Settlement:
    outcome: str
    refund_status: str | None = None  # WeChat's refund status when a refund exists


def full_refund_no(out_trade_no: str) -> str:
    """One full refund per order, so every path that refunds it shares this id (WeChat dedupes by it)."""
    return f"{out_trade_no}R0"
