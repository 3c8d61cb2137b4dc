"""The await-payment fragment of an order saga (published through payments.api).

An order saga (the booking saga now, the mall's order saga later) composes these two states:

    SchedulePaymentTimeout (scheduler:createSchedule, a `payment_timeout` timer at the window's end)
      -> AwaitPayment (sqs:sendMessage.waitForTaskToken: a `payment_await` message on the timers queue)

The `payment_await` handler stores the task token on the payment record (or answers at once if the
payment already settled); the verified SUCCESS callback answers with send_task_success, the timer or
a failed payment with send_task_failure(PAYMENT_CLOSED_ERROR). The Task's own timeout (window plus
AWAIT_GRACE_SECONDS) is only the guard for a lost timer. The saga puts `await_payment_input` into its
execution input and routes the fragment's failures (`catch`) to its own compensation.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from chalicelib.core.resources import TIMERS_QUEUE, ResourceRefs
from chalicelib.core.timers import create_schedule_state, timer_input
from chalicelib.payments.area import PAYMENT_AWAIT, PAYMENT_TIMEOUT
from chalicelib.payments.settings import payment_timeout_seconds

SCHEDULE_PAYMENT_TIMEOUT = "SchedulePaymentTimeout"  # the fragment's entry state
AWAIT_PAYMENT = "AwaitPayment"
# How long past the payment window the Task itself gives up if the timer never fired.
AWAIT_GRACE_SECONDS = 300
# The error AwaitPayment fails with when the payment was closed (window over, payment failed).
# Where AwaitPayment puts the payment's answer ({"outTradeNo", "transactionId"}) in the state.
PAYMENT_RESULT_PATH = "$.payment"


def await_payment_input(out_trade_no: str, now: datetime) -> dict[str, Any]:
    """What the fragment reads from the execution input: the timer and the Task's own timeout."""
    window = payment_timeout_seconds()
    return {
        "paymentTimer": timer_input(PAYMENT_TIMEOUT, out_trade_no, now + timedelta(seconds=window)),
        "awaitTimeoutSeconds": window + AWAIT_GRACE_SECONDS,
    }


def await_payment_states(
    refs: ResourceRefs, out_trade_no_path: str, next_state: str, catch: list[dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """The two states, keyed by name; enter at SCHEDULE_PAYMENT_TIMEOUT. `out_trade_no_path` is the
    JSONPath of the order's out_trade_no; `catch` handles every failure of either state."""
    schedule_timeout = create_schedule_state(refs, "$.paymentTimer", AWAIT_PAYMENT)
    schedule_timeout["Catch"] = catch
    return {
        SCHEDULE_PAYMENT_TIMEOUT: schedule_timeout,
        AWAIT_PAYMENT: {
            "Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {
                "QueueUrl": refs.queue_urls[TIMERS_QUEUE.suffix],
                "MessageBody": {
                    "kind": PAYMENT_AWAIT.name,
                    "key.$": out_trade_no_path,
                    "payload": {"taskToken.$": "$$.Task.Token"},
                },
            },
            "TimeoutSecondsPath": "$.awaitTimeoutSeconds",
            "ResultPath": PAYMENT_RESULT_PATH,
            "Catch": catch,
            "Next": next_state,
        },
    }
