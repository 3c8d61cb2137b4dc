"""The booking saga's tasks failing on moto's Step Functions executor (its DynamoDB calls fail on
demand, `SerializedDynamoDB.fail_machine_calls`): a Confirm that fails twice is retried and the paid
booking stands (no refund for a transient error); a RecordReminders that fails for good still lets the
notice out and leaves no marker, so a reschedule to the same slot puts the reminders back; an
AwaitPayment that times out (its payment timer lost) is compensated: the booking expires, its slot
and the customer's place under the cap are free again, and the payment is closed, exactly once."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

from chalicelib.appointments.saga import execution_arn
from tests.api.appointments.support import book, put
from tests.conftest import post_json
from tests.flows.appointments.test_flow import TABLE, _open_count, _post, customer, inbox_kinds, saga_finished

TUESDAY = (datetime(2026, 3, 3, tzinfo=UTC), datetime(2026, 3, 4, tzinfo=UTC))


def _status(appointment_id: str) -> str:
    arn = execution_arn(os.environ["BOOKING_STATE_MACHINE_ARN"], appointment_id)
    return str(boto3.client("stepfunctions").describe_execution(executionArn=arn)["status"])


def _user(client: Any, me: dict[str, str]) -> str:
    return str(client.http.get("/api/auth/me", headers=me).json_body["userId"])


def test_a_confirm_that_fails_twice_is_retried_and_the_paid_booking_stands(
    world, api_base, client, login, sandbox, local_aws
) -> None:
    from chalicelib.payments import models as payments

    me, _ = customer(login)
    appt_id = book(client, me, serviceId="svc-massage", totalAmount=19800).json_body["appointment"]["id"]
    params = post_json(client, "/api/appointments/payment", {"appointmentId": appt_id, "amount": 19800}, me)
    world.run_until(lambda: bool(getattr(payments.get_payment(appt_id), "task_token", None)))
    local_aws.app.fail_machine_calls("UpdateItem", "InternalServerError", times=2)
    prepay_id = params.json_body["package"].split("=", 1)[1]
    assert _post(f"{sandbox.base_url}/sandbox/pay", {"prepay_id": prepay_id, "result": "SUCCESS"})["trade_state"] == (
        "SUCCESS"
    )
    world.run_until(saga_finished(appt_id))
    assert local_aws.app.machine_faults["UpdateItem"][1] == 0  # both failures were served
    stored = TABLE.get_appointment(appt_id)
    assert stored is not None and stored.status == "confirmed" and stored.reminders_start == stored.start
    world.drain_queues()
    assert payments.get_payment(appt_id).status == "SUCCESS"  # type: ignore[union-attr]
    assert sandbox.pay.orders[appt_id].refunds == {}
    assert inbox_kinds(client, me) == ["appointment_confirmed"]


def test_reminders_that_cannot_be_recorded_still_notify_and_a_same_slot_reschedule_restores_them(
    world, aws, client, login, local_aws
) -> None:
    me, _ = customer(login)
    local_aws.app.fail_machine_calls("UpdateItem", "ConditionalCheckFailedException", times=1)
    appt_id = book(client, me).json_body["appointment"]["id"]
    world.run_until(saga_finished(appt_id))
    stored = TABLE.get_appointment(appt_id)
    assert stored is not None and stored.reminders_start is None
    world.drain_queues()
    assert inbox_kinds(client, me) == ["appointment_confirmed"]
    same = put(client, f"/api/appointments/{appt_id}/reschedule", {"date": "2026-03-03", "timeSlot": "10:00"}, me)
    assert same.status_code == 200, same.json_body
    assert TABLE.get_appointment(appt_id).reminders_start == stored.start  # type: ignore[union-attr]


def test_an_await_payment_that_times_out_is_compensated_once(world, client, login, sandbox, monkeypatch) -> None:
    """The payment timer is lost (the manual clock never reaches it); AwaitPayment's own timeout
    (window + grace, here 2 s) fails the task, and Compensate hands the undo to the timers queue."""
    from chalicelib.appointments.timers import on_booking_payment_failed
    from chalicelib.payments import models as payments
    from chalicelib.payments import saga as payments_saga

    monkeypatch.setenv("PAYMENT_TIMEOUT_SECONDS", "1")
    monkeypatch.setattr(payments_saga, "AWAIT_GRACE_SECONDS", 1)
    me, _ = customer(login)
    appt_id = book(client, me, serviceId="svc-massage", totalAmount=19800).json_body["appointment"]["id"]
    opened = post_json(client, "/api/appointments/payment", {"appointmentId": appt_id, "amount": 19800}, me)
    assert opened.status_code == 200, opened.json_body
    assert _open_count(_user(client, me)) == 1
    world.run_until(lambda: _status(appt_id) != "RUNNING", seconds=30)
    assert _status(appt_id) == "FAILED"
    world.run_until(lambda: getattr(TABLE.get_appointment(appt_id), "status", None) == "expired")
    world.drain_queues()

    assert TABLE.claimed_units("st-zhang", *TUESDAY) == {}  # the slot is free
    assert _open_count(_user(client, me)) == 0  # and the customer's place under the cap
    assert payments.get_payment(appt_id).status == "CLOSED"  # type: ignore[union-attr]
    assert sandbox.pay.orders[appt_id].trade_state == "CLOSED"  # nobody can pay for the released slot
    refused = post_json(client, "/api/appointments/payment", {"appointmentId": appt_id, "amount": 19800}, me)
    assert refused.status_code == 409

    # A redelivered compensation and the lost timer firing at last change nothing.
    on_booking_payment_failed(appt_id, {"outTradeNo": appt_id, "error": "States.Timeout"})
    world.clock.advance(timedelta(minutes=5))
    world.tick()
    world.drain_queues()
    assert TABLE.get_appointment(appt_id).status == "expired"  # type: ignore[union-attr]
    assert _open_count(_user(client, me)) == 0
    assert sandbox.pay.orders[appt_id].refunds == {}
    assert inbox_kinds(client, me).count("appointment_expired") == 1
