"""The saga's input and definition, without AWS: what start_booking hands the state machine."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.appointments.saga import Reminder, booking_definition, booking_input
from chalicelib.core.resources import ResourceRefs
from chalicelib.notifications.publisher import Notification

NOW = datetime(2026, 5, 1, 2, 0, tzinfo=UTC)
NOTE = Notification(id="n1", user_id="u1", kind="appointment_confirmed", title="预约成功", body="b", channels=("sms",))


def test_paid_input_carries_the_payment_timer_and_only_future_reminders(monkeypatch) -> None:
    monkeypatch.setenv("PAYMENT_TIMEOUT_SECONDS", "600")
    data = booking_input(
        "apt1",
        "apt1trade",
        [Reminder("24h", NOW - timedelta(minutes=1)), Reminder("2h", NOW + timedelta(hours=5), {"x": 1})],
        NOTE,
        NOW,
        start=NOW + timedelta(days=1),
    )
    assert data["paymentTimer"] == {
        "Name": "payment_timeout-apt1trade",
        "ScheduleExpression": "at(2026-05-01T02:10:00)",
        "Input": json.dumps({"kind": "payment_timeout", "key": "apt1trade", "payload": {}}),
    }
    assert data["start"] == "2026-05-02T02:00:00Z"  # what RecordReminders marks the booking reminded for
    assert data["awaitTimeoutSeconds"] == 900  # the window plus the grace the Task allows itself
    assert [r["Name"] for r in data["reminders"]] == ["appointment_reminder-apt1-2h"]
    assert json.loads(data["reminders"][0]["Input"]) == {
        "kind": "appointment_reminder",
        "key": "apt1-2h",
        "payload": {"x": 1},
    }
    assert json.loads(data["notification"]) == {
        "id": "n1",
        "user_id": "u1",
        "kind": "appointment_confirmed",
        "title": "预约成功",
        "body": "b",
        "data": {},
        "channels": ["sms"],
    }


def test_free_input_has_no_payment_timer() -> None:
    data = booking_input("apt2", None, [], NOTE, NOW, start=NOW)
    assert data["outTradeNo"] is None and "paymentTimer" not in data


def test_definition_only_uses_direct_integrations_and_every_transition_exists() -> None:
    refs = ResourceRefs(
        region="ap-southeast-1",
        table_name="t",
        table_arn="arn:aws:dynamodb:ap-southeast-1:1:table/t",
        queue_urls={"timers": "https://q/timers", "notifications": "https://q/notifications", "points": "p"},
        queue_arns={"timers": "arn:aws:sqs:ap-southeast-1:1:timers", "notifications": "n", "points": "p"},
        scheduler_group="g",
        scheduler_role_arn="arn:aws:iam::1:role/s",
    )
    definition = booking_definition(refs)
    states: dict[str, Any] = definition["States"]

    def walk(machine: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        found = []
        for name, state in machine["States"].items():
            found.append((name, state))
            if "ItemProcessor" in state:
                found.extend(walk(state["ItemProcessor"]))
        return found

    every = walk(definition)
    resources = {s["Resource"] for _, s in every if s["Type"] == "Task"}
    assert all(r.startswith("arn:aws:states:::") and ":lambda:" not in r for r in resources)
    targets = {s.get("Next") for _, s in every} | {c["Next"] for _, s in every for c in s.get("Catch", [])}
    targets |= {c["Next"] for _, s in every for c in s.get("Choices", [])} | {s.get("Default") for _, s in every}
    assert targets - {None} <= set(states) | {"CreateReminder"}
    assert states["AwaitPayment"]["Catch"][0]["Next"] == "Compensate"
    assert states["Confirm"]["Parameters"]["ConditionExpression"] == "#status = :pending"
    assert states["Compensate"]["Next"] == "BookingFailed" and states["BookingFailed"]["Type"] == "Fail"
    # After payment, transient errors are retried; only a failed condition (cancelled meanwhile) compensates.
    retriers = states["Confirm"]["Retry"]
    assert retriers[0] == {"ErrorEquals": ["DynamoDB.ConditionalCheckFailedException"], "MaxAttempts": 0}
    assert retriers[-1]["ErrorEquals"] == ["States.ALL"] and retriers[-1]["MaxAttempts"] >= 3
