"""The local event runner delivers like Lambda: partial batch failures, DLQ redrive, due schedules, rules."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import boto3
from chalice import Chalice, Rate

from chalicelib.core.clock import ManualClock
from chalicelib.core.resources import physical_name
from chalicelib.loyalty.area import POINTS_QUEUE
from devstack.event_runner import EventRunner
from devstack.stack import PREFIX, REGION

START = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


def _app(received: list[dict], fired: list[dict]) -> Chalice:
    app = Chalice(app_name="runner-test")

    @app.on_sqs_message(queue=physical_name(PREFIX, POINTS_QUEUE.suffix), batch_size=10)
    def consume(event):
        failures = []
        for record in event:
            body = json.loads(record.body)
            received.append(body)
            if body.get("fail"):
                failures.append({"itemIdentifier": record.to_dict()["messageId"]})
        return {"batchItemFailures": failures}

    @app.schedule(Rate(5, unit=Rate.MINUTES))
    def every_five(event):
        fired.append(event.to_dict())

    return app


def test_partial_batch_failures_retry_then_dead_letter(aws) -> None:
    received: list[dict] = []
    runner = EventRunner(_app(received, []), ManualClock(START), [aws.scheduler_group], REGION)
    sqs = boto3.client("sqs")
    url = aws.queue_urls[POINTS_QUEUE.suffix]
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"n": 1}))
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"n": 2, "fail": True}))

    runner.drain_queues()

    assert [r["n"] for r in received].count(1) == 1  # succeeded once, deleted, never redelivered
    assert [r["n"] for r in received].count(2) == POINTS_QUEUE.max_receive_count
    dead = sqs.receive_message(QueueUrl=aws.dlq_urls[POINTS_QUEUE.suffix], MaxNumberOfMessages=10)["Messages"]
    assert [json.loads(m["Body"])["n"] for m in dead] == [2]


def test_one_time_schedule_fires_when_due_and_is_deleted(aws) -> None:
    received: list[dict] = []
    clock = ManualClock(START)
    runner = EventRunner(_app(received, []), clock, [aws.scheduler_group], REGION)
    scheduler = boto3.client("scheduler")
    due = START + timedelta(hours=24)
    scheduler.create_schedule(
        Name="expire-r1",
        GroupName=aws.scheduler_group,
        ScheduleExpression=f"at({due.astimezone().astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%S')})",
        ScheduleExpressionTimezone="UTC",
        FlexibleTimeWindow={"Mode": "OFF"},
        ActionAfterCompletion="DELETE",
        Target={
            "Arn": aws.queue_arns[POINTS_QUEUE.suffix],
            "RoleArn": aws.scheduler_role_arn,
            "Input": json.dumps({"n": 42}),
        },
    )
    assert runner.deliver_due_schedules() == 0
    clock.advance(timedelta(hours=23, minutes=59))
    assert runner.deliver_due_schedules() == 0
    clock.advance(timedelta(minutes=1))
    assert runner.deliver_due_schedules() == 1
    runner.drain_queues()
    assert received == [{"n": 42}]
    assert scheduler.list_schedules(GroupName=aws.scheduler_group)["Schedules"] == []
    assert runner.deliver_due_schedules() == 0


def test_schedule_in_store_timezone(aws) -> None:
    clock = ManualClock(START)  # 16:00 in Shanghai
    runner = EventRunner(_app([], []), clock, [aws.scheduler_group], REGION)
    boto3.client("scheduler").create_schedule(
        Name="local-time",
        GroupName=aws.scheduler_group,
        ScheduleExpression="at(2026-11-22T17:00:00)",
        ScheduleExpressionTimezone="Asia/Shanghai",
        FlexibleTimeWindow={"Mode": "OFF"},
        Target={"Arn": aws.queue_arns[POINTS_QUEUE.suffix], "RoleArn": aws.scheduler_role_arn, "Input": "{}"},
    )
    clock.advance(timedelta(minutes=59))
    assert runner.deliver_due_schedules() == 0
    clock.advance(timedelta(minutes=1))
    assert runner.deliver_due_schedules() == 1
    assert runner.deliver_due_schedules() == 0  # kept (no DELETE) but fired once only


def test_rate_rules_fire_on_their_rate(aws) -> None:
    fired: list[dict] = []
    clock = ManualClock(START)
    runner = EventRunner(_app([], fired), clock, [aws.scheduler_group], REGION)
    runner.fire_due_rules()  # arms the rule
    clock.advance(timedelta(minutes=4))
    assert runner.fire_due_rules() == 0
    clock.advance(timedelta(minutes=1))
    assert runner.fire_due_rules() == 1
    assert fired[0]["detail-type"] == "Scheduled Event"
