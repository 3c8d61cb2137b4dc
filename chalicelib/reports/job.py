"""The report job: one message from the reports queue -> one email, at most once per period.

A scheduled message (no `reportId`) sends the last complete period's report, once per merchant,
kind and period however often the schedule fires: the sent marker is claimed by a conditional write
before the send and marked sent after it. A failed send gives the claim back and raises, so the
queue retries it and, after its last attempt, moves it to the DLQ (alarmed). A send-now message
carries its own `reportId`: a preview, sent once per request.

Ports only (no AWS), so it runs on fakes; the consumer wires the live ones."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from chalicelib.core.clock import to_iso
from chalicelib.core.observability import logger
from chalicelib.reports import mime, render
from chalicelib.reports.domain import Period, ReportKind, period_containing, period_due
from chalicelib.reports.ports import Mailer, PeriodFigures, ReportFigures, SentMarkers, SettingsStore

LEASE = timedelta(seconds=120)  # the queue's visibility timeout: a claim outlives no delivery


@dataclass(frozen=True)
class MerchantInfo:
    name: str
    timezone: str
    active: bool = True


@dataclass(frozen=True)
class JobPorts:
    settings: SettingsStore
    markers: SentMarkers
    figures: ReportFigures
    mailer: Mailer
    merchant: Callable[[str], MerchantInfo | None]
    charts: Callable[[PeriodFigures], dict[str, bytes]]
    unsubscribe_url: Callable[[str, ReportKind], str]
    sender: str


@dataclass(frozen=True)
class Outcome:
    status: str  # sent | skipped
    reason: str = ""
    message_id: str = ""
    period: Period | None = None


def run(ports: JobPorts, message: dict[str, Any], now: datetime) -> Outcome:
    merchant_id = str(message["merchantId"])
    kind = ReportKind(message["kind"])
    report_id = message.get("reportId")
    merchant = ports.merchant(merchant_id)
    if merchant is None or not merchant.active:
        return _skipped("merchant missing or suspended", merchant_id, kind)
    settings = ports.settings.get(merchant_id)
    if settings is None or not settings.email:
        return _skipped("no report email", merchant_id, kind)
    if report_id is None and not settings.schedule(kind).enabled:
        return _skipped("report disabled", merchant_id, kind)  # a schedule deleted after it fired
    day = message.get("date")
    period = period_containing(kind, date.fromisoformat(day)) if day else period_due(kind, now, merchant.timezone)
    marker = f"preview#{report_id}" if report_id else f"{kind.value}#{period.key}"
    token = uuid.uuid4().hex
    if not ports.markers.claim(merchant_id, marker, token, to_iso(now), to_iso(now + LEASE)):
        return _skipped("already sent or being sent", merchant_id, kind, period)
    try:
        raw = compose(ports, merchant_id, merchant.name, settings.email, period)
        message_id = ports.mailer.send_raw(settings.email, raw)
    except Exception:
        ports.markers.release(merchant_id, marker, token)
        raise
    ports.markers.mark_sent(merchant_id, marker, token, message_id, to_iso(now))
    logger.info("report sent", merchant_id=merchant_id, kind=kind.value, period=period.key, message_id=message_id)
    return Outcome("sent", message_id=message_id, period=period)


def compose(ports: JobPorts, merchant_id: str, merchant_name: str, to: str, period: Period) -> bytes:
    figures = ports.figures.figures(merchant_id, period)
    images = ports.charts(figures)
    cids = mime.content_ids(list(images))
    unsubscribe = ports.unsubscribe_url(merchant_id, period.kind)
    return mime.build(
        sender=ports.sender,
        to=to,
        subject=render.subject(merchant_name, period),
        text=render.text(figures, merchant_name, period, unsubscribe),
        html=render.html(figures, merchant_name, period, unsubscribe, {n: f"cid:{c}" for n, c in cids.items()}),
        images=images,
        cids=cids,
        csv_name=f"report-{period.kind.value}-{period.key}.csv",
        csv_data=render.csv_bytes(figures, period),
        unsubscribe_url=unsubscribe,
    )


def _skipped(reason: str, merchant_id: str, kind: ReportKind, period: Period | None = None) -> Outcome:
    logger.info("report skipped", merchant_id=merchant_id, kind=kind.value, reason=reason)
    return Outcome("skipped", reason=reason, period=period)
