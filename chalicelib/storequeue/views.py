"""The queue's response bodies (the client contract's field names live here)."""

from __future__ import annotations

from typing import Any

from chalicelib.storequeue import rules
from chalicelib.storequeue.domain import ACTIVE, Ticket, TicketStatus
from chalicelib.storequeue.service import QueueState, TicketPlace


def ticket_view(ticket: Ticket, today: str, waiting_numbers: list[int], average_minutes: float) -> dict[str, Any]:
    status = ticket.status.value
    if ticket.status in ACTIVE and ticket.day != today:
        status = "expired"
    ahead = rules.position(waiting_numbers, ticket.number) if status == TicketStatus.WAITING else 0
    return {
        "id": ticket.id,
        "storeId": ticket.store_id,
        "userId": ticket.user_id,
        "number": ticket.number,
        "position": ahead,
        "estimatedWaitTime": rules.wait_minutes(ahead, average_minutes) if status == TicketStatus.WAITING else 0,
        "status": status,
        "businessDay": ticket.day,
        "createdAt": ticket.created_at,
        "calledAt": ticket.called_at,
        "finishedAt": ticket.finished_at,
    }


def place_view(place: TicketPlace) -> dict[str, Any]:
    return ticket_view(place.ticket, place.today, place.waiting_numbers, place.average_minutes)


def queue_view(state: QueueState) -> dict[str, Any]:
    waiting = len(state.line.waiting)
    return {
        "queueLength": waiting,
        "averageServiceTime": state.average_minutes,
        "nowServing": state.line.day.now_serving,
        "estimatedWaitTime": rules.wait_minutes(waiting, state.average_minutes),
        "isOpen": state.is_open,
        "lastIssued": state.line.day.last_number,
    }
