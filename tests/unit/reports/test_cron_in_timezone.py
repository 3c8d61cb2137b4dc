"""The local event runner evaluates a recurring schedule's cron in its ScheduleExpressionTimezone, as
EventBridge Scheduler does (DST included)."""

from __future__ import annotations

from datetime import UTC, datetime

from chalicelib.reports.domain import ReportKind, ReportSchedule, cron_expression
from devstack.event_runner import next_cron_fire


def test_daily_report_fires_at_local_time() -> None:
    cron = cron_expression(ReportKind.DAILY, ReportSchedule(True, "07:30"))
    after = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
    assert next_cron_fire(cron, after, "Asia/Shanghai") == datetime(2026, 12, 7, 23, 30, tzinfo=UTC)
    assert next_cron_fire(cron, after, "UTC") == datetime(2026, 12, 8, 7, 30, tzinfo=UTC)


def test_weekly_report_fires_on_the_local_weekday() -> None:
    # ISO Monday 08:00 in Shanghai is Sunday 00:00 UTC.
    cron = cron_expression(ReportKind.WEEKLY, ReportSchedule(True, "08:00", weekday=1))
    after = datetime(2026, 12, 2, 0, 0, tzinfo=UTC)  # a Wednesday
    assert next_cron_fire(cron, after, "Asia/Shanghai") == datetime(2026, 12, 7, 0, 0, tzinfo=UTC)


def test_daylight_saving_keeps_local_time() -> None:
    cron = cron_expression(ReportKind.DAILY, ReportSchedule(True, "08:00"))
    # Berlin moves to summer time on 2026-03-29: 08:00 local is 07:00 UTC before, 06:00 UTC after.
    winter = next_cron_fire(cron, datetime(2026, 3, 28, 5, 0, tzinfo=UTC), "Europe/Berlin")
    summer = next_cron_fire(cron, winter, "Europe/Berlin")
    assert (winter, summer) == (datetime(2026, 3, 28, 7, 0, tzinfo=UTC), datetime(2026, 3, 29, 6, 0, tzinfo=UTC))
