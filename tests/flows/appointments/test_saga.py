"""The booking state machine executing on moto server, driven by the event runner, with a
hand-written appointment item (the appointments area owns the real ones)."""

from __future__ import annotations

import json
import secrets
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import boto3
import pytest

from chalicelib.appointments.area import APPOINTMENT_REMINDER, BOOKING_PAYMENT_FAILED
from chalicelib.appointments.saga import Reminder, start_booking
from chalicelib.core import timers
from chalicelib.core.clock import ManualClock, clock, from_iso, to_iso, use_clock
from chalicelib.notifications.models import inbox
from chalicelib.notifications.publisher import Notification
from chalicelib.payments import models, service
from chalicelib.payments.adapters import live_ports
from devstack import demo_data
from devstack.event_runner import EventRunner
from devstack.stack import REGION

NOTIFY = "/api/payments/wechat/notify"


@pytest.fixture
def runner(aws):
    """The event runner and the app share one manual clock, so the payment window is exact."""
    from app import app

    manual = ManualClock(clock().now())
    previous = use_clock(manual)
    yield EventRunner(app, manual, [aws.scheduler_group], REGION)
    use_clock(previous)


@pytest.fixture
def payer(client, login) -> str:
    demo_data.put_merchant()  # payments go to the demo merchant's WeChat Pay sub-merchant
    return str(client.http.get("/api/auth/me", headers=login(f"saga-{secrets.token_hex(6)}")).json_body["userId"])


def _appointment(aws, status: str = "pending_payment", amount: int = 8800) -> tuple[str, str]:
    appointment_id = secrets.token_hex(16)
    otn = appointment_id  # as the contract says: the id without dashes
    now = clock().now()
    boto3.client("dynamodb").put_item(
        TableName=aws.table_name,
        Item={
            "pk": {"S": f"APPT#{appointment_id}"},
            "sk": {"S": "APPT"},
            "status": {"S": status},
            "out_trade_no": {"S": otn},
            "total_amount": {"N": str(amount)},
            "start": {"S": to_iso(now + timedelta(days=2))},
        },
    )
    return appointment_id, otn


def _item(aws, appointment_id: str) -> dict[str, Any]:
    item: dict[str, Any] = boto3.client("dynamodb").get_item(
        TableName=aws.table_name, Key={"pk": {"S": f"APPT#{appointment_id}"}, "sk": {"S": "APPT"}}, ConsistentRead=True
    )["Item"]
    return item


def _status(aws, appointment_id: str) -> str:
    return str(_item(aws, appointment_id)["status"]["S"])


def _start(aws, appointment_id: str) -> datetime:
    return from_iso(_item(aws, appointment_id)["start"]["S"])


def _execution(arn: str) -> dict[str, Any]:
    return boto3.client("stepfunctions").describe_execution(executionArn=arn)


def _finished(arn: str) -> Callable[[], str | None]:
    def check() -> str | None:
        status = _execution(arn)["status"]
        return None if status == "RUNNING" else str(status)

    return check


def _token_stored(otn: str) -> Callable[[], bool]:
    def check() -> bool:
        record = models.get_payment(otn)
        return record is not None and bool(record.task_token)

    return check


def _schedules(aws) -> list[str]:
    pages = boto3.client("scheduler").get_paginator("list_schedules").paginate(GroupName=aws.scheduler_group)
    return sorted(s["Name"] for page in pages for s in page["Schedules"])


@pytest.fixture
def compensations(monkeypatch) -> list[tuple[str, dict[str, Any]]]:
    """Records booking_payment_failed messages instead of running the appointments area's handler,
    which needs a real appointment (its own tests cover it)."""
    from chalicelib import wiring

    _compensations.clear()
    monkeypatch.setitem(wiring.TIMER_HANDLERS, BOOKING_PAYMENT_FAILED.name, f"{__name__}:_record_compensation")
    return _compensations


_compensations: list[tuple[str, dict[str, Any]]] = []


def _record_compensation(key: str, payload: dict[str, Any]) -> None:
    _compensations.append((key, payload))


def _until_failed(runner: EventRunner, arn: str) -> None:
    assert runner.run_until(_finished(arn)) == "FAILED"
    runner.drain_queues()


def _note(appointment_id: str, user_id: str) -> Notification:
    return Notification(
        id=f"appointment-confirmed-{appointment_id}",
        user_id=user_id,
        kind="appointment_confirmed",
        title="预约成功",
        body="您的预约已确认",
        data={"appointmentId": appointment_id},
    )


