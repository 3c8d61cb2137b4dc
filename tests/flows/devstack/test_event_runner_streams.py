"""The local event runner's DynamoDB side: real stream records in Lambda's shape, filtered by the
stream subscriptions as infra's event source filter does, retried from the failed record
(ReportBatchItemFailures) as often as deployed, and TTL deletions it performs by its clock, marked
as TTL's."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
from chalice import Chalice

from chalicelib.core.clock import ManualClock
from chalicelib.core.streams import MAX_RETRY_ATTEMPTS, TTL_IDENTITY, StreamSubscription
from devstack.event_runner import STREAM_MAX_ATTEMPTS, TTL_SWEEP_EVERY, EventRunner
from devstack.stack import REGION

START = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
# The items these tests write, and a subscription to every change of them.
ENTITY = "RunnerTest"
EVERY_CHANGE = (StreamSubscription(ENTITY, "unused:handler"),)


def _app(table_name: str, received: list[dict[str, Any]], fail: dict[str, int]) -> Chalice:
    app = Chalice(app_name="stream-test")

    @app.on_dynamodb_record(stream_arn=f"arn:aws:dynamodb:{REGION}:000000000000:table/{table_name}/stream/x")
    def consume(event: Any) -> dict[str, Any]:
        failures: list[dict[str, str]] = []
        for record in event:
            raw = record.to_dict()
            received.append(raw)
            pk = raw["dynamodb"]["Keys"]["pk"]["S"]
            if fail.get(pk, 0) > 0 or failures:
                fail[pk] = fail.get(pk, 0) - 1
                failures.append({"itemIdentifier": raw["dynamodb"]["SequenceNumber"]})
        return {"batchItemFailures": failures}

    return app


def _put(table: str, pk: str, ttl: datetime | None = None, entity: str | None = ENTITY) -> None:
    item = {"pk": {"S": pk}, "sk": {"S": "X"}}
    if entity is not None:
        item["et"] = {"S": entity}
    if ttl is not None:
        item["ttl"] = {"N": str(int(ttl.timestamp()))}
    boto3.client("dynamodb").put_item(TableName=table, Item=item)


def _pks(records: list[dict[str, Any]]) -> list[str]:
    return [r["dynamodb"]["Keys"]["pk"]["S"] for r in records]


def test_stream_records_retry_from_the_failed_one_and_poison_is_skipped(aws) -> None:
    received: list[dict[str, Any]] = []
    fail = {"b": 1, "poison": 10**6}
    runner = EventRunner(_app(aws.table_name, received, fail), ManualClock(START), [], REGION, EVERY_CHANGE)
    for pk in ("a", "b", "c"):
        _put(aws.table_name, pk)

    assert runner.deliver_stream_records() == 1  # a; b failed, so b and c wait
    assert runner.deliver_stream_records() == 2
    assert _pks(received) == ["a", "b", "c", "b", "c"]
    first = received[0]
    assert first["eventName"] == "INSERT" and first["eventSource"] == "aws:dynamodb"
    assert first["eventSourceARN"] == aws.table_stream_arn and first["awsRegion"] == REGION
    assert isinstance(first["dynamodb"]["ApproximateCreationDateTime"], int)
    assert first["dynamodb"]["NewImage"] == {"pk": {"S": "a"}, "sk": {"S": "X"}, "et": {"S": ENTITY}}
    assert "userIdentity" not in first

    received.clear()
    _put(aws.table_name, "poison")
    _put(aws.table_name, "after")
    for _ in range(STREAM_MAX_ATTEMPTS):
        runner.deliver_stream_records()
    assert _pks(received).count("poison") == STREAM_MAX_ATTEMPTS
    runner.deliver_stream_records()
    assert _pks(received)[-1] == "after" and _pks(received).count("after") == STREAM_MAX_ATTEMPTS + 1


def test_ttl_sweep_deletes_due_items_and_marks_only_their_records(aws) -> None:
    received: list[dict[str, Any]] = []
    clock = ManualClock(START)
    runner = EventRunner(_app(aws.table_name, received, {}), clock, [], REGION, EVERY_CHANGE)
    _put(aws.table_name, "due", ttl=START + timedelta(minutes=5))
    _put(aws.table_name, "later", ttl=START + timedelta(days=1))
    _put(aws.table_name, "forever")
    boto3.client("dynamodb").delete_item(TableName=aws.table_name, Key={"pk": {"S": "forever"}, "sk": {"S": "X"}})

    assert runner.sweep_ttl() == 0
    clock.advance(timedelta(minutes=5))
    assert runner.sweep_ttl() == 1
    assert runner.sweep_ttl() == 0  # at most once per TTL_SWEEP_EVERY of the clock
    runner.deliver_stream_records()

    removes = [
        (r["dynamodb"]["Keys"]["pk"]["S"], r.get("userIdentity")) for r in received if r["eventName"] == "REMOVE"
    ]
    assert removes == [("forever", None), ("due", {"type": "Service", "principalId": "dynamodb.amazonaws.com"})]
    ttl_remove = received[-1]
    assert ttl_remove["dynamodb"]["OldImage"]["ttl"] == {"N": str(int((START + timedelta(minutes=5)).timestamp()))}

    clock.advance(timedelta(days=1) + TTL_SWEEP_EVERY)
    assert runner.sweep_ttl() == 1
    keys = boto3.client("dynamodb").scan(TableName=aws.table_name)["Items"]
    assert keys == []


def test_only_records_some_subscription_matches_reach_the_handler(aws) -> None:
    received: list[dict[str, Any]] = []
    clock = ManualClock(START)
    ttl_only = (StreamSubscription("Sentinel", "unused:handler", ttl_removals_only=True),)
    runner = EventRunner(_app(aws.table_name, received, {}), clock, [], REGION, (*EVERY_CHANGE, *ttl_only))
    _put(aws.table_name, "mine")
    _put(aws.table_name, "nobodys", entity="Unsubscribed")
    _put(aws.table_name, "untyped", entity=None)
    _put(aws.table_name, "sentinel", ttl=START + timedelta(minutes=1), entity="Sentinel")
    _put(aws.table_name, "deleted sentinel", entity="Sentinel")
    deleted = {"pk": {"S": "deleted sentinel"}, "sk": {"S": "X"}}
    boto3.client("dynamodb").delete_item(TableName=aws.table_name, Key=deleted)  # by us, not by TTL
    runner.deliver_stream_records()
    assert [(r["eventName"], r["dynamodb"]["Keys"]["pk"]["S"]) for r in received] == [("INSERT", "mine")]

    clock.advance(timedelta(minutes=1))
    assert runner.sweep_ttl() == 1
    runner.deliver_stream_records()
    assert received[-1]["dynamodb"]["Keys"]["pk"]["S"] == "sentinel"
    assert received[-1]["eventName"] == "REMOVE" and received[-1]["userIdentity"] == TTL_IDENTITY
    assert len(received) == 2


def test_the_runner_retries_a_record_as_often_as_the_deployed_event_source() -> None:
    """infra/stack.py sets MaximumRetryAttempts on the table stream's event source (infra reads
    `chalicelib.core.streams.MAX_RETRY_ATTEMPTS` or states the same number)."""
    assert STREAM_MAX_ATTEMPTS == 1 + MAX_RETRY_ATTEMPTS
    stack = (Path(__file__).parents[3] / "infra" / "stack.py").read_text()
    (setting,) = re.findall(r"MaximumRetryAttempts\", ([A-Za-z_.0-9]+)\)", stack)
    assert setting.endswith("MAX_RETRY_ATTEMPTS") or int(setting) == MAX_RETRY_ATTEMPTS
