"""Scheduled report emails end to end on moto server: settings -> a recurring EventBridge Scheduler
schedule in the merchant's timezone -> the local event runner fires it at local time -> the reports
queue -> the report function -> SES raw email, once per period; send-now; the signed unsubscribe link;
a failing job retried then dead-lettered."""

from __future__ import annotations

import email
import json
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import default
from typing import Any
from urllib.parse import parse_qs, urlparse

import boto3
import pytest

from chalicelib.core.clock import ManualClock, use_clock
from chalicelib.reports import consumer
from chalicelib.reports.adapters import NotWiredFigures
from chalicelib.reports.area import REPORTS_QUEUE
from devstack.demo_data import MERCHANT_ID
from devstack.event_runner import EventRunner
from devstack.stack import REGION
from tests.conftest import post_json
from tests.fakes.reports import KnownFigures

# Monday 2026-12-07 23:00 UTC = Tuesday 2026-12-08 07:00 in Shanghai (the demo merchant's timezone).
START = datetime(2026, 12, 7, 23, 0, tzinfo=UTC)
BOSS = "boss@tea.example.com"
SETTINGS = {
    "email": BOSS,
    "daily": {"enabled": True, "time": "07:30"},
    "weekly": {"enabled": True, "weekday": 2, "time": "07:45"},
}


@pytest.fixture
def clock() -> Iterator[ManualClock]:
    manual = ManualClock(START)
    previous = use_clock(manual)
    yield manual
    use_clock(previous)


@pytest.fixture
def figures() -> Iterator[KnownFigures]:
    known = KnownFigures()
    previous = consumer.use_figures(known)
    yield known
    consumer.use_figures(previous)


@pytest.fixture
def runner(seeded: Any, clock: ManualClock) -> EventRunner:
    from app import app

    return EventRunner(app, clock, [seeded.scheduler_group], REGION)


def _admin(login: Any) -> dict[str, str]:
    headers: dict[str, str] = login(f"demo-admin#{uuid.uuid4().hex}")
    return headers


def _mails(local_aws: Any) -> list[EmailMessage]:
    """The raw emails moto's SES holds for the report address (`make run`: GET /moto-api/data.json)."""
    with urllib.request.urlopen(f"{local_aws.endpoint}/moto-api/data.json") as response:
        found = json.load(response).get("ses", {}).get("RawMessage", [])
    groups = found.values() if isinstance(found, dict) else [found]
    messages = []
    for sent in (m for group in groups for m in (group if isinstance(group, list) else [group])):
        if BOSS in sent.get("destinations", []):
            message = email.message_from_string(sent["raw_data"], policy=default)
            assert isinstance(message, EmailMessage)
            messages.append(message)
    return messages


def test_schedule_fires_at_local_time_once_per_period_and_unsubscribe_stops_it(
    seeded: Any, local_aws: Any, client: Any, login: Any, runner: EventRunner, clock: ManualClock, figures: Any
) -> None:
    admin = _admin(login)
    put = post_json(client, "/api/merchant/report-settings", SETTINGS, admin, method="PUT")
    assert put.status_code == 200, put.json_body
    assert client.http.get("/api/merchant/report-settings", headers=admin).json_body == SETTINGS
    scheduler = boto3.client("scheduler")
    daily = scheduler.get_schedule(Name=f"report-daily-{MERCHANT_ID}", GroupName=seeded.scheduler_group)
    assert (daily["ScheduleExpression"], daily["ScheduleExpressionTimezone"]) == ("cron(30 7 * * ? *)", "Asia/Shanghai")
    weekly = scheduler.get_schedule(Name=f"report-weekly-{MERCHANT_ID}", GroupName=seeded.scheduler_group)
    assert weekly["ScheduleExpression"] == "cron(45 7 ? * 3 *)"  # ISO Tuesday = AWS 3
    assert weekly["Target"]["Arn"] == seeded.queue_arns[REPORTS_QUEUE.suffix]

    runner.tick()
    clock.advance(timedelta(minutes=29))  # 07:29 in Shanghai
    runner.tick()
    assert _mails(local_aws) == []
    clock.advance(timedelta(minutes=1))  # 07:30 in Shanghai, 23:30 UTC
    runner.tick()
    (daily_mail,) = _mails(local_aws)
    assert daily_mail["Subject"].startswith("Daily report · ")
    assert daily_mail["Subject"].endswith(" · 2026-12-07")  # yesterday, local
    assert figures.asked[-1][0] == MERCHANT_ID

    # The schedule fires twice (EventBridge delivers at least once): the period is sent once.
    sqs = boto3.client("sqs")
    sqs.send_message(QueueUrl=seeded.queue_urls[REPORTS_QUEUE.suffix], MessageBody=daily["Target"]["Input"])
    runner.tick()
    assert len(_mails(local_aws)) == 1

    clock.advance(timedelta(minutes=15))  # 07:45 on Tuesday: the weekly report, last ISO week
    runner.tick()
    subjects = sorted(m["Subject"] for m in _mails(local_aws))
    assert subjects[1].startswith("Weekly report") and subjects[1].endswith("2026-11-30 – 2026-12-06")

    # The signed link in the email turns the daily report off and deletes its schedule.
    link = daily_mail["List-Unsubscribe"].strip("<>")
    token = parse_qs(urlparse(link).query)["token"][0]
    answer = client.http.get(f"/api/merchant/reports/unsubscribe?token={token}")
    assert (answer.status_code, answer.json_body) == (200, {"unsubscribed": "daily"})
    assert client.http.get("/api/merchant/report-settings", headers=admin).json_body["daily"]["enabled"] is False
    with pytest.raises(scheduler.exceptions.ResourceNotFoundException):
        scheduler.get_schedule(Name=f"report-daily-{MERCHANT_ID}", GroupName=seeded.scheduler_group)
    clock.advance(timedelta(days=1))
    runner.tick()
    assert len(_mails(local_aws)) == 2  # no daily report any more

    bad = client.http.get(f"/api/merchant/reports/unsubscribe?token={token[:-2]}xx")
    assert (bad.status_code, bad.json_body["error"]["code"]) == (403, "BAD_SIGNATURE")
    malformed = client.http.get("/api/merchant/reports/unsubscribe?token=nonsense")
    assert malformed.status_code == 400


