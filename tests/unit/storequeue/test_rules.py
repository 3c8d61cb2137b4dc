"""Pure queue rules: business day in the store's timezone, positions, learned service time."""

from __future__ import annotations

from datetime import UTC, datetime

from chalicelib.storequeue import rules, views
from chalicelib.storequeue.domain import QueueDay, Ticket, TicketStatus


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_business_day_is_store_local_with_early_morning_cutover() -> None:
    # 23:30 Shanghai on the 23rd is 15:30 UTC: still the 23rd.
    assert rules.business_day(utc("2026-11-23T15:30:00"), "Asia/Shanghai") == "2026-11-23"
    # 01:30 Shanghai on the 24th still belongs to the 23rd (a late-night store keeps one queue).
    assert rules.business_day(utc("2026-11-23T17:30:00"), "Asia/Shanghai") == "2026-11-23"
    # 04:00 Shanghai starts the 24th.
    assert rules.business_day(utc("2026-11-23T20:00:00"), "Asia/Shanghai") == "2026-11-24"
    # The same instant is a different day in another timezone.
    assert rules.business_day(utc("2026-11-23T20:00:00"), "Europe/London") == "2026-11-23"


def test_position_counts_waiting_tickets_ahead_only() -> None:
    assert rules.position([3, 5, 8, 9], 8) == 2
    assert rules.position([3, 5, 8, 9], 3) == 0
    assert rules.position([], 4) == 0


def test_average_service_time_learned_after_enough_samples() -> None:
    assert rules.average_service_minutes(QueueDay(served_count=2, served_seconds=60), 4.0) == 4.0
    assert rules.average_service_minutes(QueueDay(served_count=3, served_seconds=540), 4.0) == 3.0
    assert rules.store_service_minutes({"averageServiceMinutes": 6}) == 6.0
    assert rules.store_service_minutes({"averageServiceMinutes": "x"}) == rules.DEFAULT_SERVICE_MINUTES
    assert rules.store_service_minutes({}) == rules.DEFAULT_SERVICE_MINUTES


def test_average_service_time_follows_the_recent_completions() -> None:
    """A slow morning (ten 10-minute services) then a fast rush (ten 2-minute ones): the estimate
    is the recent 2 minutes, not the day's 6."""
    slow_then_fast = (600.0,) * 10 + (120.0,) * 10
    day = QueueDay(served_count=20, served_seconds=sum(slow_then_fast), recent_seconds=slow_then_fast)
    assert rules.average_service_minutes(day, 4.0) == 2.0
    # Too few recent samples: the store setting; a day item without the list: the day's mean.
    assert rules.average_service_minutes(QueueDay(recent_seconds=(60.0, 60.0)), 4.0) == 4.0
    assert rules.average_service_minutes(QueueDay(served_count=20, served_seconds=7200), 4.0) == 6.0


def test_service_seconds_from_call_to_finish() -> None:
    assert rules.service_seconds("2026-11-23T04:00:00Z", utc("2026-11-23T04:03:30")) == 210
    assert rules.service_seconds(None, utc("2026-11-23T04:03:30")) is None


def test_ticket_view_expires_yesterdays_active_ticket() -> None:
    ticket = Ticket("qt_1", "s1", "u1", "2026-11-22", 7, TicketStatus.WAITING, "2026-11-22T05:00:00Z")
    view = views.ticket_view(ticket, "2026-11-23", [1, 2], 4.0)
    assert view["status"] == "expired" and view["position"] == 0
    today = views.ticket_view(ticket, "2026-11-22", [2, 5, 7, 9], 4.0)
    assert (today["status"], today["position"], today["estimatedWaitTime"]) == ("waiting", 2, 8.0)
    assert not rules.is_current(ticket, "2026-11-23") and rules.is_current(ticket, "2026-11-22")
