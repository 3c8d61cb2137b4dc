"""The report job on fakes: once per period, retried after a failed send, previews, skips."""

from __future__ import annotations

import email
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from email.policy import default

import pytest

from chalicelib.reports import job
from chalicelib.reports.domain import ReportSchedule, ReportSettings
from tests.fakes.reports import InMemoryMarkers, InMemorySettings, KnownFigures, RecordingMailer

NOW = datetime(2026, 12, 4, 17, 0, tzinfo=UTC)  # 01:00 on Saturday Dec 5 in Shanghai


def _ports(settings: ReportSettings | None = None, *, active: bool = True) -> job.JobPorts:
    store = InMemorySettings()
    store.put(
        settings
        or ReportSettings(
            "m-1", "boss@example.com", ReportSchedule(True, "01:00"), ReportSchedule(True, "01:00", weekday=6)
        ),
        "t",
    )
    return job.JobPorts(
        settings=store,
        markers=InMemoryMarkers(),
        figures=KnownFigures(),
        mailer=RecordingMailer(),
        merchant=lambda merchant_id: job.MerchantInfo("Tea House", "Asia/Shanghai", active) if merchant_id else None,
        charts=lambda figures: {"revenue-by-day": b"\x89PNG-day", "traffic-by-hour": b"\x89PNG-hour"},
        unsubscribe_url=lambda merchant_id, kind: f"https://api.example.com/u?token={merchant_id}.{kind.value}",
        sender="reports@example.com",
    )


def _mailer(ports: job.JobPorts) -> RecordingMailer:
    assert isinstance(ports.mailer, RecordingMailer)
    return ports.mailer


def test_a_schedule_firing_twice_sends_once() -> None:
    ports = _ports()
    first = job.run(ports, {"merchantId": "m-1", "kind": "daily"}, NOW)
    second = job.run(ports, {"merchantId": "m-1", "kind": "daily"}, NOW + timedelta(minutes=5))
    assert (first.status, second.status) == ("sent", "skipped")
    assert first.period is not None and first.period.start == date(2026, 12, 4)
    assert len(_mailer(ports).sent) == 1
    # The next day is another period.
    assert job.run(ports, {"merchantId": "m-1", "kind": "daily"}, NOW + timedelta(days=1)).status == "sent"


def test_a_failed_send_is_given_back_so_the_retry_sends() -> None:
    ports = _ports()
    _mailer(ports).failures_left = 1
    with pytest.raises(ConnectionError):
        job.run(ports, {"merchantId": "m-1", "kind": "weekly"}, NOW)
    assert job.run(ports, {"merchantId": "m-1", "kind": "weekly"}, NOW).status == "sent"
    assert len(_mailer(ports).sent) == 1


def test_a_claim_whose_function_died_is_taken_over_after_its_lease() -> None:
    ports = _ports()
    marker = "daily#2026-12-04"
    assert ports.markers.claim("m-1", marker, "dead", "2026-12-04T17:00:00Z", "2026-12-04T17:02:00Z")
    assert job.run(ports, {"merchantId": "m-1", "kind": "daily"}, NOW + timedelta(seconds=60)).status == "skipped"
    assert job.run(ports, {"merchantId": "m-1", "kind": "daily"}, NOW + timedelta(seconds=180)).status == "sent"


def test_previews_each_send_and_name_their_day() -> None:
    ports = _ports()
    for report_id in ("r1", "r2"):
        outcome = job.run(
            ports, {"merchantId": "m-1", "kind": "weekly", "reportId": report_id, "date": "2026-11-18"}, NOW
        )
        assert outcome.status == "sent"
        assert outcome.period is not None and outcome.period.key == "2026-W47"
    assert len(_mailer(ports).sent) == 2
    # A preview does not use up the period's scheduled send.
    assert job.run(ports, {"merchantId": "m-1", "kind": "weekly"}, NOW).status == "sent"


@pytest.mark.parametrize(
    ("settings", "active", "reason"),
    [
        (ReportSettings("m-1", None, ReportSchedule(True)), True, "no report email"),
        (ReportSettings("m-1", "a@b.co", ReportSchedule(False)), True, "report disabled"),
        (ReportSettings("m-1", "a@b.co", ReportSchedule(True)), False, "merchant missing or suspended"),
    ],
)
def test_skips(settings: ReportSettings, active: bool, reason: str) -> None:
    ports = _ports(settings, active=active)
    outcome = job.run(ports, {"merchantId": "m-1", "kind": "daily"}, NOW)
    assert (outcome.status, outcome.reason) == ("skipped", reason)
    assert _mailer(ports).sent == []


def test_the_message_has_html_inline_charts_by_cid_text_and_csv() -> None:
    ports = _ports()
    job.run(ports, {"merchantId": "m-1", "kind": "daily"}, NOW)
    to, raw = _mailer(ports).sent[0]
    message = email.message_from_bytes(raw, policy=default)
    assert isinstance(message, EmailMessage)
    assert to == message["To"] == "boss@example.com"
    assert message["Subject"] == "Daily report · Tea House · 2026-12-04"
    assert message["List-Unsubscribe"] == "<https://api.example.com/u?token=m-1.daily>"
    html_part = message.get_body(preferencelist=("html",))
    assert html_part is not None
    html = html_part.get_content()
    images = [p for p in message.walk() if p.get_content_type() == "image/png"]
    assert sorted(bytes(p.get_content()) for p in images) == [b"\x89PNG-day", b"\x89PNG-hour"]
    for image in images:
        assert f"cid:{image['Content-ID'].strip('<>')}" in html
        assert image.get_content_disposition() == "inline"
    attachments = list(message.iter_attachments())
    csv_part = next(a for a in attachments if a.get_content_type() == "text/csv")
    assert csv_part.get_filename() == "report-daily-2026-12-04.csv"
    assert "key_figures,revenue,1234567,1000000" in csv_part.get_content()
    text = message.get_body(preferencelist=("plain",))
    assert text is not None and "Revenue: ¥12,345.67 (+23.5%)" in text.get_content()