def test_send_now_mails_the_report_with_charts_and_csv(
    seeded: Any, local_aws: Any, client: Any, login: Any, runner: EventRunner, figures: Any
) -> None:
    admin = _admin(login)
    assert post_json(client, "/api/merchant/report-settings", SETTINGS, admin, method="PUT").status_code == 200
    answer = post_json(client, "/api/merchant/reports/send-now", {"period": "weekly", "date": "2026-11-18"}, admin)
    assert answer.status_code == 202 and answer.json_body["reportId"]
    runner.drain_queues()
    (mail,) = _mails(local_aws)
    assert mail["Subject"].endswith("2026-11-16 – 2026-11-22")
    html_part = mail.get_body(preferencelist=("html",))
    assert html_part is not None
    html = html_part.get_content()
    images = [p for p in mail.walk() if p.get_content_type() == "image/png"]
    assert len(images) == 2
    for image in images:
        assert bytes(image.get_content()).startswith(b"\x89PNG\r\n")  # real PNGs from the report function
        assert f"cid:{image['Content-ID'].strip('<>')}" in html
    (csv_part,) = [a for a in mail.iter_attachments() if a.get_content_type() == "text/csv"]
    assert "key_figures,revenue,1234567,1000000" in csv_part.get_content()


def test_send_now_is_the_admins_only(seeded: Any, client: Any, login: Any) -> None:
    customer = login()
    for method, path, body in (
        ("POST", "/api/merchant/reports/send-now", {"period": "daily"}),
        ("PUT", "/api/merchant/report-settings", SETTINGS),
    ):
        assert post_json(client, path, body, customer, method=method).status_code == 403
    assert client.http.get("/api/merchant/report-settings", headers=customer).status_code == 403
    assert client.http.get("/api/merchant/report-settings").status_code == 401


def test_a_job_that_keeps_failing_is_retried_then_dead_lettered(
    seeded: Any, local_aws: Any, client: Any, login: Any, runner: EventRunner
) -> None:
    previous = consumer.use_figures(NotWiredFigures())
    try:
        admin = _admin(login)
        assert post_json(client, "/api/merchant/report-settings", SETTINGS, admin, method="PUT").status_code == 200
        assert post_json(client, "/api/merchant/reports/send-now", {"period": "daily"}, admin).status_code == 202
        runner.drain_queues()
    finally:
        consumer.use_figures(previous)
    assert _mails(local_aws) == []
    sqs = boto3.client("sqs")
    dead = sqs.receive_message(QueueUrl=seeded.dlq_urls[REPORTS_QUEUE.suffix], MaxNumberOfMessages=10)["Messages"]
    assert [json.loads(m["Body"])["kind"] for m in dead] == ["daily"]


def test_a_suspended_merchants_schedules_send_nothing_until_it_is_resumed(
    seeded: Any, local_aws: Any, client: Any, login: Any, runner: EventRunner, clock: ManualClock, figures: Any
) -> None:
    """Suspension stops the merchant's report emails where they are sent: the job reads the merchant
    and skips a suspended one, so a schedule that fires (or a message already queued) sends nothing."""
    admin = _admin(login)
    assert post_json(client, "/api/merchant/report-settings", SETTINGS, admin, method="PUT").status_code == 200
    platform = login(f"demo-platform#{uuid.uuid4().hex}")
    suspend = post_json(client, f"/api/platform/merchants/{MERCHANT_ID}/suspend", {}, platform)
    assert suspend.status_code == 200, suspend.json_body
    runner.tick()
    clock.advance(timedelta(minutes=50))  # 07:50 on Tuesday in Shanghai: the daily and the weekly fired
    runner.tick()
    assert _mails(local_aws) == []
    now = post_json(client, "/api/merchant/reports/send-now", {"period": "daily"}, admin)
    assert (now.status_code, now.json_body["error"]["code"]) == (403, "MERCHANT_SUSPENDED")

    assert post_json(client, f"/api/platform/merchants/{MERCHANT_ID}/resume", {}, platform).status_code == 200
    clock.advance(timedelta(days=1))  # Wednesday 07:50: the daily report fired again, and is sent
    runner.tick()
    (daily_mail,) = _mails(local_aws)
    assert daily_mail["Subject"].startswith("Daily report · ") and daily_mail["Subject"].endswith(" · 2026-12-08")
