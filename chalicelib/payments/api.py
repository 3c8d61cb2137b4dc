"""What other areas may use of payments."""

from __future__ import annotations

from chalicelib.payments.area import PAYMENT_AWAIT, PAYMENT_TIMEOUT
from chalicelib.payments.ids import full_refund_no
from chalicelib.payments.settings import wechatpay_settings

__all__ = ["PAYMENT_AWAIT", "PAYMENT_TIMEOUT", "full_refund_no", "wechatpay_settings"]
