"""Assistance's entities: requests customers raise in store, with their forward-only life cycle, and
the messages of a customer's conversation with a store. Plain values, no storage."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    PENDING = "pending"
    ASSIGNED = "assigned"
    APPROACHING = "approaching"
    COMPLETED = "completed"


# Where each status may be reached from. Only forward; "assigned" is the one move that takes a
# request, so it alone starts from pending, and every later move is made by whoever took it.
PREVIOUS: dict[Status, frozenset[Status]] = {
    Status.PENDING: frozenset(),
    Status.ASSIGNED: frozenset({Status.PENDING}),
    Status.APPROACHING: frozenset({Status.ASSIGNED}),
    Status.COMPLETED: frozenset({Status.ASSIGNED, Status.APPROACHING}),
}


@dataclass(frozen=True)
class Request:
    id: str
    store_id: str
    user_id: str
    request_type: str
    details: str
    status: Status
    created_at: str
    updated_at: str
    staff_id: str | None = None
    staff_name: str | None = None
    rating: int | None = None
    comment: str | None = None
    # The store's merchant, so staff rights are checked without reading the store (None on requests
    # raised before it was kept).
    merchant_id: str | None = None


@dataclass(frozen=True)
class Message:
    id: str
    store_id: str
    user_id: str  # the customer whose conversation it is
    sender_id: str
    from_staff: bool
    text: str
    created_at: str
    # Microsecond UTC stamp ordering the conversation: two messages in one second keep their order.
    sent_at: str = ""
    merchant_id: str | None = None  # the store's
