"""Pure queue rules: business days, positions, wait estimates, the ticket's life cycle."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

# Numbers restart at 04:00 local, not midnight, so a store open past midnight keeps one queue.
DAY_CUTOVER = timedelta(hours=4)
DEFAULT_SERVICE_MINUTES = 5.0
# Learned averages need a few samples before they beat the store's own setting.
MIN_SAMPLES = 3
# "Recent" is the day's last few completions, so the estimate follows a rush as it builds and eases.
RECENT_SAMPLES = 10
# Queue items are only useful for a few days; TTL cleans them up.
RETENTION = timedelta(days=7)


class TicketStatus(StrEnum):
    WAITING = "waiting"
    SERVING = "serving"
    COMPLETED = "completed"
    NO_SHOW = "no_show"
    LEFT = "left"


ACTIVE = frozenset({TicketStatus.WAITING, TicketStatus.SERVING})


@dataclass(frozen=True)
class Ticket:
    id: str
    store_id: str
    user_id: str
    day: str
    number: int
    status: TicketStatus
    created_at: str
    called_at: str | None = None
    finished_at: str | None = None


@dataclass(frozen=True)
class QueueDay:
    """The per-store, per-day counter item: last issued number, number being served, served stats."""

    last_number: int = 0
    now_serving: int | None = None
    served_count: int = 0
    served_seconds: float = 0.0
    recent_seconds: tuple[float, ...] = ()  # every completion's service time today, oldest first


def business_day(now: datetime, timezone: str) -> str:
    """The store-local business day a moment belongs to, e.g. "2026-11-23"."""
    return (now.astimezone(ZoneInfo(timezone)) - DAY_CUTOVER).date().isoformat()


def is_current(ticket: Ticket, today: str) -> bool:
    """Waiting or serving, and issued today: yesterday's unserved tickets are void."""
    return ticket.status in ACTIVE and ticket.day == today


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
    started = datetime.fromisoformat(called_at.replace("Z", "+00:00"))
    seconds = (finished - started).total_seconds()
    return seconds if seconds >= 0 else None


def ticket_view(ticket: Ticket, today: str, waiting_numbers: list[int], average_minutes: float) -> dict[str, Any]:
    status = ticket.status.value
    if ticket.status in ACTIVE and ticket.day != today:
        status = "expired"
    ahead = position(waiting_numbers, ticket.number) if status == TicketStatus.WAITING else 0
    return {
        "id": ticket.id,
        "storeId": ticket.store_id,
        "userId": ticket.user_id,
        "number": ticket.number,
        "position": ahead,
        "estimatedWaitTime": wait_minutes(ahead, average_minutes) if status == TicketStatus.WAITING else 0,
        "status": status,
        "businessDay": ticket.day,
        "createdAt": ticket.created_at,
        "calledAt": ticket.called_at,
        "finishedAt": ticket.finished_at,
    }


def queue_view(waiting_numbers: list[int], day: QueueDay, average_minutes: float, is_open: bool) -> dict[str, Any]:
    return {
        "queueLength": len(waiting_numbers),
        "averageServiceTime": average_minutes,
        "nowServing": day.now_serving,
        "estimatedWaitTime": wait_minutes(len(waiting_numbers), average_minutes),
        "isOpen": is_open,
        "lastIssued": day.last_number,
    }
