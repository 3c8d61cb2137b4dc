"""The virtual queue's entities: tickets and their life cycle, the day's line, the one-ticket guard.
Plain values, no storage; other areas may use them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


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
