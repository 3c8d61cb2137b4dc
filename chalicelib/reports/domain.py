"""Report settings, kinds and periods: plain values and pure rules (no AWS).

A daily report covers the merchant's previous local day; a weekly one the previous ISO week
(Monday to Sunday), both in the merchant's timezone. Each is compared with the period before it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from chalicelib.core.errors import ValidationError

TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class ReportKind(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"


@dataclass(frozen=True)
class ReportSchedule:
    enabled: bool = False
    time: str = "08:00"  # HH:MM in the merchant's timezone
    weekday: int = 1  # ISO: 1 Monday .. 7 Sunday (weekly only)

    def hour_minute(self) -> tuple[int, int]:
        match = TIME.match(self.time)
        if not match:
            raise ValidationError(f"'{self.time}' is not a time HH:MM.", field="time")
        return int(match.group(1)), int(match.group(2))


@dataclass(frozen=True)
class ReportSettings:
    merchant_id: str
    email: str | None = None
    daily: ReportSchedule = ReportSchedule()
    weekly: ReportSchedule = ReportSchedule()

    def schedule(self, kind: ReportKind) -> ReportSchedule:
        return self.daily if kind is ReportKind.DAILY else self.weekly

    def without(self, kind: ReportKind) -> ReportSettings:
        off = ReportSchedule(enabled=False, time=self.schedule(kind).time, weekday=self.schedule(kind).weekday)
        if kind is ReportKind.DAILY:
            return ReportSettings(self.merchant_id, self.email, off, self.weekly)
        return ReportSettings(self.merchant_id, self.email, self.daily, off)


@dataclass(frozen=True)
class Period:
    """Local dates, both inclusive."""

    kind: ReportKind
    start: date
    end: date

    @property
    def key(self) -> str:
        """What the sent marker is per: `2026-12-04` for a day, `2026-W49` for an ISO week."""
        if self.kind is ReportKind.DAILY:
            return self.start.isoformat()
        year, week, _ = self.start.isocalendar()
        return f"{year}-W{week:02d}"

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]

    def previous(self) -> Period:
        length = timedelta(days=(self.end - self.start).days + 1)
        return Period(self.kind, self.start - length, self.end - length)

    def label(self) -> str:
        if self.kind is ReportKind.DAILY:
            return self.start.isoformat()
        return f"{self.start.isoformat()} – {self.end.isoformat()}"


def period_containing(kind: ReportKind, day: date) -> Period:
    if kind is ReportKind.DAILY:
        return Period(kind, day, day)
    monday = day - timedelta(days=day.isoweekday() - 1)
    return Period(kind, monday, monday + timedelta(days=6))


def period_due(kind: ReportKind, now: datetime, timezone: str) -> Period:
    """The last complete period at `now` in the merchant's timezone: yesterday, or last week."""
    today = now.astimezone(ZoneInfo(timezone)).date()
    if kind is ReportKind.DAILY:
        return period_containing(kind, today - timedelta(days=1))
    return period_containing(kind, today - timedelta(days=today.isoweekday()))


def cron_expression(kind: ReportKind, schedule: ReportSchedule) -> str:
    """EventBridge Scheduler's cron (minutes hours day-of-month month day-of-week year), evaluated in
    the merchant's timezone (ScheduleExpressionTimezone). AWS counts day-of-week 1 = Sunday."""
    hour, minute = schedule.hour_minute()
    if kind is ReportKind.DAILY:
        return f"cron({minute} {hour} * * ? *)"
    return f"cron({minute} {hour} ? * {schedule.weekday % 7 + 1} *)"


def schedule_name(kind: ReportKind, merchant_id: str) -> str:
    return re.sub(r"[^0-9A-Za-z_.-]", "_", f"report-{kind.value}-{merchant_id}")[:64]


def change_ratio(value: int, previous: int) -> float | None:
    """Change vs the previous period (0.25 = +25 %); None when the previous period had nothing."""
    if previous == 0:
        return None
    return (value - previous) / previous
