"""Delivers the events AWS would: SQS messages to the Chalice handlers bound to their queues,
due EventBridge Scheduler schedules to their targets (one-time `at(...)` and recurring `cron(...)`,
each in its ScheduleExpressionTimezone), `@app.schedule` rules, and the
table's stream records to the `@app.on_dynamodb_record` handler, including the REMOVE records of
TTL deletions, which this runner performs because moto stores `ttl` but never deletes. Stream
records pass the same filter infra puts on the event source (the areas' stream subscriptions), and
a failing one is retried as often as deployed, so local delivery matches deployed delivery.

The same handler code runs here as in Lambda, fed events of Lambda's exact shape. Time for
schedules and rules comes from an injectable clock, so tests can jump forward a day.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import boto3
from chalice import Chalice
from chalice.app import Cron, DynamoDBEventConfig, Rate, ScheduledEventConfig, SQSEventConfig
from chalice.local import LambdaContext
from croniter import croniter

from chalicelib.core.clock import Clock
from chalicelib.core.observability import logger
from chalicelib.core.streams import MAX_RETRY_ATTEMPTS, TTL_IDENTITY, StreamSubscription
from chalicelib.wiring import STREAM_SUBSCRIPTIONS

AT_EXPRESSION = re.compile(r"^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$")
RATE_EXPRESSION = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
# AWS marks the stream records of its own TTL deletions with this identity.
# AWS deletes expired items lazily (usually within minutes), so sweeping once a minute of the
# runner's clock is faithful, and keeps a Scan off most 0.5 s ticks of `make run`.
TTL_SWEEP_EVERY = timedelta(minutes=1)
# Lambda retries a failing stream batch from the failed record; here, as there, a record that fails
# its first delivery and every retry is logged and skipped.
STREAM_MAX_ATTEMPTS = 1 + MAX_RETRY_ATTEMPTS
_AWS_DOW = {"1": "0", "2": "1", "3": "2", "4": "3", "5": "4", "6": "5", "7": "6"}

T = TypeVar("T")


@dataclass
class QueueBinding:
    name: str
    queue_name: str
    batch_size: int
    handler: Callable[[dict[str, Any], Any], Any]
    url: str = ""
    arn: str = ""


@dataclass
class StreamBinding:
    name: str
    table_name: str
    batch_size: int
    starting_position: str
    handler: Callable[[dict[str, Any], Any], Any]
    stream_arn: str = ""
    key_attributes: list[str] = field(default_factory=list)
    ttl_attribute: str | None = None
    iterators: dict[str, str] = field(default_factory=dict)  # shard id -> next shard iterator
    backlog: list[dict[str, Any]] = field(default_factory=list)  # read, not yet handled successfully
    attempts: int = 0  # failed deliveries of the backlog's first record


@dataclass
class RuleBinding:
    name: str
    expression: str
    handler: Callable[[dict[str, Any], Any], Any]
    next_fire: datetime | None = None


def lambda_context(function_name: str) -> LambdaContext:
    context = LambdaContext(function_name=function_name, memory_size=512, max_runtime_ms=60_000)
    context.invoked_function_arn = f"arn:aws:lambda:local:000000000000:function:{function_name}"
    return context


def _aws_cron_to_croniter(expression: str) -> str:
    """cron(min hour dom month dow year) -> croniter's 5 fields (AWS counts Sunday as 1)."""
    fields = expression[len("cron(") : -1].split()
    minute, hour, dom, month, dow = (f.replace("?", "*") for f in fields[:5])
    dow = re.sub(r"\d", lambda m: _AWS_DOW.get(m.group(0), m.group(0)), dow)
    return f"{minute} {hour} {dom} {month} {dow}"


def next_fire_time(expression: str, after: datetime) -> datetime:
    match = RATE_EXPRESSION.match(expression)
    if match:
        value, unit = int(match.group(1)), match.group(2).rstrip("s")
        return after + timedelta(**{f"{unit}s": value})
    if expression.startswith("cron("):
        nxt = croniter(_aws_cron_to_croniter(expression), after.astimezone(UTC)).get_next(datetime)
        return nxt.replace(tzinfo=UTC) if nxt.tzinfo is None else nxt.astimezone(UTC)
    raise ValueError(f"unsupported schedule expression {expression!r}")


