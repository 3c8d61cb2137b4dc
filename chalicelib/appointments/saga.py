"""The booking saga: a Step Functions Standard workflow built only from direct service integrations.

    Route (Choice) --free--> ScheduleReminders -> RecordReminders -> Notify -> done
          |paid
          v
    [payments' await-payment fragment: SchedulePaymentTimeout -> AwaitPayment]
          -> Confirm (dynamodb:updateItem IF status = pending_payment)
          -> ScheduleReminders (Map of scheduler:createSchedule)
          -> RecordReminders (dynamodb:updateItem reminders_start IF start unchanged) -> Notify (sqs:sendMessage)

Any failure of AwaitPayment (payment timer fired, payment failed or closed, the Task's own
TimeoutSeconds) or of Confirm (the appointment is no longer pending) goes to Compensate, which
hands the undo (expire + release the slot + close or refund the payment) to the appointments
area's `booking_payment_failed` timer kind, then fails the execution. RecordReminders marks the booking
as reminded for its start, so a later reschedule to that same slot has nothing to redo; reminders that
failed to schedule skip it (the booking keeps no marker, and that reschedule puts them back).

Payments builds the fragment (`payments.api.await_payment_states`, see payments/saga.py): the payment
window is an EventBridge Scheduler timer rather than only the Task's TimeoutSeconds, because the timer
closes the WeChat order before failing the task (so nobody can pay a released slot), and the local
event runner fires it on its clock, which makes the timeout testable.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from chalicelib.appointments.area import APPOINTMENT_REMINDER, BOOKING_PAYMENT_FAILED
from chalicelib.appointments.domain import Reminder, Status
from chalicelib.appointments.items import APPOINTMENT_PK_PREFIX, APPOINTMENT_SK
from chalicelib.core import aws
from chalicelib.core.clock import clock, to_iso
from chalicelib.core.config import provisioned
from chalicelib.core.resources import TIMERS_QUEUE, ResourceRefs
from chalicelib.core.timers import create_schedule_state, timer_input
from chalicelib.notifications.api import NOTIFICATIONS_QUEUE, Notification, message_body
from chalicelib.payments.api import SCHEDULE_PAYMENT_TIMEOUT, await_payment_input, await_payment_states


def booking_input(
    appointment_id: str,
    out_trade_no: str | None,
    reminders: list[Reminder],
    notification: Notification,
    now: datetime,
    *,
    start: datetime,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "appointmentId": appointment_id,
        "outTradeNo": out_trade_no,
        "start": to_iso(start),
        # A reminder already due (a booking made for an hour from now has no 2 h reminder) is dropped.
        "reminders": [
            timer_input(APPOINTMENT_REMINDER, f"{appointment_id}-{r.name}", r.at, r.payload)
            for r in reminders
            if r.at > now
        ],
        "notification": json.dumps(message_body(notification), ensure_ascii=False),
    }
    if out_trade_no is not None:
        data.update(await_payment_input(out_trade_no, now))
    return data


def start_booking(
    appointment_id: str,
    out_trade_no: str | None,
    reminders: list[Reminder],
    notification: Notification,
    *,
    start: datetime,
) -> str:
    """Starts the saga named after the appointment (a repeat start is a no-op); returns the execution ARN.
    `start` is the booking's, which the reminders were planned for."""
    machine_arn = provisioned("BOOKING_STATE_MACHINE_ARN")
    sfn = aws.client("stepfunctions")
    payload = booking_input(appointment_id, out_trade_no, reminders, notification, clock().now(), start=start)
    try:
        return str(
            sfn.start_execution(stateMachineArn=machine_arn, name=appointment_id, input=json.dumps(payload))[
                "executionArn"
            ]
        )
    except sfn.exceptions.ExecutionAlreadyExists:
        return execution_arn(machine_arn, appointment_id)


def execution_arn(machine_arn: str, appointment_id: str) -> str:
    return f"{machine_arn.replace(':stateMachine:', ':execution:')}:{appointment_id}"


# The booking's item, addressed from the execution's input (the Confirm and RecordReminders tasks).
BOOKING_KEY = {
    "pk": {"S.$": f"States.Format('{APPOINTMENT_PK_PREFIX}#{{}}', $.appointmentId)"},
    "sk": {"S": APPOINTMENT_SK},
}