def _pay(client, sandbox, otn: str, result: str = "SUCCESS") -> int:
    order = sandbox.pay.orders[otn]
    transaction = order.transaction()
    if result == "SUCCESS":
        transaction.update(trade_state="SUCCESS", transaction_id=f"4200{secrets.randbelow(10**12)}")
    else:
        transaction.update(trade_state="PAYERROR")
    headers, body = sandbox.pay.notification(transaction)
    return int(client.http.post(NOTIFY, headers=headers, body=body).status_code)


def test_paid_booking_confirms_schedules_reminders_and_notifies(aws, runner, client, sandbox, payer) -> None:
    appointment_id, otn = _appointment(aws)
    remind_at = runner.clock.now() + timedelta(days=1)
    arn = start_booking(
        appointment_id,
        otn,
        [Reminder("24h", remind_at, {"appointmentId": appointment_id})],
        _note(appointment_id, payer),
        start=_start(aws, appointment_id),
    )
    assert (
        start_booking(appointment_id, otn, [], _note(appointment_id, payer), start=_start(aws, appointment_id)) == arn
    )  # a repeat start is harmless
    service.create_jsapi_payment(
        live_ports(), "appointment", appointment_id, otn, 8800, "剪发", payer, demo_data.MERCHANT_ID
    )
    runner.run_until(_token_stored(otn))
    assert f"payment_timeout-{otn}" in _schedules(aws)
    assert _status(aws, appointment_id) == "pending_payment"

    assert _pay(client, sandbox, otn) == 204
    assert runner.run_until(_finished(arn)) == "SUCCEEDED"
    assert _status(aws, appointment_id) == "confirmed"
    assert _schedules(aws) == [f"appointment_reminder-{appointment_id}-24h"]  # the payment timer is gone
    reminder = boto3.client("scheduler").get_schedule(
        Name=f"appointment_reminder-{appointment_id}-24h", GroupName=aws.scheduler_group
    )
    assert json.loads(reminder["Target"]["Input"]) == {
        "kind": "appointment_reminder",
        "key": f"{appointment_id}-24h",
        "payload": {"appointmentId": appointment_id},
    }
    assert reminder["ScheduleExpression"] == f"at({remind_at.strftime('%Y-%m-%dT%H:%M:%S')})"
    runner.drain_queues()
    assert [n.title for n in inbox(payer, 10)] == ["预约成功"]


def test_a_retried_notify_tells_the_saga_it_missed(aws, runner, client, sandbox, payer, monkeypatch) -> None:
    from chalicelib.payments import tasks

    appointment_id, otn = _appointment(aws)
    arn = start_booking(appointment_id, otn, [], _note(appointment_id, payer), start=_start(aws, appointment_id))
    service.create_jsapi_payment(
        live_ports(), "appointment", appointment_id, otn, 8800, "剪发", payer, demo_data.MERCHANT_ID
    )
    runner.run_until(_token_stored(otn))
    real_succeed = tasks.succeed
    throttled = iter([True])

    def succeed_after_throttling(token: str, output: dict[str, Any]) -> None:
        if next(throttled, False):
            raise RuntimeError("ThrottlingException: Rate exceeded")
        real_succeed(token, output)

    monkeypatch.setattr(tasks, "succeed", succeed_after_throttling)
    order = sandbox.pay.orders[otn]
    transaction = order.transaction()
    transaction.update(trade_state="SUCCESS", transaction_id=f"4200{secrets.randbelow(10**12)}")
    headers, body = sandbox.pay.notification(transaction)
    assert client.http.post(NOTIFY, headers=headers, body=body).status_code == 500  # WeChat will retry
    assert models.get_payment(otn).status == "SUCCESS"  # type: ignore[union-attr]
    assert client.http.post(NOTIFY, headers=headers, body=body).status_code == 204  # the retry
    assert runner.run_until(_finished(arn), seconds=10) == "SUCCEEDED"
    assert _status(aws, appointment_id) == "confirmed"


def test_payment_before_the_saga_asks_is_still_seen(aws, runner, client, sandbox, payer) -> None:
    appointment_id, otn = _appointment(aws)
    service.create_jsapi_payment(
        live_ports(), "appointment", appointment_id, otn, 8800, "剪发", payer, demo_data.MERCHANT_ID
    )
    assert _pay(client, sandbox, otn) == 204  # no token stored yet: nobody to tell
    arn = start_booking(appointment_id, otn, [], _note(appointment_id, payer), start=_start(aws, appointment_id))
    assert runner.run_until(_finished(arn)) == "SUCCEEDED"
    assert _status(aws, appointment_id) == "confirmed"


