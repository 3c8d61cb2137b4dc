"""Report settings use cases: who may change them, and each enabled report's recurring schedule.
Storage, the scheduler and the queue come in as ports."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from chalicelib.core.auth import Principal
from chalicelib.core.errors import NotFound
from chalicelib.reports.domain import ReportKind, ReportSettings, cron_expression
from chalicelib.reports.ports import JobQueue, Schedules, SettingsStore
from chalicelib.reports.signing import Unsubscribe


@dataclass(frozen=True)
class SettingsPorts:
    store: SettingsStore
    schedules: Schedules


def read_settings(ports: SettingsPorts, principal: Principal, merchant_id: str) -> ReportSettings:
    principal.ensure_admin_of(merchant_id)
    return ports.store.get(merchant_id) or ReportSettings(merchant_id=merchant_id)


def save_settings(
    ports: SettingsPorts, principal: Principal, settings: ReportSettings, timezone: str, now_iso: str
) -> ReportSettings:
    """Store the settings, then make the schedules match them: each enabled report has its cron
    schedule in the merchant's timezone, each disabled one none. Every step is idempotent, so a
    retried request converges."""
    principal.ensure_admin_of(settings.merchant_id)
    ports.store.put(settings, now_iso)
    sync_schedules(ports.schedules, settings, timezone)
    return settings


def sync_schedules(schedules: Schedules, settings: ReportSettings, timezone: str) -> None:
    for kind in ReportKind:
        schedule = settings.schedule(kind)
        if schedule.enabled and settings.email:
            schedules.put(settings.merchant_id, kind, cron_expression(kind, schedule), timezone)
        else:
            schedules.delete(settings.merchant_id, kind)


def unsubscribe(ports: SettingsPorts, request: Unsubscribe, now_iso: str) -> None:
    """The signed link's merchant and kind (the signature was checked): that report off, its schedule
    gone. Clicking twice changes nothing."""
    if ports.store.disable(request.merchant_id, request.kind, now_iso) is None:
        raise NotFound("These report settings no longer exist.", code="REPORT_SETTINGS_NOT_FOUND")
    ports.schedules.delete(request.merchant_id, request.kind)


def job_message(
    merchant_id: str, kind: ReportKind, *, report_id: str | None = None, day: date | None = None
) -> dict[str, object]:
    """What the queue carries to the report job; a schedule's message has no `reportId` (the job
    then sends the period's report once), a send-now has one (a preview, sent once per request)."""
    message: dict[str, object] = {"merchantId": merchant_id, "kind": kind.value}
    if report_id:
        message["reportId"] = report_id
    if day:
        message["date"] = day.isoformat()
    return message


def send_now(queue: JobQueue, principal: Principal, merchant_id: str, kind: ReportKind, day: date | None) -> str:
    principal.ensure_admin_of(merchant_id)
    report_id = uuid.uuid4().hex
    queue.send(job_message(merchant_id, kind, report_id=report_id, day=day))
    return report_id
