"""Pure queue rules: business days, positions, wait estimates, who may join and when."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.core.clock import from_iso
from chalicelib.core.ratelimit import RateLimit
from chalicelib.storequeue.domain import ACTIVE, Guard, QueueDay, Ticket

# Numbers restart at 04:00 local, not midnight, so a store open past midnight keeps one queue.
DAY_CUTOVER = timedelta(hours=4)
DEFAULT_SERVICE_MINUTES = 5.0
# Learned averages need a few samples before they beat the store's own setting.
MIN_SAMPLES = 3
# "Recent" is the day's last few completions, so the estimate follows a rush as it builds and eases.
RECENT_SAMPLES = 10
# Queue items are only useful for a few days; TTL cleans them up.
RETENTION = timedelta(days=7)
# A join claims the user's guard, then draws a number and writes the ticket within a second or so; a
# claim still without a ticket after this long belongs to a request that died, and may be taken over.
CLAIM_ABANDONED_AFTER = timedelta(seconds=10)
# Each ticket is a record and a place others wait behind: joining (and leaving to join again) is limited.
JOIN_LIMIT = RateLimit("queue-join", 10, timedelta(hours=1))


def business_day(now: datetime, timezone: str) -> str:
    """The store-local business day a moment belongs to, e.g. "2026-11-23"."""
    return (now.astimezone(ZoneInfo(timezone)) - DAY_CUTOVER).date().isoformat()


def is_current(ticket: Ticket, today: str) -> bool:
    """Waiting or serving, and issued today: yesterday's unserved tickets are void."""
    return ticket.status in ACTIVE and ticket.day == today


def claim_abandoned(guard: Guard, now: datetime) -> bool:
    return not guard.issued and from_iso(guard.claimed_at) <= now - CLAIM_ABANDONED_AFTER


def claim_wait_seconds(attempt: int) -> float:
    """How long a join waits for another request of the same user to finish issuing its ticket."""
    return min(0.02 * 1.5**attempt, 0.2)


def expires_at_epoch(now: datetime) -> int:
    return int((now + RETENTION).timestamp())


def store_service_minutes(store_settings: dict[str, Any]) -> float:
    value = store_settings.get("averageServiceMinutes")
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return float(value)
    return DEFAULT_SERVICE_MINUTES


def average_service_minutes(day: QueueDay, fallback_minutes: float) -> float:
    """Mean call-to-completion time of today's last RECENT_SAMPLES completions once there are
    enough samples (a day item written before the list existed falls back to the day's mean),
    else the store setting."""
    recent = day.recent_seconds[-RECENT_SAMPLES:]
    if len(recent) >= MIN_SAMPLES and sum(recent) > 0:
        return round(sum(recent) / len(recent) / 60, 1)
    if day.served_count >= MIN_SAMPLES and day.served_seconds > 0:
        return round(day.served_seconds / day.served_count / 60, 1)
    return fallback_minutes


def position(waiting_numbers: list[int], number: int) -> int:
    """How many waiting tickets are ahead of this number (0 = next to be called)."""
    return sum(1 for n in waiting_numbers if n < number)


def wait_minutes(ahead: int, average_minutes: float) -> float:
    return round(ahead * average_minutes, 1)


def service_seconds(called_at: str | None, finished: datetime) -> float | None:
    if called_at is None:
        return None
    seconds = (finished - from_iso(called_at)).total_seconds()
    return seconds if seconds >= 0 else None