def test_timeout_closes_the_payment_and_compensates(aws, runner, client, sandbox, payer, compensations) -> None:
    appointment_id, otn = _appointment(aws)
    arn = start_booking(
        appointment_id,
        otn,
        [Reminder("2h", runner.clock.now() + timedelta(hours=30))],
        _note(appointment_id, payer),
        start=_start(aws, appointment_id),
    )
    service.create_jsapi_payment(
        live_ports(), "appointment", appointment_id, otn, 8800, "剪发", payer, demo_data.MERCHANT_ID
    )
    runner.run_until(_token_stored(otn))
    runner.clock.advance(timedelta(seconds=899))
    runner.tick()
    assert _execution(arn)["status"] == "RUNNING"
    runner.clock.advance(timedelta(seconds=1))
    runner.deliver_due_schedules()
    runner.drain_queues()  # the payment_timeout timer runs
    assert service.payment_status(live_ports(), otn) == "CLOSED"
    assert sandbox.pay.orders[otn].trade_state == "CLOSED"  # nobody can pay for the released slot

    _until_failed(runner, arn)
    assert compensations == [(appointment_id, {"outTradeNo": otn, "error": "PaymentClosed"})]
    assert _status(aws, appointment_id) == "pending_payment"  # expiring it is the compensation handler's job
    assert _schedules(aws) == []  # no reminders for a booking that never happened
    # The customer can no longer pay the closed order.
    request = urllib.request.Request(
        f"{sandbox.base_url}/sandbox/pay",
        data=json.dumps({"out_trade_no": otn, "result": "SUCCESS"}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request)
    assert json.loads(refused.value.read())["code"] == "ORDERCLOSED"
    assert service.payment_status(live_ports(), otn) == "CLOSED"


def test_failed_payment_compensates(aws, runner, client, sandbox, payer, compensations) -> None:
    appointment_id, otn = _appointment(aws)
    arn = start_booking(appointment_id, otn, [], _note(appointment_id, payer), start=_start(aws, appointment_id))
    service.create_jsapi_payment(
        live_ports(), "appointment", appointment_id, otn, 8800, "剪发", payer, demo_data.MERCHANT_ID
    )
    runner.run_until(_token_stored(otn))
    assert _pay(client, sandbox, otn, result="FAIL") == 204
    _until_failed(runner, arn)
    assert [(key, payload["outTradeNo"]) for key, payload in compensations] == [(appointment_id, otn)]
    assert service.payment_status(live_ports(), otn) == "CLOSED"


def test_confirm_refuses_an_appointment_no_longer_pending(aws, runner, client, sandbox, payer, compensations) -> None:
    appointment_id, otn = _appointment(aws)
    arn = start_booking(appointment_id, otn, [], _note(appointment_id, payer), start=_start(aws, appointment_id))
    service.create_jsapi_payment(
        live_ports(), "appointment", appointment_id, otn, 8800, "剪发", payer, demo_data.MERCHANT_ID
    )
    runner.run_until(_token_stored(otn))
    boto3.client("dynamodb").update_item(
        TableName=aws.table_name,
        Key={"pk": {"S": f"APPT#{appointment_id}"}, "sk": {"S": "APPT"}},
        UpdateExpression="SET #s = :c",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":c": {"S": "cancelled"}},
    )
    assert _pay(client, sandbox, otn) == 204
    _until_failed(runner, arn)
    assert _status(aws, appointment_id) == "cancelled"
    assert compensations == [(appointment_id, {"outTradeNo": otn, "error": "DynamoDB.ConditionalCheckFailedException"})]
    assert service.payment_status(live_ports(), otn) == "SUCCESS"  # the compensation handler refunds it


def test_free_booking_skips_payment_and_confirm(aws, runner, payer) -> None:
    appointment_id, _ = _appointment(aws, status="confirmed")
    arn = start_booking(
        appointment_id,
        None,
        [Reminder("24h", runner.clock.now() + timedelta(days=1))],
        _note(appointment_id, payer),
        start=_start(aws, appointment_id),
    )
    assert runner.run_until(_finished(arn)) == "SUCCEEDED"
    assert _schedules(aws) == [f"appointment_reminder-{appointment_id}-24h"]
    # Reminded for the start it has: a reschedule to that same slot has nothing to redo.
    assert _item(aws, appointment_id)["reminders_start"] == _item(aws, appointment_id)["start"]
    runner.drain_queues()
    assert [n.kind for n in inbox(payer, 10)] == ["appointment_confirmed"]
    timers.cancel_timer(APPOINTMENT_REMINDER, f"{appointment_id}-24h")  # how the appointments area cancels it
    assert _schedules(aws) == []
