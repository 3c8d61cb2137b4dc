"""The virtual queue's entities: tickets and their life cycle, the day's line, the one-ticket guard.
Plain values, no storage; other areas may use them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from chalicelib.core.counters import ACTIVITY, Image, Increment


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
    # The store's merchant, so staff rights are checked without reading the store (None on tickets
    # issued before it was kept).
    merchant_id: str | None = None


@dataclass(frozen=True)
class QueueDay:
    """The per-store, per-day counter item: last issued number, number being served, served stats."""

    last_number: int = 0
    now_serving: int | None = None
    served_count: int = 0
    served_seconds: float = 0.0
    recent_seconds: tuple[float, ...] = ()  # every completion's service time today, oldest first


@dataclass(frozen=True)
class WaitingSlot:
    """A waiting ticket's place in the day's line: exists exactly while the ticket waits."""

    number: int
    ticket_id: str
    user_id: str
    created_at: str = ""


@dataclass(frozen=True)
class QueueLine:
    """One store's business day: its counter and its waiting tickets, lowest number first."""

    day: QueueDay
    waiting: tuple[WaitingSlot, ...]

    @property
    def numbers(self) -> list[int]:
        return [slot.number for slot in self.waiting]


@dataclass(frozen=True)
class Guard:
    """One active ticket per user and store. Claimed before a number is drawn (so racing joins of
    one user draw one number); `number` is set in the transaction that writes the ticket."""

    user_id: str
    store_id: str
    ticket_id: str
    day: str
    claimed_at: str
    number: int | None = None

    @property
    def issued(self) -> bool:
        return self.number is not None


# --- counter feed (core/counters.py): what a ticket's change counts for analytics -----------------
_FINISHED_METRIC = {
    TicketStatus.COMPLETED.value: "queue_served",
    TicketStatus.NO_SHOW.value: "queue_no_shows",
    TicketStatus.LEFT.value: "queue_left",
}


def _seconds_between(start: str, end: str) -> int:
    delta = datetime.fromisoformat(end) - datetime.fromisoformat(start)
    return max(0, int(delta.total_seconds()))


def ticket_counters(old: Image | None, new: Image | None) -> list[Increment]:
    """A new ticket counts as issued; its first call counts the wait (seconds from joining to being
    called: `queue_wait_seconds` / `queue_called` is the mean wait); finishing counts how it ended."""
    if new is None or not new.get("merchant_id"):
        return []
    merchant_id, store_id = str(new["merchant_id"]), str(new["store_id"])
    if old is None:
        joined = str(new["created_at"])
        return [
            Increment("queue_tickets", merchant_id, joined, store_id),
            Increment(ACTIVITY, merchant_id, joined, store_id),
        ]
    counted: list[Increment] = []
    called = new.get("called_at")
    if called and not old.get("called_at"):
        wait = _seconds_between(str(new["created_at"]), str(called))
        counted.append(Increment("queue_called", merchant_id, str(called), store_id))
        counted.append(Increment("queue_wait_seconds", merchant_id, str(called), store_id, wait))
    status = str(new.get("status"))
    if old.get("status") != status and status in _FINISHED_METRIC:
        at = str(new.get("finished_at") or called or new["created_at"])
        counted.append(Increment(_FINISHED_METRIC[status], merchant_id, at, store_id))
    return counted
