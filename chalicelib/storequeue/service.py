"""Queue use cases: each one a few conditional writes through the repository port, decided by `rules`.

No use case reads an item twice: writes answer with the ticket as it ends up (or as it stands when a
condition failed), and the day's counter and waiting line come back together in one Query.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from chalicelib.core.auth import Principal
from chalicelib.core.clock import to_iso
from chalicelib.core.errors import Conflict, Forbidden, NotFound
from chalicelib.core.ratelimit import charge
from chalicelib.notifications.domain import Notification
from chalicelib.storequeue import rules
from chalicelib.storequeue.domain import Guard, QueueLine, Ticket, TicketStatus
from chalicelib.storequeue.ports import QueuePorts
from chalicelib.stores.domain import Store, is_open

# Claims, takeovers and waits for a racing join of the same user (see rules.claim_wait_seconds): ~3 s.
JOIN_ATTEMPTS = 25


@dataclass(frozen=True)
class QueueState:
    line: QueueLine
    average_minutes: float
    is_open: bool


@dataclass(frozen=True)
class TicketPlace:
    """A ticket and, while it waits today, the numbers ahead of it and the wait per ticket."""

    ticket: Ticket
    today: str
    waiting_numbers: list[int]
    average_minutes: float


def _average_minutes(store: Store, line: QueueLine) -> float:
    return rules.average_service_minutes(line.day, rules.store_service_minutes(store.settings))


def require_ticket(ports: QueuePorts, ticket_id: str) -> Ticket:
    ticket = ports.repo.get_ticket(ticket_id)
    if ticket is None:
        raise NotFound(f"Ticket '{ticket_id}' does not exist.", code="TICKET_NOT_FOUND")
    return ticket


def queue_state(store: Store, line: QueueLine, now: datetime) -> QueueState:
    return QueueState(line, _average_minutes(store, line), is_open(store.opening_hours, store.timezone, now))


def queue_info(ports: QueuePorts, store: Store, now: datetime) -> QueueState:
    return queue_state(store, ports.repo.line(store.id, rules.business_day(now, store.timezone)), now)


def place(ports: QueuePorts, ticket: Ticket, store: Store, now: datetime) -> TicketPlace:
    """Position and wait estimate only matter while the ticket waits today: no reads otherwise."""
    today = rules.business_day(now, store.timezone)
    if ticket.status is not TicketStatus.WAITING or ticket.day != today:
        return TicketPlace(ticket, today, [], 0.0)
    line = ports.repo.line(store.id, today)
    return TicketPlace(ticket, today, line.numbers, _average_minutes(store, line))


def place_not_waiting(ticket: Ticket) -> TicketPlace:
    """A ticket that is not waiting (called, finished, left) is shown without the store or the line."""
    return TicketPlace(ticket, ticket.day, [], 0.0)


def join(ports: QueuePorts, store: Store, user_id: str, now: datetime) -> Ticket:
    """The user's current ticket at this store, or a new one with the next number of the day.

    The guard is claimed before the number is drawn: of many racing joins by one user, exactly one
    claims it and draws a number; the others wait for its ticket and return it, so no number is
    burned. The claim also counts the join against JOIN_LIMIT (repeats of a held ticket cost nothing).
    """
    today = rules.business_day(now, store.timezone)
    if not is_open(store.opening_hours, store.timezone, now):
        held = ports.repo.get_guard(user_id, store.id)
        current = _current_ticket(ports, held, today) if held is not None else None
        if current is None:
            raise Conflict("The store is closed; the queue opens with the store.", code="STORE_CLOSED")
        return current
    ttl = rules.expires_at_epoch(now)
    claim = Guard(user_id, store.id, ports.new_ticket_id(), today, to_iso(now))
    limit = charge(rules.JOIN_LIMIT, user_id, now)
    seen = ports.repo.claim(claim, None, ttl, limit)
    for attempt in range(JOIN_ATTEMPTS):
        if seen is None:  # the place is ours
            ticket = _issue(ports, store, claim, now, ttl)
            if ticket is not None:
                return ticket
            seen = ports.repo.get_guard(user_id, store.id)  # taken over while this request stalled
        elif seen.issued:
            current = _current_ticket(ports, seen, today)
            if current is not None:
                return current
            seen = ports.repo.claim(claim, seen.ticket_id, ttl, limit)  # a void ticket's guard
        elif rules.claim_abandoned(seen, now):
            seen = ports.repo.claim(claim, seen.ticket_id, ttl, limit)
        else:  # another request of this user is issuing its ticket right now: wait for it
            ports.pause(rules.claim_wait_seconds(attempt))
            seen = ports.repo.get_guard(user_id, store.id)
            if seen is None:  # it gave up without a ticket
                seen = ports.repo.claim(claim, None, ttl, limit)
    raise Conflict("Joining the queue raced with another request; try again.", code="QUEUE_BUSY")


def _current_ticket(ports: QueuePorts, guard: Guard, today: str) -> Ticket | None:
    if not guard.issued or guard.day != today:
        return None
    ticket = ports.repo.get_ticket(guard.ticket_id)
    return ticket if ticket is not None and rules.is_current(ticket, today) else None


def _issue(ports: QueuePorts, store: Store, claim: Guard, now: datetime, ttl: int) -> Ticket | None:
    ticket = Ticket(
        id=claim.ticket_id,
        store_id=store.id,
        user_id=claim.user_id,
        day=claim.day,
        number=ports.repo.next_number(store.id, claim.day, ttl),
        status=TicketStatus.WAITING,
        created_at=to_iso(now),
        merchant_id=store.merchant_id,
    )
    return ticket if ports.repo.create_ticket(ticket, ttl) else None


def active_tickets(
    ports: QueuePorts, user_id: str, now: datetime, store_id: str | None = None
) -> list[tuple[Ticket, Store]]:
    """The user's current tickets, newest first (one per store at most): one Query of the guards,
    then the store and ticket of each guard issued today."""
    found: list[tuple[Ticket, Store]] = []
    for guard in ports.repo.guards(user_id):
        if not guard.issued or (store_id is not None and guard.store_id != store_id):
            continue
        store = ports.get_store(guard.store_id)
        if store is None:
            continue
        current = _current_ticket(ports, guard, rules.business_day(now, store.timezone))
        if current is not None:
            found.append((current, store))
    return sorted(found, key=lambda pair: pair[0].created_at, reverse=True)


def leave(ports: QueuePorts, ticket_id: str, principal: Principal, now: datetime) -> Ticket:
    """The holder gives up a waiting ticket; repeating the request is harmless."""
    ticket = require_ticket(ports, ticket_id)
    if ticket.user_id != principal.user_id:
        raise Forbidden("Only the ticket's holder can leave the queue with it.")
    if ticket.status is TicketStatus.WAITING:
        ticket = ports.repo.leave(ticket, to_iso(now))
    if ticket.status is not TicketStatus.LEFT:
        raise Conflict(f"The ticket is {ticket.status.value}, no longer waiting.", code="TICKET_NOT_WAITING")
    return ticket


def call_next(ports: QueuePorts, store: Store, now: datetime) -> tuple[Ticket | None, QueueState]:
    """Move the lowest waiting ticket to serving; if another caller took it first, try the next.
    Answers the called ticket and the queue after the call, both from the one read of the line."""
    today = rules.business_day(now, store.timezone)
    line = ports.repo.line(store.id, today)
    called_at = to_iso(now)
    for index, slot in enumerate(line.waiting):
        if not ports.repo.call(store.id, today, slot, called_at):
            continue
        ports.publish(
            Notification(
                id=f"queue-called-{slot.ticket_id}",
                user_id=slot.user_id,
                kind="queue_called",
                title="轮到您了",
                body=f"{store.name}：请到服务台，您的号码是 {slot.number} 号。",
                data={"ticketId": slot.ticket_id, "storeId": store.id, "number": slot.number},
            )
        )
        # The transaction's conditions fix the outcome: this ticket now serves, its slot is gone.
        ticket = Ticket(
            id=slot.ticket_id,
            store_id=store.id,
            user_id=slot.user_id,
            day=today,
            number=slot.number,
            status=TicketStatus.SERVING,
            created_at=slot.created_at,
            called_at=called_at,
            merchant_id=store.merchant_id,
        )
        serving = max(line.day.now_serving or 0, slot.number)
        after = QueueLine(replace(line.day, now_serving=serving), line.waiting[index + 1 :])
        return ticket, queue_state(store, after, now)
    return None, queue_state(store, line, now)


def finish(ports: QueuePorts, ticket_id: str, status: TicketStatus, principal: Principal, now: datetime) -> Ticket:
    """Serving -> completed or no-show, by the store's staff. Repeating the same request answers the
    same result."""
    ticket = require_ticket(ports, ticket_id)
    merchant_id = ticket.merchant_id or _store_merchant(ports, ticket.store_id)
    principal.ensure_staff_of(ticket.store_id, merchant_id)
    if ticket.status is TicketStatus.SERVING:
        seconds = rules.service_seconds(ticket.called_at, now) if status is TicketStatus.COMPLETED else None
        ticket = ports.repo.finish(ticket, status, to_iso(now), seconds)
    if ticket.status is not status:
        raise Conflict(f"The ticket is {ticket.status.value}, not being served.", code="TICKET_NOT_SERVING")
    return ticket


def _store_merchant(ports: QueuePorts, store_id: str) -> str:
    """Tickets issued before they kept their merchant: ask the store."""
    store = ports.get_store(store_id)
    return store.merchant_id if store is not None else ""