def booking_definition(refs: ResourceRefs) -> dict[str, Any]:
    timers_queue = refs.queue_urls[TIMERS_QUEUE.suffix]
    to_compensate = [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Compensate"}]
    reminder = create_schedule_state(refs, "$", None)
    return {
        "Comment": "Booking: await payment -> confirm -> reminders -> notify; compensate on failure.",
        "StartAt": "Route",
        "States": {
            "Route": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.outTradeNo", "IsNull": True, "Next": "ScheduleReminders"}],
                "Default": SCHEDULE_PAYMENT_TIMEOUT,
            },
            **await_payment_states(refs, "$.outTradeNo", "Confirm", to_compensate),
            "Confirm": {
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:updateItem",
                "Parameters": {
                    "TableName": refs.table_name,
                    "Key": BOOKING_KEY,
                    "UpdateExpression": "SET #status = :confirmed",
                    "ConditionExpression": "#status = :pending",
                    "ExpressionAttributeNames": {"#status": "status"},
                    "ExpressionAttributeValues": {
                        ":confirmed": {"S": Status.CONFIRMED.value},
                        ":pending": {"S": Status.PENDING_PAYMENT.value},
                    },
                },
                "ResultPath": None,
                # The customer has paid: a transient DynamoDB error must not turn into a refund. A failed
                # condition (the booking was cancelled meanwhile) is final and goes straight to compensation.
                "Retry": [
                    {"ErrorEquals": ["DynamoDB.ConditionalCheckFailedException"], "MaxAttempts": 0},
                    {"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "MaxAttempts": 5, "BackoffRate": 2},
                ],
                "Catch": to_compensate,
                "Next": "ScheduleReminders",
            },
            "ScheduleReminders": {
                "Type": "Map",
                "ItemsPath": "$.reminders",
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "INLINE"},
                    "StartAt": "CreateReminder",
                    "States": {"CreateReminder": reminder},
                },
                "ResultPath": None,
                # The booking stands even if a reminder cannot be scheduled; the notice still goes out.
                "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.reminderError", "Next": "Notify"}],
                "Next": "RecordReminders",
            },
            "RecordReminders": {
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:updateItem",
                "Parameters": {
                    "TableName": refs.table_name,
                    "Key": BOOKING_KEY,
                    "UpdateExpression": "SET #marker = :start",
                    "ConditionExpression": "#start = :start",
                    "ExpressionAttributeNames": {"#marker": "reminders_start", "#start": "start"},
                    "ExpressionAttributeValues": {":start": {"S.$": "$.start"}},
                },
                "ResultPath": None,
                "Retry": [
                    {"ErrorEquals": ["DynamoDB.ConditionalCheckFailedException"], "MaxAttempts": 0},
                    {"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "MaxAttempts": 3, "BackoffRate": 2},
                ],
                # Moved meanwhile, or the table would not answer: no marker, so a reschedule to the slot
                # it has puts the reminders back; the notice still goes out.
                "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.reminderError", "Next": "Notify"}],
                "Next": "Notify",
            },
            "Notify": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage",
                "Parameters": {
                    "QueueUrl": refs.queue_urls[NOTIFICATIONS_QUEUE.suffix],
                    "MessageBody.$": "$.notification",
                },
                "ResultPath": None,
                "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "MaxAttempts": 3, "BackoffRate": 2}],
                "End": True,
            },
            "Compensate": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage",
                "Parameters": {
                    "QueueUrl": timers_queue,
                    "MessageBody": {
                        "kind": BOOKING_PAYMENT_FAILED.name,
                        "key.$": "$.appointmentId",
                        "payload": {"outTradeNo.$": "$.outTradeNo", "error.$": "$.error.Error"},
                    },
                },
                "ResultPath": None,
                "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "MaxAttempts": 5, "BackoffRate": 2}],
                "Next": "BookingFailed",
            },
            "BookingFailed": {"Type": "Fail", "Error": "BookingPaymentFailed", "Cause": "payment not completed"},
        },
    }
