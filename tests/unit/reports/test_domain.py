"""Periods in the merchant's timezone, schedule expressions, unsubscribe signatures."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from chalicelib.core.errors import Forbidden, ValidationError
from chalicelib.reports import signing
from chalicelib.reports.domain import (
    Period,
    ReportKind,
    ReportSchedule,
    change_ratio,
    cron_expression,
    period_containing,
    period_due,
    schedule_name,
)

SHANGHAI = "Asia/Shanghai"


def test_daily_period_is_the_previous_local_day() -> None:
    # 2026-12-04 17:30 UTC is already 2026-12-05 01:30 in Shanghai: yesterday there is the 4th.
    period = period_due(ReportKind.DAILY, datetime(2026, 12, 4, 17, 30, tzinfo=UTC), SHANGHAI)
    assert (period.start, period.end, period.key) == (date(2026, 12, 4), date(2026, 12, 4), "2026-12-04")
    # The same instant in UTC is still the 4th: yesterday is the 3rd.
    assert period_due(ReportKind.DAILY, datetime(2026, 12, 4, 17, 30, tzinfo=UTC), "UTC").start == date(2026, 12, 3)


def test_weekly_period_is_the_previous_iso_week_in_local_time() -> None:
    # Sunday 2026-12-06 16:05 UTC = Monday 2026-12-07 00:05 in Shanghai: last week is Nov 30 .. Dec 6.
    period = period_due(ReportKind.WEEKLY, datetime(2026, 12, 6, 16, 5, tzinfo=UTC), SHANGHAI)
    assert (period.start, period.end, period.key) == (date(2026, 11, 30), date(2026, 12, 6), "2026-W49")
    # In UTC it is still Sunday: the week before that.
    assert period_due(ReportKind.WEEKLY, datetime(2026, 12, 6, 16, 5, tzinfo=UTC), "UTC").start == date(2026, 11, 23)


def test_period_containing_and_previous() -> None:
    week = period_containing(ReportKind.WEEKLY, date(2026, 12, 3))  # a Thursday
    assert (week.start, week.end) == (date(2026, 11, 30), date(2026, 12, 6))
    assert len(week.days) == 7
    assert week.previous() == Period(ReportKind.WEEKLY, date(2026, 11, 23), date(2026, 11, 29))
    day = period_containing(ReportKind.DAILY, date(2027, 1, 1))
    assert day.previous().start == date(2026, 12, 31)
    # ISO week-year at the turn of the year: 2027-01-01 is a Friday of 2026-W53.
    assert period_containing(ReportKind.WEEKLY, date(2027, 1, 1)).key == "2026-W53"


@pytest.mark.parametrize(
    ("kind", "schedule", "expected"),
    [
        (ReportKind.DAILY, ReportSchedule(True, "08:30"), "cron(30 8 * * ? *)"),
        (ReportKind.DAILY, ReportSchedule(True, "00:00"), "cron(0 0 * * ? *)"),
        # ISO Monday (1) is AWS's 2; ISO Sunday (7) is AWS's 1.
        (ReportKind.WEEKLY, ReportSchedule(True, "09:05", weekday=1), "cron(5 9 ? * 2 *)"),
        (ReportKind.WEEKLY, ReportSchedule(True, "23:59", weekday=7), "cron(59 23 ? * 1 *)"),
        (ReportKind.WEEKLY, ReportSchedule(True, "12:00", weekday=6), "cron(0 12 ? * 7 *)"),
    ],
)
def test_cron_expressions(kind: ReportKind, schedule: ReportSchedule, expected: str) -> None:
    assert cron_expression(kind, schedule) == expected


def test_bad_time_is_a_validation_error() -> None:
    with pytest.raises(ValidationError):
        cron_expression(ReportKind.DAILY, ReportSchedule(True, "24:00"))


def test_schedule_name_is_valid_for_eventbridge() -> None:
    name = schedule_name(ReportKind.WEEKLY, "m-demo#2 x" * 10)
    assert len(name) <= 64 and name.startswith("report-weekly-m-demo_2_x")


def test_change_ratio() -> None:
    assert change_ratio(125, 100) == 0.25
    assert change_ratio(50, 100) == -0.5
    assert change_ratio(5, 0) is None


def test_unsubscribe_token_round_trip_and_tampering() -> None:
    token = signing.sign("key-1", "m-demo", ReportKind.WEEKLY)
    assert signing.verify("key-1", token) == signing.Unsubscribe("m-demo", ReportKind.WEEKLY)
    with pytest.raises(Forbidden):
        signing.verify("another-key", token)
    payload, _, signature = token.partition(".")
    forged = signing.sign("key-1", "m-other", ReportKind.WEEKLY).partition(".")[0]
    with pytest.raises(Forbidden):
        signing.verify("key-1", f"{forged}.{signature}")  # another merchant's payload, this signature
    for malformed in ("", "no-dot", ".sig", f"{payload}.", "a.b.c!", "äö.xx"):
        with pytest.raises((ValidationError, Forbidden)):
            signing.verify("key-1", malformed)
    with pytest.raises(ValidationError):
        signing.verify("key-1", "no-dot")
