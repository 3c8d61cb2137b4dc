"""Timer handlers of the payments area (declared in area.py), run by the timers queue consumer.

payment_await: an order saga's waitForTaskToken message (saga.py). The token is stored on the payment
record while it is NOTPAY; if the payment already settled, the answer is given right here.
payment_timeout: the payment window's end, scheduled by the saga when the order is placed.
"""

from __future__ import annotations

from typing import Any

from chalicelib.core.clock import clock
from chalicelib.payments import models, service, tasks
from chalicelib.payments.domain import NOTPAY, SUCCESS
from chalicelib.payments.saga import PAYMENT_CLOSED_ERROR


def on_payment_await(out_trade_no: str, payload: dict[str, Any]) -> None:
    token = str(payload.get("taskToken") or "")
    if not token:
        raise ValueError("payment_await without a taskToken")
    status = models.attach_task_token(out_trade_no, token, clock().now())
    if status == SUCCESS:
        record = models.get_payment(out_trade_no)
        transaction_id = record.transaction_id if record is not None else None
        tasks.succeed(token, {"outTradeNo": out_trade_no, "transactionId": transaction_id or ""})
    elif status != NOTPAY:
        tasks.fail(token, PAYMENT_CLOSED_ERROR, f"payment is {status}")


def on_payment_timeout(out_trade_no: str, payload: dict[str, Any]) -> None:
    service.expire_payment(out_trade_no)
