"""Queue use cases: each one a few conditional writes in `models`, decided by `rules`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.core.auth import Principal
from chalicelib.core.clock import to_iso
from chalicelib.core.errors import Conflict, Forbidden, NotFound
from chalicelib.core.ids import new_id
from chalicelib.notifications.api import Notification, publish
from chalicelib.storequeue import models, rules
from chalicelib.storequeue.rules import Ticket, TicketStatus
from chalicelib.stores import api as stores
from chalicelib.stores.api import Store

JOIN_ATTEMPTS = 3


def require_ticket(ticket_id: str) -> Ticket:
    ticket = models.get_ticket(ticket_id)
    if ticket is None:
        raise NotFound(f"Ticket '{ticket_id}' does not exist.", code="TICKET_NOT_FOUND")
    return ticket


def _average_minutes(store: Store, day: rules.QueueDay) -> float:
    return rules.average_service_minutes(day, rules.store_service_minutes(store.settings))


def queue_info(store: Store, now: datetime) -> dict[str, Any]:
    today = rules.business_day(now, store.timezone)
    line = models.waiting_line(store.id, today)
    day = models.get_day(store.id, today)
    is_open = stores.is_open(store.opening_hours, store.timezone, now)
    return rules.queue_view([s.number for s in line], day, _average_minutes(store, day), is_open)


def ticket_details(ticket: Ticket, store: Store, now: datetime) -> dict[str, Any]:
    today = rules.business_day(now, store.timezone)
    waiting = ticket.status is TicketStatus.WAITING and ticket.day == today
    if not waiting:  # position and wait estimate only matter while waiting today: no reads for them
        return rules.ticket_view(ticket, today, [], 0.0)
    numbers = [s.number for s in models.waiting_line(store.id, today)]
    return rules.ticket_view(ticket, today, numbers, _average_minutes(store, models.get_day(store.id, today)))


def join(store: Store, user_id: str, now: datetime) -> Ticket:
    """The user's current ticket at this store, or a new one with the next number of the day.

    The guard item's conditional put, not the read before it, is what keeps one active ticket per
    user: two racing joins both draw a number, one transaction wins, the other returns its ticket.
    """
    today = rules.business_day(now, store.timezone)
    ttl = rules.expires_at_epoch(now)
    for _ in range(JOIN_ATTEMPTS):
        stale_id = models.guarded_ticket_id(user_id, store.id)
        if stale_id is not None:
            existing = models.get_ticket(stale_id)
            if existing is not None and rules.is_current(existing, today):
                return existing
        if not stores.is_open(store.opening_hours, store.timezone, now):
            raise Conflict("The store is closed; the queue opens with the store.", code="STORE_CLOSED")
        ticket = Ticket(
            id=new_id("qt"),
            store_id=store.id,
            user_id=user_id,
            day=today,
            number=models.next_number(store.id, today, ttl),
            status=TicketStatus.WAITING,
            created_at=to_iso(now),
        )
        if models.create_ticket(ticket, ttl, replacing_ticket_id=stale_id):
            return ticket
    raise Conflict("Joining the queue raced with another request; try again.", code="QUEUE_BUSY")


def active_tickets(user_id: str, now: datetime, store_id: str | None = None) -> list[tuple[Ticket, Store]]:
    """The user's current tickets, newest first (one per store at most)."""
    found: list[tuple[Ticket, Store]] = []
    for ticket_id in models.guarded_ticket_ids(user_id):
        ticket = models.get_ticket(ticket_id)
        if ticket is None or (store_id is not None and ticket.store_id != store_id):
            continue
        store = stores.get_store(ticket.store_id)
        if store is not None and rules.is_current(ticket, rules.business_day(now, store.timezone)):
            found.append((ticket, store))
    return sorted(found, key=lambda pair: pair[0].created_at, reverse=True)


def leave(ticket: Ticket, principal: Principal, now: datetime) -> Ticket:
    """The holder gives up a waiting ticket; repeating the request is harmless."""
    if ticket.user_id != principal.user_id:
        raise Forbidden("Only the ticket's holder can leave the queue with it.")
    if ticket.status is TicketStatus.WAITING and not models.leave(ticket, to_iso(now)):
        ticket = require_ticket(ticket.id)
    if ticket.status is not TicketStatus.WAITING and ticket.status is not TicketStatus.LEFT:
        raise Conflict(f"The ticket is {ticket.status.value}, no longer waiting.", code="TICKET_NOT_WAITING")
    models.release_guard(ticket.user_id, ticket.store_id, ticket.id)
    return require_ticket(ticket.id)


def call_next(store: Store, now: datetime) -> Ticket | None:
    """Move the lowest waiting ticket to serving; if another caller took it first, try the next."""
    today = rules.business_day(now, store.timezone)
    for slot in models.waiting_line(store.id, today):
        if models.call(store.id, today, slot, to_iso(now)):
            publish(
                Notification(
                    id=f"queue-called-{slot.ticket_id}",
                    user_id=slot.user_id,
                    kind="queue_called",
                    title="轮到您了",
                    body=f"{store.name}：请到服务台，您的号码是 {slot.number} 号。",
                    data={"ticketId": slot.ticket_id, "storeId": store.id, "number": slot.number},
                )
            )
            return require_ticket(slot.ticket_id)
    return None


def finish(ticket: Ticket, status: TicketStatus, now: datetime) -> Ticket:
    """Serving -> completed or no-show. Repeating the same request answers the same result."""
    seconds = rules.service_seconds(ticket.called_at, now) if status is TicketStatus.COMPLETED else None
    if ticket.status is TicketStatus.SERVING:
        models.finish(ticket, status, to_iso(now), seconds)  # False: finished meanwhile; the re-read tells how
        ticket = require_ticket(ticket.id)
    if ticket.status is not status:
        raise Conflict(f"The ticket is {ticket.status.value}, not being served.", code="TICKET_NOT_SERVING")
    models.release_guard(ticket.user_id, ticket.store_id, ticket.id)
    return ticket
