"""The await-payment fragment payments publishes for any order saga, without AWS."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from chalicelib.core.resources import ResourceRefs
from chalicelib.payments import api

REFS = ResourceRefs(
    region="r",
    table_name="t",
    table_arn="arn:t",
    queue_urls={"timers": "https://q/timers"},
    queue_arns={"timers": "arn:aws:sqs:r:1:timers"},
    scheduler_group="g",
    scheduler_role_arn="arn:aws:iam::1:role/s",
)
CATCH = [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Undo"}]


def test_the_fragment_schedules_the_timeout_then_waits_for_the_token_and_hands_failures_to_the_saga() -> None:
    states = api.await_payment_states(REFS, "$.order.tradeNo", "Ship", CATCH)
    assert list(states) == [api.SCHEDULE_PAYMENT_TIMEOUT, api.AWAIT_PAYMENT]
    schedule, wait = states[api.SCHEDULE_PAYMENT_TIMEOUT], states[api.AWAIT_PAYMENT]
    assert schedule["Resource"] == "arn:aws:states:::aws-sdk:scheduler:createSchedule"
    assert schedule["Parameters"]["Target"]["Arn"] == "arn:aws:sqs:r:1:timers"
    assert (schedule["Next"], schedule["Catch"]) == (api.AWAIT_PAYMENT, CATCH)
    assert wait["Resource"] == "arn:aws:states:::sqs:sendMessage.waitForTaskToken"
    assert wait["Parameters"]["MessageBody"] == {
        "kind": api.PAYMENT_AWAIT.name,
        "key.$": "$.order.tradeNo",
        "payload": {"taskToken.$": "$$.Task.Token"},
    }
    assert (wait["Next"], wait["Catch"], wait["TimeoutSecondsPath"]) == ("Ship", CATCH, "$.awaitTimeoutSeconds")


def test_the_input_carries_the_payment_timer_and_the_tasks_own_guard(monkeypatch) -> None:
    monkeypatch.setenv("PAYMENT_TIMEOUT_SECONDS", "120")
    data = api.await_payment_input("T123456", datetime(2026, 5, 1, 2, 0, tzinfo=UTC))
    assert data["paymentTimer"]["Name"] == "payment_timeout-T123456"
    assert data["paymentTimer"]["ScheduleExpression"] == "at(2026-05-01T02:02:00)"
    assert json.loads(data["paymentTimer"]["Input"]) == {"kind": "payment_timeout", "key": "T123456", "payload": {}}
    assert data["awaitTimeoutSeconds"] == 120 + api.AWAIT_GRACE_SECONDS
