"""Consumers trace their DynamoDB and WeChat calls as X-Ray subsegments, under one subsegment per record.

Runs the notifications consumer in a fresh process that looks like Lambda to the X-Ray SDK (tracing
patches botocore and http.client process-wide), against this session's moto server and sandbox,
with an emitter that keeps what would go to the X-Ray daemon."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]

SCRIPT = r"""
import json, os, sys
from datetime import UTC, datetime

from aws_xray_sdk.core import xray_recorder

sent = []

class KeepingEmitter:
    ip, port = "127.0.0.1", 2000

    def send_entity(self, entity):
        sent.append(entity.to_dict())

    def set_daemon_address(self, address):
        pass

xray_recorder.configure(emitter=KeepingEmitter())

from chalicelib.identity.models import IdentityStore

IdentityStore().create_user("u-traced", "openid-traced", "", datetime.now(UTC))

import app
from devstack.event_runner import lambda_context

message = {"id": "n-traced", "user_id": "u-traced", "kind": "appointment_reminder", "title": "t",
           "body": "b", "data": {}, "channels": ["wechat"]}
event = {"Records": [{"messageId": "m-traced", "receiptHandle": "r", "body": json.dumps(message),
                      "attributes": {}, "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
                      "eventSourceARN": "arn:aws:sqs:ap-southeast-1:000000000000:o2o-local-notifications",
                      "awsRegion": "ap-southeast-1"}]}
result = app.notifications_consumer(event, lambda_context("notifications_consumer"))
print(json.dumps({"result": result, "sent": sent, "api_modules": "aws_xray_sdk" in sys.modules}))
"""


def _entities(sent: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every subsegment emitted, nested or streamed on its own (the SDK streams them as they close)."""
    found: list[dict[str, Any]] = []
    pending = list(sent)
    while pending:
        entity = pending.pop()
        found.append(entity)
        for child in entity.get("subsegments", []):
            pending.append({**child, "parent_id": entity["id"]})
    return found


def _ancestors(entity: dict[str, Any], by_id: dict[str, dict[str, Any]]) -> list[str]:
    names: list[str] = []
    while entity.get("parent_id") in by_id:
        entity = by_id[entity["parent_id"]]
        names.append(entity["name"])
    return names


def test_a_consumer_traces_dynamodb_and_wechat_calls_per_record(aws: Any, sandbox: Any) -> None:
    env = dict(os.environ)
    env.update(
        {
            "LAMBDA_TASK_ROOT": str(ROOT),
            "AWS_LAMBDA_FUNCTION_NAME": "notifications_consumer",
            "_X_AMZN_TRACE_ID": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
            "POWERTOOLS_TRACE_DISABLED": "false",
        }
    )
    output = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert output.returncode == 0, output.stderr
    report = json.loads(output.stdout.strip().splitlines()[-1])
    assert report["result"] == {"batchItemFailures": []}
    assert len(sandbox.messages.messages("openid-traced")) == 1

    entities = _entities(report["sent"])
    by_id = {e["id"]: e for e in entities}
    records = [e for e in entities if e["name"] == "## record"]
    assert [r["annotations"] for r in records] == [{"record_id": "m-traced"}]
    dynamodb = [e for e in entities if e["name"] == "dynamodb"]
    wechat = [
        e
        for e in entities
        if e.get("namespace") == "remote" and sandbox.base_url in e.get("http", {}).get("request", {}).get("url", "")
    ]
    assert dynamodb and all(e["namespace"] == "aws" for e in dynamodb)
    assert all("## record" in _ancestors(e, by_id) for e in dynamodb + wechat)
    operations = {e["aws"]["operation"] for e in dynamodb}
    assert {"TransactWriteItems", "GetItem"} <= operations, operations
    paths = {e["http"]["request"]["url"].split("?")[0].removeprefix(sandbox.base_url) for e in wechat}
    assert "/cgi-bin/message/subscribe/send" in paths, paths
    # The access token in WeChat's URLs stays out of traces.
    assert all("access_token" not in json.dumps(e) for e in wechat)
