"""`RecordFailed` counts every record a consumer fails, including a batch where every record fails
(Powertools then raises instead of returning the partial response)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from chalicelib.core.batch import process_sqs_batch, process_stream_batch
from chalicelib.core.observability import metrics


@pytest.fixture
def recorded() -> Iterator[Any]:
    metrics.clear_metrics()

    def value(name: str) -> float:
        found = metrics.metric_set.get(name)
        return sum(found["Value"]) if found else 0

    yield value
    metrics.clear_metrics()


def _sqs_event(*bodies: str) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": f"m-{index}",
                "receiptHandle": f"r-{index}",
                "body": body,
                "attributes": {},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:ap-southeast-1:000000000000:q",
                "awsRegion": "ap-southeast-1",
            }
            for index, body in enumerate(bodies)
        ]
    }


def _fail_on_poison(message: dict[str, Any]) -> None:
    if message.get("poison"):
        raise ValueError("poison message")


def test_a_partly_failed_batch_counts_its_failed_records(recorded: Any) -> None:
    event = _sqs_event(json.dumps({"ok": 1}), json.dumps({"poison": 1}), "not json")
    response = process_sqs_batch(event, None, _fail_on_poison)
    assert [f["itemIdentifier"] for f in response["batchItemFailures"]] == ["m-1", "m-2"]
    assert recorded("RecordFailed") == 2


def test_a_batch_where_every_record_fails_still_counts_them(recorded: Any) -> None:
    event = _sqs_event(json.dumps({"poison": 1}), json.dumps({"poison": 2}), json.dumps({"poison": 3}))
    with pytest.raises(BatchProcessingError):
        process_sqs_batch(event, None, _fail_on_poison)
    assert recorded("RecordFailed") == 3


def test_a_stream_batch_where_every_record_fails_still_counts_them(recorded: Any) -> None:
    event = {
        "Records": [
            {
                "eventID": f"e-{index}",
                "eventName": "REMOVE",
                "eventSource": "aws:dynamodb",
                "dynamodb": {"SequenceNumber": str(100 + index), "Keys": {"pk": {"S": "x"}, "sk": {"S": "y"}}},
            }
            for index in range(2)
        ]
    }

    def always_fails(record: dict[str, Any]) -> None:
        raise RuntimeError("table unavailable")

    with pytest.raises(BatchProcessingError):
        process_stream_batch(event, None, always_fails)
    assert recorded("RecordFailed") == 2
