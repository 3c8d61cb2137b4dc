"""The reports ports on AWS: EventBridge Scheduler, SQS, SES, Secrets Manager, the merchants area.

The figures port is not wired yet: the analytics area publishes the counters the report reads, and
its adapter lands with it. Until then `NotWiredFigures` fails the job loudly (the message is retried,
then kept in the DLQ) instead of mailing invented numbers."""

from __future__ import annotations

import contextlib
import json
from urllib.parse import quote

from chalicelib.core import aws
from chalicelib.core.config import env, provisioned, queue_arn, queue_url, settings
from chalicelib.core.runtime_secrets import secret_fields
from chalicelib.reports import signing
from chalicelib.reports.area import REPORTS_QUEUE, REPORTS_SECRET
from chalicelib.reports.domain import Period, ReportKind, schedule_name
from chalicelib.reports.ports import PeriodFigures
from chalicelib.reports.service import job_message

UNSUBSCRIBE_PATH = "/api/merchant/reports/unsubscribe"


class NotWiredFigures:
    def figures(self, merchant_id: str, period: Period) -> PeriodFigures:
        raise RuntimeError(
            "report figures are not wired: the analytics area's adapter is missing "
            "(chalicelib/reports/adapters.py); the report job cannot run without it"
        )


class EventBridgeSchedules:
    """One recurring schedule per merchant and kind, in the stack's schedule group, delivering the
    job's message to the reports queue in the merchant's timezone."""

    def put(self, merchant_id: str, kind: ReportKind, cron: str, timezone: str) -> None:
        params = {
            "Name": schedule_name(kind, merchant_id),
            "GroupName": provisioned("SCHEDULER_GROUP"),
            "ScheduleExpression": cron,
            "ScheduleExpressionTimezone": timezone,
            "FlexibleTimeWindow": {"Mode": "OFF"},
            "Target": {
                "Arn": queue_arn(REPORTS_QUEUE.suffix),
                "RoleArn": provisioned("SCHEDULER_ROLE_ARN"),
                "Input": json.dumps(job_message(merchant_id, kind)),
            },
        }
        scheduler = aws.client("scheduler")
        try:
            scheduler.create_schedule(**params)
        except scheduler.exceptions.ConflictException:
            scheduler.update_schedule(**params)

    def delete(self, merchant_id: str, kind: ReportKind) -> None:
        scheduler = aws.client("scheduler")
        with contextlib.suppress(scheduler.exceptions.ResourceNotFoundException):
            scheduler.delete_schedule(Name=schedule_name(kind, merchant_id), GroupName=provisioned("SCHEDULER_GROUP"))


class ReportsQueue:
    def send(self, message: dict[str, object]) -> None:
        aws.client("sqs").send_message(QueueUrl=queue_url(REPORTS_QUEUE.suffix), MessageBody=json.dumps(message))


class SesMailer:
    def send_raw(self, to: str, raw: bytes) -> str:
        sender = settings().ses_sender
        if not sender:
            raise RuntimeError("SES_SENDER is not set: this stage sends no email")
        answer = aws.client("ses").send_raw_email(Source=sender, Destinations=[to], RawMessage={"Data": raw})
        return str(answer["MessageId"])


def unsubscribe_key() -> str:
    return secret_fields(REPORTS_SECRET)["unsubscribeKey"]


def unsubscribe_url(merchant_id: str, kind: ReportKind) -> str:
    """The signed link; `PUBLIC_API_BASE` is the stage's public API address (empty: a relative link)."""
    token = signing.sign(unsubscribe_key(), merchant_id, kind)
    return f"{env('PUBLIC_API_BASE', '').rstrip('/')}{UNSUBSCRIBE_PATH}?token={quote(token)}"
