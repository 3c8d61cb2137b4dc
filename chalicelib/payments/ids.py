"""Identifiers WeChat Pay dedupes by, shared by every caller that must agree on them."""


def full_refund_no(out_trade_no: str) -> str:
    """One full refund per order, so every path that refunds it shares this id (WeChat dedupes by it)."""
    return f"{out_trade_no}R0"