def next_cron_fire(expression: str, after: datetime, timezone: str | None) -> datetime:
    """The first occurrence of an EventBridge `cron(...)` after `after`, evaluated in the schedule's
    timezone (local wall-clock time, DST included), as UTC."""
    zone = ZoneInfo(timezone or "UTC")
    nxt = croniter(_aws_cron_to_croniter(expression), after.astimezone(zone)).get_next(datetime)
    return (nxt.replace(tzinfo=zone) if nxt.tzinfo is None else nxt).astimezone(UTC)


def stream_table_name(stream_arn: str) -> str:
    """`arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label>` -> `<name>`."""
    return stream_arn.split(":", 5)[5].split("/")[1]


def _key_id(table_name: str, keys: dict[str, Any]) -> str:
    return json.dumps([table_name, keys], sort_keys=True)


def schedule_due_time(schedule: dict[str, Any]) -> datetime | None:
    match = AT_EXPRESSION.match(schedule.get("ScheduleExpression", ""))
    if not match:
        return None
    zone = ZoneInfo(schedule.get("ScheduleExpressionTimezone") or "UTC")
    return datetime.fromisoformat(match.group(1)).replace(tzinfo=zone).astimezone(UTC)


class EventRunner:
    def __init__(
        self,
        app: Chalice,
        clock: Clock,
        scheduler_groups: list[str],
        region: str,
        stream_subscriptions: Sequence[StreamSubscription] = STREAM_SUBSCRIPTIONS,
    ) -> None:
        """`stream_subscriptions`: whose filter patterns a table stream record must match to reach
        the handler at all, as the event source's FilterCriteria in infra (the same subscriptions)."""
        self.app = app
        self.stream_subscriptions = tuple(stream_subscriptions)
        self.clock = clock
        self.region = region
        self.scheduler_groups = scheduler_groups
        self.sqs = boto3.client("sqs")
        self.scheduler = boto3.client("scheduler")
        self.sfn = boto3.client("stepfunctions")
        self.dynamodb = boto3.client("dynamodb")
        self.dynamodb_streams = boto3.client("dynamodbstreams")
        self._fired_schedules: set[tuple[str, str, str]] = set()
        # Recurring schedules fire for each occurrence since the previous check (at most once per check).
        self._schedules_checked_at: datetime | None = None
        self._last_ttl_sweep: datetime | None = None
        self._ttl_deleted: set[str] = set()  # keys this runner deleted as TTL would, until their record is read
        self.streams: list[StreamBinding] = []
        self.queues: list[QueueBinding] = []
        self.rules: list[RuleBinding] = []
        for source in app.event_sources:
            if isinstance(source, SQSEventConfig) and source.queue:
                self.queues.append(
                    QueueBinding(source.name, source.queue, source.batch_size, app.handler_map[source.name])
                )
            elif isinstance(source, DynamoDBEventConfig):
                self.streams.append(
                    StreamBinding(
                        source.name,
                        stream_table_name(source.stream_arn),
                        source.batch_size,
                        source.starting_position,
                        app.handler_map[source.name],
                    )
                )
            elif isinstance(source, ScheduledEventConfig):
                expression = source.schedule_expression
                text = expression.to_string() if isinstance(expression, Rate | Cron) else str(expression)
                self.rules.append(RuleBinding(source.name, text, app.handler_map[source.name]))
        for binding in self.queues:
            binding.url = self.sqs.get_queue_url(QueueName=binding.queue_name)["QueueUrl"]
            binding.arn = self.sqs.get_queue_attributes(QueueUrl=binding.url, AttributeNames=["QueueArn"])[
                "Attributes"
            ]["QueueArn"]
        for stream in self.streams:
            self._open_stream(stream)

    # --- DynamoDB streams and TTL ---------------------------------------------------------
    def _open_stream(self, binding: StreamBinding) -> None:
        """The table's current stream (the ARN in the decorator may be a placeholder, and tests
        re-create the table), read from the handler's starting position."""
        table = self.dynamodb.describe_table(TableName=binding.table_name)["Table"]
        binding.stream_arn = table["LatestStreamArn"]
        binding.key_attributes = [k["AttributeName"] for k in table["KeySchema"]]
        ttl = self.dynamodb.describe_time_to_live(TableName=binding.table_name)["TimeToLiveDescription"]
        binding.ttl_attribute = ttl.get("AttributeName") if ttl.get("TimeToLiveStatus") == "ENABLED" else None
        shards = self.dynamodb_streams.describe_stream(StreamArn=binding.stream_arn)["StreamDescription"]["Shards"]
        for shard in shards:
            binding.iterators[shard["ShardId"]] = self.dynamodb_streams.get_shard_iterator(
                StreamArn=binding.stream_arn, ShardId=shard["ShardId"], ShardIteratorType=binding.starting_position
            )["ShardIterator"]

    def sweep_ttl(self) -> int:
        """Delete what DynamoDB TTL would have deleted by the runner's clock (each stream-bound
        table). The deletes reach the stream like any other; `deliver_stream_records` marks their
        records as TTL's. A Scan is fine here: this stands in for AWS, not for our request path."""
        now = self.clock.now()
        if self._last_ttl_sweep is not None and now - self._last_ttl_sweep < TTL_SWEEP_EVERY:
            return 0
        self._last_ttl_sweep = now
        deleted = 0
        for binding in self.streams:
            if binding.ttl_attribute is None:
                continue
            names = {f"#k{i}": name for i, name in enumerate(binding.key_attributes)} | {"#ttl": binding.ttl_attribute}
            due = {":now": {"N": str(int(now.timestamp()))}}
            pages = self.dynamodb.get_paginator("scan").paginate(
                TableName=binding.table_name,
                FilterExpression="#ttl <= :now",
                ProjectionExpression=", ".join(n for n in names if n != "#ttl"),
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=due,
                ConsistentRead=True,
            )
            for item in (i for page in pages for i in page["Items"]):
                keys = {name: item[name] for name in binding.key_attributes}
                try:
                    self.dynamodb.delete_item(
                        TableName=binding.table_name,
                        Key=keys,
                        ConditionExpression="#ttl <= :now",
                        ExpressionAttributeNames={"#ttl": binding.ttl_attribute},
                        ExpressionAttributeValues=due,
                    )
                except self.dynamodb.exceptions.ConditionalCheckFailedException:
                    continue  # rewritten since the scan with a later ttl (or deleted by someone else)
                self._ttl_deleted.add(_key_id(binding.table_name, keys))
                deleted += 1
        return deleted

    def deliver_stream_records(self) -> int:
        """Read each bound stream's new records and invoke its handler with those that pass the
        filter, `batch_size` at a time and in order. A record the handler reports failed (or every
        record, if it raised) is retried from there on the next call, as Lambda does with
        ReportBatchItemFailures."""
        delivered = 0
        for binding in self.streams:
            for shard_id, iterator in list(binding.iterators.items()):
                while iterator:
                    page = self.dynamodb_streams.get_records(ShardIterator=iterator, Limit=1000)
                    records = [self._stream_record(binding, raw) for raw in page["Records"]]
                    binding.backlog += [r for r in records if self._passes_filter(r)]
                    iterator = page.get("NextShardIterator") or ""
                    binding.iterators[shard_id] = iterator
                    if not page["Records"]:
                        break
            while binding.backlog:
                batch = binding.backlog[: binding.batch_size]
                failed_at = self._invoke_stream_handler(binding, batch)
                delivered += len(batch) if failed_at is None else failed_at
                if failed_at is None:
                    del binding.backlog[: len(batch)]
                    binding.attempts = 0
                    continue
                del binding.backlog[:failed_at]
                binding.attempts = binding.attempts + 1 if failed_at == 0 else 1
                if binding.attempts >= STREAM_MAX_ATTEMPTS:
                    skipped = binding.backlog.pop(0)
                    binding.attempts = 0
                    logger.error(
                        "stream record failed every delivery; skipped",
                        handler=binding.name,
                        sequence_number=skipped["dynamodb"]["SequenceNumber"],
                    )
                break  # retry on the next call, as Lambda retries the shard from the failed record
        return delivered

    def _passes_filter(self, record: dict[str, Any]) -> bool:
        """Lambda drops a record no filter pattern matches before invoking anything (and counts it
        as processed)."""
        return any(subscription.matches(record) for subscription in self.stream_subscriptions)

    def _invoke_stream_handler(self, binding: StreamBinding, batch: list[dict[str, Any]]) -> int | None:
        """None if the whole batch succeeded, else the index of the first failed record."""
        try:
            result = binding.handler({"Records": batch}, lambda_context(binding.name))
        except Exception:
            logger.exception("stream handler raised; the batch will be retried", handler=binding.name)
            return 0
        failures = (result or {}).get("batchItemFailures", []) if isinstance(result, dict) else []
        failed = {f["itemIdentifier"] for f in failures}
        return next((i for i, r in enumerate(batch) if r["dynamodb"]["SequenceNumber"] in failed), None)

    def _stream_record(self, binding: StreamBinding, raw: dict[str, Any]) -> dict[str, Any]:
        """A DynamoDB Streams record as Lambda delivers it (epoch creation time, the stream ARN, and
        for TTL deletions the service identity)."""
        change = dict(raw["dynamodb"])
        created = change.get("ApproximateCreationDateTime")
        if isinstance(created, datetime):
            change["ApproximateCreationDateTime"] = int(created.timestamp())
        record: dict[str, Any] = {
            "eventID": raw["eventID"],
            "eventName": raw["eventName"],
            "eventVersion": "1.1",
            "eventSource": "aws:dynamodb",
            "awsRegion": self.region,
            "dynamodb": change,
            "eventSourceARN": binding.stream_arn,
        }
        key_id = _key_id(binding.table_name, change.get("Keys", {}))
        if raw["eventName"] == "REMOVE" and key_id in self._ttl_deleted:
            self._ttl_deleted.discard(key_id)
            record["userIdentity"] = dict(TTL_IDENTITY)
        return record

    # --- SQS ------------------------------------------------------------------------------
    def poll_queue(self, binding: QueueBinding) -> int:
        """One Lambda invocation's worth: receive a batch, invoke, delete what succeeded."""
        messages = self.sqs.receive_message(
            QueueUrl=binding.url,
            MaxNumberOfMessages=min(binding.batch_size, 10),
            WaitTimeSeconds=0,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return 0
        event = {"Records": [self._sqs_record(m, binding.arn) for m in messages]}
        failed: set[str]
        try:
            result = binding.handler(event, lambda_context(binding.name))
            failures = (result or {}).get("batchItemFailures", []) if isinstance(result, dict) else []
            failed = {f["itemIdentifier"] for f in failures}
        except Exception:
            logger.exception("SQS handler raised; the whole batch returns to the queue", handler=binding.name)
            failed = {m["MessageId"] for m in messages}
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            self.sqs.delete_message_batch(
                QueueUrl=binding.url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
            )
        for message in messages:
            if message["MessageId"] in failed:
                # Back on the queue now rather than after the visibility timeout: fast local retries.
                # moto moves it to the DLQ once its receive count passes maxReceiveCount.
                self.sqs.change_message_visibility(
                    QueueUrl=binding.url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
                )
        return len(messages)

    def _sqs_record(self, message: dict[str, Any], arn: str) -> dict[str, Any]:
        attributes = {
            name: {
                "stringValue": value.get("StringValue"),
                "binaryValue": value.get("BinaryValue"),
                "stringListValues": [],
                "binaryListValues": [],
                "dataType": value["DataType"],
            }
            for name, value in message.get("MessageAttributes", {}).items()
        }
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": message.get("Attributes", {}),
            "messageAttributes": attributes,
            "md5OfBody": message.get("MD5OfBody", ""),
            "eventSource": "aws:sqs",
            "eventSourceARN": arn,
            "awsRegion": self.region,
        }

    def drain_queues(self, max_batches: int = 200) -> int:
        """Invoke handlers until every bound queue is empty (or the batch cap is reached)."""
        total = 0
        for _ in range(max_batches):
            delivered = sum(self.poll_queue(b) for b in self.queues)
            total += delivered
            if delivered == 0:
                break
        return total

    # --- EventBridge Scheduler ------------------------------------------------------------
    def deliver_due_schedules(self) -> int:
        now = self.clock.now()
        since, self._schedules_checked_at = self._schedules_checked_at or now, now
        delivered = 0
        for group in self.scheduler_groups:
            paginator = self.scheduler.get_paginator("list_schedules")
            names = [s["Name"] for page in paginator.paginate(GroupName=group) for s in page["Schedules"]]
            for name in names:
                try:
                    schedule = self.scheduler.get_schedule(Name=name, GroupName=group)
                except self.scheduler.exceptions.ResourceNotFoundException:
                    continue  # deleted since listed (e.g. a cancelled reminder)
                if schedule.get("ScheduleExpression", "").startswith("cron("):
                    delivered += self._deliver_recurring(schedule, since, now)
                    continue
                due = schedule_due_time(schedule)
                marker = (group, name, schedule.get("ScheduleExpression", ""))
                if due is None or due > now or marker in self._fired_schedules:
                    continue
                if schedule.get("State", "ENABLED") != "ENABLED":
                    continue
                self._deliver_target(schedule["Target"])
                delivered += 1
                if schedule.get("ActionAfterCompletion") == "DELETE":
                    self.scheduler.delete_schedule(Name=name, GroupName=group)
                else:
                    self._fired_schedules.add(marker)
        return delivered

    def _deliver_recurring(self, schedule: dict[str, Any], since: datetime, now: datetime) -> int:
        """A cron schedule whose next occurrence after the previous check has come: delivered once
        (a clock that jumped over several occurrences catches up with one delivery)."""
        if schedule.get("State", "ENABLED") != "ENABLED" or since >= now:
            return 0
        nxt = next_cron_fire(schedule["ScheduleExpression"], since, schedule.get("ScheduleExpressionTimezone"))
        if nxt > now:
            return 0
        self._deliver_target(schedule["Target"])
        return 1

    def _deliver_target(self, target: dict[str, Any]) -> None:
        arn: str = target["Arn"]
        payload = target.get("Input") or "{}"
        if arn.startswith("arn:aws:sqs:"):
            queue_name = arn.rsplit(":", 1)[1]
            url = self.sqs.get_queue_url(QueueName=queue_name)["QueueUrl"]
            self.sqs.send_message(QueueUrl=url, MessageBody=payload)
        elif arn.startswith("arn:aws:lambda:"):
            function = arn.split(":function:", 1)[1].split(":", 1)[0]
            handler_name = next((n for n in self.app.handler_map if function == n or function.endswith(f"-{n}")), None)
            if handler_name is None:
                raise LookupError(f"no local handler for {arn}")
            self.app.handler_map[handler_name](json.loads(payload), lambda_context(handler_name))
        elif arn.startswith("arn:aws:states:"):
            self.sfn.start_execution(stateMachineArn=arn, input=payload, name=str(uuid.uuid4()))
        elif arn == "arn:aws:scheduler:::aws-sdk:sfn:startExecution":
            params = json.loads(payload)
            params.setdefault("Name", str(uuid.uuid4()))
            self.sfn.start_execution(
                stateMachineArn=params["StateMachineArn"], input=params.get("Input", "{}"), name=params["Name"]
            )
        else:
            raise LookupError(f"unsupported schedule target {arn}")

    # --- @app.schedule rules --------------------------------------------------------------
    def fire_due_rules(self) -> int:
        now = self.clock.now()
        fired = 0
        for rule in self.rules:
            if rule.next_fire is None:
                rule.next_fire = next_fire_time(rule.expression, now)
                continue
            if rule.next_fire <= now:
                rule.handler(self._scheduled_event(rule, now), lambda_context(rule.name))
                rule.next_fire = next_fire_time(rule.expression, now)
                fired += 1
        return fired

    def _scheduled_event(self, rule: RuleBinding, now: datetime) -> dict[str, Any]:
        return {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": "000000000000",
            "time": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": self.region,
            "resources": [f"arn:aws:events:{self.region}:000000000000:rule/{rule.name}"],
            "detail": {},
        }

    # --- loop -----------------------------------------------------------------------------
    def run_until(self, done: Callable[[], T], seconds: float = 30) -> T:
        """Tick until `done()` returns something truthy, in real time: Step Functions executions and
        WeChat callbacks run on their own threads, so a test waits for them rather than sleeping."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.tick()
            result = done()
            if result:
                return result
            time.sleep(0.1)
        raise AssertionError("condition not reached in time")

    def tick(self, streams: bool = True) -> int:
        delivered = 0
        if streams:
            self.sweep_ttl()
            delivered += self.deliver_stream_records()
        return delivered + self.deliver_due_schedules() + self.fire_due_rules() + self.drain_queues(max_batches=20)

    def run(self, stop: threading.Event, interval: float = 0.5, stream_interval: float = 2.0) -> None:
        """Ticks every `interval`; streams every `stream_interval` (moto keeps every shard
        iterator it hands out, so reading the stream on each 0.5 s tick would grow it all day)."""
        last_streams = float("-inf")
        while not stop.is_set():
            streams = time.monotonic() - last_streams >= stream_interval
            if streams:
                last_streams = time.monotonic()
            try:
                self.tick(streams=streams)
            except Exception:
                logger.exception("event runner tick failed")
            stop.wait(interval)
