"""An in-memory queue repository with the DynamoDB adapter's conditions, and the queue's other ports."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from itertools import count

from chalicelib.core.ratelimit import Charge
from chalicelib.notifications.domain import Notification
from chalicelib.storequeue.domain import Guard, QueueDay, QueueLine, Ticket, TicketStatus, WaitingSlot
from chalicelib.storequeue.ports import QueuePorts
from chalicelib.stores.domain import Store


class FakeQueueRepository:
    def __init__(self) -> None:
        self.days: dict[tuple[str, str], QueueDay] = {}
        self.slots: dict[tuple[str, str, int], WaitingSlot] = {}
        self.tickets: dict[str, Ticket] = {}
        self.guards_by_key: dict[tuple[str, str], Guard] = {}
        self.counters: dict[str, int] = {}
        self.numbers_drawn = 0
        self.calls_lost: set[str] = set()  # tickets another staff member calls first

    def line(self, store_id: str, day: str) -> QueueLine:
        waiting = sorted(
            (s for (st, d, _), s in self.slots.items() if (st, d) == (store_id, day)), key=lambda s: s.number
        )
        return QueueLine(self.days.get((store_id, day), QueueDay()), tuple(waiting))

    def get_ticket(self, ticket_id: str) -> Ticket | None:
        return self.tickets.get(ticket_id)

    def get_guard(self, user_id: str, store_id: str) -> Guard | None:
        return self.guards_by_key.get((user_id, store_id))

    def guards(self, user_id: str) -> list[Guard]:
        return [g for (u, _), g in self.guards_by_key.items() if u == user_id]

    def claim(self, guard: Guard, replacing: str | None, ttl: int, charge: Charge) -> Guard | None:
        held = self.guards_by_key.get((guard.user_id, guard.store_id))
        if held is not None and held.ticket_id != replacing:
            return held
        if self.counters.get(charge.counter, 0) >= charge.limit.limit:
            raise charge.refused()
        self.counters[charge.counter] = self.counters.get(charge.counter, 0) + 1
        self.guards_by_key[(guard.user_id, guard.store_id)] = guard
        return None

    def next_number(self, store_id: str, day: str, ttl: int) -> int:
        self.numbers_drawn += 1
        current = self.days.get((store_id, day), QueueDay())
        self.days[(store_id, day)] = replace(current, last_number=current.last_number + 1)
        return current.last_number + 1

    def create_ticket(self, ticket: Ticket, ttl: int) -> bool:
        held = self.guards_by_key.get((ticket.user_id, ticket.store_id))
        if held is None or held.ticket_id != ticket.id:
            return False
        self.tickets[ticket.id] = ticket
        self.slots[(ticket.store_id, ticket.day, ticket.number)] = WaitingSlot(
            ticket.number, ticket.id, ticket.user_id, ticket.created_at
        )
        self.guards_by_key[(ticket.user_id, ticket.store_id)] = replace(held, number=ticket.number)
        return True

    def call(self, store_id: str, day: str, slot: WaitingSlot, called_at: str) -> bool:
        ticket = self.tickets[slot.ticket_id]
        if slot.ticket_id in self.calls_lost or ticket.status is not TicketStatus.WAITING:
            self.slots.pop((store_id, day, slot.number), None)
            return False
        self.tickets[ticket.id] = replace(ticket, status=TicketStatus.SERVING, called_at=called_at)
        del self.slots[(store_id, day, slot.number)]
        current = self.days.get((store_id, day), QueueDay())
        self.days[(store_id, day)] = replace(current, now_serving=max(current.now_serving or 0, slot.number))
        return True

    def _drop_guard(self, ticket: Ticket) -> None:
        held = self.guards_by_key.get((ticket.user_id, ticket.store_id))
        if held is not None and held.ticket_id == ticket.id:
            del self.guards_by_key[(ticket.user_id, ticket.store_id)]

    def finish(self, ticket: Ticket, status: TicketStatus, finished_at: str, served_seconds: float | None) -> Ticket:
        current = self.tickets[ticket.id]
        if current.status is not TicketStatus.SERVING:
            return current
        after = replace(current, status=status, finished_at=finished_at)
        self.tickets[ticket.id] = after
        self._drop_guard(ticket)
        if served_seconds is not None:
            day = self.days.get((ticket.store_id, ticket.day), QueueDay())
            self.days[(ticket.store_id, ticket.day)] = replace(
                day,
                served_count=day.served_count + 1,
                served_seconds=day.served_seconds + round(served_seconds),
                recent_seconds=(*day.recent_seconds, float(round(served_seconds))),
            )
        return after

    def leave(self, ticket: Ticket, left_at: str) -> Ticket:
        current = self.tickets[ticket.id]
        if current.status is not TicketStatus.WAITING:
            return current
        after = replace(current, status=TicketStatus.LEFT, finished_at=left_at)
        self.tickets[ticket.id] = after
        self.slots.pop((ticket.store_id, ticket.day, ticket.number), None)
        self._drop_guard(ticket)
        return after


@dataclass
class FakeQueueWorld:
    """The ports plus what the use cases did to them."""

    repo: FakeQueueRepository = field(default_factory=FakeQueueRepository)
    stores: dict[str, Store] = field(default_factory=dict)
    published: list[Notification] = field(default_factory=list)
    pauses: list[float] = field(default_factory=list)
    # Runs at each pause: stands for another request making progress meanwhile.
    meanwhile: Callable[[], None] = lambda: None
    _ids: count = field(default_factory=lambda: count(1))

    def _pause(self, seconds: float) -> None:
        self.pauses.append(seconds)
        self.meanwhile()

    @property
    def ports(self) -> QueuePorts:
        return QueuePorts(
            repo=self.repo,
            publish=self.published.append,
            get_store=self.stores.get,
            new_ticket_id=lambda: f"qt_{next(self._ids)}",
            pause=self._pause,
        )
