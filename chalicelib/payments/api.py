"""What other areas may use of payments: open (prepay), status, close, refund and settle a WeChat Pay
payment keyed by the order's out_trade_no, and the await-payment fragment an order saga composes.

The operations import payments' service only when called, so importing this module stays cheap."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from chalicelib.payments.area import PAYMENT_AWAIT, PAYMENT_TIMEOUT
from chalicelib.payments.domain import (
    ALREADY_REFUNDED,
    CLOSED_UNPAID,
    NO_PAYMENT,
    PAYMENT_CLOSED_ERROR,
    REFUNDED,
    Settlement,
    full_refund_no,
)
from chalicelib.payments.saga import (
    AWAIT_GRACE_SECONDS,
    AWAIT_PAYMENT,
    SCHEDULE_PAYMENT_TIMEOUT,
    await_payment_input,
    await_payment_states,
)

__all__ = [
    "ALREADY_REFUNDED",
    "AWAIT_GRACE_SECONDS",
    "AWAIT_PAYMENT",
    "CLOSED_UNPAID",
    "NO_PAYMENT",
    "PAYMENT_AWAIT",
    "PAYMENT_CLOSED_ERROR",
    "PAYMENT_TIMEOUT",
    "REFUNDED",
    "SCHEDULE_PAYMENT_TIMEOUT",
    "Settlement",
    "await_payment_input",
    "await_payment_states",
    "close_payment",
    "export_rows",
    "full_refund_no",
    "open_payment",
    "payment_status",
    "refund_payment",
    "settle_payment",
]


def open_payment(
    order_kind: str,
    order_id: str,
    out_trade_no: str,
    amount_fen: int,
    description: str,
    payer_user_id: str,
    merchant_id: str,
    payer_openid: str | None = None,
) -> dict[str, str]:
    """Opens (or reuses) the JSAPI payment to the merchant's WeChat Pay sub-merchant and returns
    wx.requestPayment's parameters; retry-safe. `payer_openid` (the caller's session has it) spares
    the read of the payer's user."""
    from chalicelib.payments import service
    from chalicelib.payments.adapters import live_ports

    return service.create_jsapi_payment(
        live_ports(),
        order_kind,
        order_id,
        out_trade_no,
        amount_fen,
        description,
        payer_user_id,
        merchant_id,
        payer_openid,
    )


def payment_status(out_trade_no: str) -> str | None:
    """NOTPAY / SUCCESS / CLOSED / REFUND, or None when nobody asked to pay."""
    from chalicelib.payments import service
    from chalicelib.payments.adapters import live_ports

    return service.payment_status(live_ports(), out_trade_no)


def close_payment(out_trade_no: str) -> None:
    """Closes an open payment here and at WeChat; idempotent."""
    from chalicelib.payments import service
    from chalicelib.payments.adapters import live_ports

    service.close_payment(live_ports(), out_trade_no)


def refund_payment(out_trade_no: str, out_refund_no: str, amount_fen: int, reason: str) -> str:
    """Refunds a paid payment (deduped by out_refund_no); returns WeChat's refund status."""
    from chalicelib.payments import service
    from chalicelib.payments.adapters import live_ports

    return service.refund_payment(live_ports(), out_trade_no, out_refund_no, amount_fen, reason)


def settle_payment(out_trade_no: str, out_refund_no: str, amount_fen: int, reason: str) -> Settlement:
    """For an order that will not be kept: refund it if paid, close it if open (one read)."""
    from chalicelib.payments import service
    from chalicelib.payments.adapters import live_ports

    return service.settle_payment(live_ports(), out_trade_no, out_refund_no, amount_fen, reason)


def export_rows(merchant_id: str, start: str, end: str) -> Iterator[dict[str, Any]]:
    """Finance rows for the download center: the merchant's paid and refunded payments opened in
    [start, end) (UTC ISO-8601), oldest first; one gsi2 range, never a scan."""
    from chalicelib.payments import models

    return models.export_rows(merchant_id, start, end)
