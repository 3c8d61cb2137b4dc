"""The local stack's TransactWriteItems rollback (devstack/local_aws.py) restores exactly what a
cancelled transaction changed, drops its stream records, and keeps no copy of the table behind."""

from __future__ import annotations

import gc
import os
from typing import Any

import boto3
import pytest


def _put(ddb: Any, table: str, pk: str, n: int) -> None:
    ddb.put_item(TableName=table, Item={"pk": {"S": pk}, "sk": {"S": "X"}, "n": {"N": str(n)}})


def _n(ddb: Any, table: str, pk: str) -> int | None:
    item = ddb.get_item(TableName=table, Key={"pk": {"S": pk}, "sk": {"S": "X"}}, ConsistentRead=True).get("Item")
    return int(item["n"]["N"]) if item else None


def _tables() -> list[Any]:
    from moto.dynamodb.models.table import Table

    return [o for o in gc.get_objects() if isinstance(o, Table)]


def test_a_cancelled_transaction_changes_nothing_and_copies_no_table(aws) -> None:
    ddb = boto3.client("dynamodb")
    table = os.environ["TABLE_NAME"]
    _put(ddb, table, "A", 1)
    _put(ddb, table, "B", 1)
    stream_arn = ddb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    streams = boto3.client("dynamodbstreams")
    shard = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=stream_arn, ShardId=shard, ShardIteratorType="LATEST")
    tables_before = len(_tables())

    for _ in range(20):
        with pytest.raises(ddb.exceptions.TransactionCanceledException):
            ddb.transact_write_items(
                TransactItems=[
                    {"Put": {"TableName": table, "Item": {"pk": {"S": "NEW"}, "sk": {"S": "X"}, "n": {"N": "9"}}}},
                    {
                        "Update": {
                            "TableName": table,
                            "Key": {"pk": {"S": "A"}, "sk": {"S": "X"}},
                            "UpdateExpression": "SET n = n + :one",
                            "ExpressionAttributeValues": {":one": {"N": "1"}},
                        }
                    },
                    {"Delete": {"TableName": table, "Key": {"pk": {"S": "B"}, "sk": {"S": "X"}}}},
                    {
                        "ConditionCheck": {
                            "TableName": table,
                            "Key": {"pk": {"S": "MISSING"}, "sk": {"S": "X"}},
                            "ConditionExpression": "attribute_exists(pk)",
                        }
                    },
                ]
            )

    assert (_n(ddb, table, "A"), _n(ddb, table, "B"), _n(ddb, table, "NEW")) == (1, 1, None)
    records = streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
    assert records == []  # the failed attempts' writes never reach the stream
    gc.collect()
    assert len(_tables()) <= tables_before  # no stranded table copies

    ddb.transact_write_items(
        TransactItems=[
            {
                "Update": {
                    "TableName": table,
                    "Key": {"pk": {"S": "A"}, "sk": {"S": "X"}},
                    "UpdateExpression": "SET n = n + :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}},
                }
            }
        ]
    )
    assert _n(ddb, table, "A") == 2
