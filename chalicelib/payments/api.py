"""What other areas may use of payments."""

from __future__ import annotations

from chalicelib.payments.area import PAYMENT_AWAIT, PAYMENT_TIMEOUT
from chalicelib.payments.ids import full_refund_no

__all__ = ["PAYMENT_AWAIT", "PAYMENT_TIMEOUT", "full_refund_no"]
