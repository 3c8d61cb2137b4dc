"""Timer handlers of the payments area (declared in area.py), run by the timers queue consumer.

payment_await: an order saga's waitForTaskToken message (saga.py). The token is stored on the payment
record while it is NOTPAY; if the payment already settled, the answer is given right here.
payment_timeout: the payment window's end, scheduled by the saga when the order is placed.
"""

from __future__ import annotations

from typing import Any

from chalicelib.payments import service
from chalicelib.payments.adapters import live_ports


def on_payment_await(out_trade_no: str, payload: dict[str, Any]) -> None:
    token = str(payload.get("taskToken") or "")
    if not token:
        raise ValueError("payment_await without a taskToken")
    service.attach_task_token(live_ports(), out_trade_no, token)


def on_payment_timeout(out_trade_no: str, payload: dict[str, Any]) -> None:
    service.expire_payment(live_ports(), out_trade_no)
