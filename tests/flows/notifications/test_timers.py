"""Shared plumbing end to end on moto server: timers through EventBridge Scheduler, and notifications
recorded once and delivered per channel, retried only where a send failed."""

from __future__ import annotations

from datetime import timedelta

import boto3
import pytest

from chalicelib.core import timers
from chalicelib.core.areas import TimerKind
from chalicelib.core.clock import ManualClock, clock
from chalicelib.notifications import consumer
from chalicelib.notifications.area import NOTIFICATIONS_QUEUE
from chalicelib.notifications.publisher import Notification, publish
from devstack.event_runner import EventRunner
from devstack.stack import REGION


@pytest.fixture
def runner(aws):
    from app import app

    return EventRunner(app, ManualClock(clock().now()), [aws.scheduler_group], REGION)


TEST_KIND = TimerKind("test_kind")
_fired: list[tuple[str, dict]] = []


def _record_fired(key: str, payload: dict) -> None:
    _fired.append((key, payload))


def test_timer_fires_once_when_due_and_cancel_prevents_it(aws, runner, monkeypatch) -> None:
    from chalicelib import wiring

    seen = _fired
    seen.clear()
    monkeypatch.setitem(wiring.TIMER_HANDLERS, TEST_KIND.name, f"{__name__}:_record_fired")
    now = runner.clock.now()
    timers.schedule_timer(TEST_KIND, "a", now + timedelta(hours=1), {"x": 1})
    timers.schedule_timer(TEST_KIND, "b", now + timedelta(hours=1))
    timers.cancel_timer(TEST_KIND, "b")
    timers.cancel_timer(TEST_KIND, "never-existed")  # harmless

    runner.clock.advance(timedelta(minutes=59))
    runner.tick()
    assert seen == []
    runner.clock.advance(timedelta(minutes=1))
    runner.tick()
    runner.tick()
    assert seen == [("a", {"x": 1})]


def test_notification_recorded_once_and_listed(aws, runner, client, login) -> None:
    headers = login("inbox-owner")
    user_id = client.http.get("/api/auth/me", headers=headers).json_body["userId"]
    note = Notification(id="n-1", user_id=user_id, kind="queue_called", title="到你了", body="请到柜台 3")
    publish(note)
    publish(note)  # a duplicate publish
    runner.drain_queues()
    inbox = client.http.get("/api/notifications", headers=headers).json_body["notifications"]
    assert [(n["id"], n["title"]) for n in inbox] == [("n-1", "到你了")]
    other = client.http.get("/api/notifications", headers=login()).json_body["notifications"]
    assert other == []
    assert client.http.get("/api/notifications").status_code == 401


def test_failed_channel_is_retried_alone_and_sent_once(aws, runner) -> None:
    sent: list[str] = []
    attempts = {"n": 0}

    def flaky(message: dict) -> None:
        attempts["n"] += 1
        if attempts["n"] == 1:
            raise RuntimeError("channel down")
        sent.append(message["id"])

    consumer.register_channel("test_flaky", flaky)
    consumer.register_channel("test_steady", lambda m: sent.append("steady-" + m["id"]))
    publish(Notification(id="n-2", user_id="u1", kind="k", title="t", body="b", channels=("test_steady", "test_flaky")))
    runner.drain_queues()
    assert sorted(sent) == ["n-2", "steady-n-2"]
    assert attempts["n"] == 2


def test_poison_message_goes_to_dlq(aws, runner) -> None:
    sqs = boto3.client("sqs")
    sqs.send_message(QueueUrl=aws.queue_urls[NOTIFICATIONS_QUEUE.suffix], MessageBody="not json")
    runner.drain_queues()
    dead = sqs.receive_message(QueueUrl=aws.dlq_urls[NOTIFICATIONS_QUEUE.suffix])["Messages"]
    assert [m["Body"] for m in dead] == ["not json"]
