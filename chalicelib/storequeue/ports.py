"""What the queue's use cases need from the outside world. `adapters.live_ports()` gives the real ones
(DynamoDB, the notifications queue, the stores area); unit tests give in-memory fakes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from chalicelib.core.ratelimit import Charge
from chalicelib.notifications.domain import Notification
from chalicelib.storequeue.domain import Guard, QueueLine, Ticket, TicketStatus, WaitingSlot
from chalicelib.stores.domain import Store


class QueueRepository(Protocol):
    def line(self, store_id: str, day: str) -> QueueLine:
        """The day's counter and waiting tickets (one Query: they share a key prefix)."""
        ...

    def get_ticket(self, ticket_id: str) -> Ticket | None: ...

    def get_guard(self, user_id: str, store_id: str) -> Guard | None: ...

    def guards(self, user_id: str) -> list[Guard]:
        """Every store's guard of one user (one Query)."""
        ...

    def claim(self, guard: Guard, replacing: str | None, ttl: int, charge: Charge) -> Guard | None:
        """Put the guard if the user holds none (or holds the stale one, `replacing`, seen before) and
        count the join against its limit, in one transaction. None when claimed; else the guard that
        holds the place. Raises the charge's RateLimited when only the limit refused it."""
        ...

    def next_number(self, store_id: str, day: str, ttl: int) -> int:
        """Atomic ADD on the day's counter: unique per caller."""
        ...

    def create_ticket(self, ticket: Ticket, ttl: int) -> bool:
        """Ticket + waiting slot + the guard's number, if the guard is still this ticket's."""
        ...

    def call(self, store_id: str, day: str, slot: WaitingSlot, called_at: str) -> bool:
        """Waiting -> serving and the slot removed; False when someone else already moved it."""
        ...

    def finish(self, ticket: Ticket, status: TicketStatus, finished_at: str, served_seconds: float | None) -> Ticket:
        """Serving -> completed / no-show, the guard dropped; the ticket after, or as it stands when
        it was not serving (finished by an earlier request)."""
        ...

    def leave(self, ticket: Ticket, left_at: str) -> Ticket:
        """Waiting -> left, the slot and the guard dropped; the ticket after, or as it stands when it
        was no longer waiting."""
        ...


@dataclass(frozen=True)
class QueuePorts:
    repo: QueueRepository
    publish: Callable[[Notification], None]
    get_store: Callable[[str], Store | None]
    new_ticket_id: Callable[[], str]
    pause: Callable[[float], None]
