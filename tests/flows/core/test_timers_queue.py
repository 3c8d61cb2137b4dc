"""The timers queue (timer kinds of every area, the booking saga's compensation, a cancel's queued
settle) under poison messages and redelivery: a body that is not a timer message, or names a kind
nobody handles, ends in the timers DLQ after the queue's receive count; the good messages of the
same batch are handled once and deleted."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from chalicelib.core.clock import ManualClock, clock
from chalicelib.core.resources import TIMERS_QUEUE
from devstack.event_runner import EventRunner
from devstack.stack import REGION

_handled: list[tuple[str, dict[str, Any]]] = []


def _record(key: str, payload: dict[str, Any]) -> None:
    _handled.append((key, payload))


@pytest.fixture
def runner(aws: Any, monkeypatch: pytest.MonkeyPatch) -> EventRunner:
    from app import app
    from chalicelib import wiring

    _handled.clear()
    monkeypatch.setitem(wiring.TIMER_HANDLERS, "booking_payment_failed", f"{__name__}:_record")
    return EventRunner(app, ManualClock(clock().now()), [aws.scheduler_group], REGION)


def test_poison_timer_messages_go_to_the_dlq_and_the_good_ones_run_once(aws: Any, runner: EventRunner) -> None:
    sqs = boto3.client("sqs")
    url = aws.queue_urls[TIMERS_QUEUE.suffix]
    good = {"kind": "booking_payment_failed", "key": "apt_1", "payload": {"outTradeNo": "apt1"}}
    poison = ["not json", json.dumps({"kind": "no_such_kind", "key": "k", "payload": {}}), json.dumps([1, 2])]
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps(good))
    for body in poison:
        sqs.send_message(QueueUrl=url, MessageBody=body)
    runner.drain_queues()
    assert _handled == [("apt_1", {"outTradeNo": "apt1"})]
    dead: list[str] = []
    while True:
        found = sqs.receive_message(QueueUrl=aws.dlq_urls[TIMERS_QUEUE.suffix], MaxNumberOfMessages=10)
        if not found.get("Messages"):
            break
        dead += [m["Body"] for m in found["Messages"]]
        for m in found["Messages"]:
            sqs.delete_message(QueueUrl=aws.dlq_urls[TIMERS_QUEUE.suffix], ReceiptHandle=m["ReceiptHandle"])
    assert sorted(dead) == sorted(poison)
