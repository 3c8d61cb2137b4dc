"""Pure assistance rules: the forward-only life cycle, natural ids, who may see what, views."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from chalicelib.core.auth import Principal, Role
from chalicelib.core.errors import Forbidden, ValidationError
from chalicelib.core.ids import stable_id as natural_id  # noqa: F401  (the one helper; service.py calls it by this name)
from chalicelib.identity.domain import StoreStaff
from chalicelib.stores.domain import is_open


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


@dataclass(frozen=True)
class Message:
    id: str
    store_id: str
    user_id: str
    sender_id: str
    from_staff: bool
    text: str
    created_at: str
    # Microsecond UTC stamp ordering the conversation: two messages in one second keep their order.
    sent_at: str = ""


def parse_status(value: str | None, field: str = "status") -> Status:
    try:
        return Status(value or "")
    except ValueError:
        allowed = ", ".join(s.value for s in Status)
        raise ValidationError(f"'{field}' must be one of {allowed}.", field=field) from None


def sources_of(target: Status) -> frozenset[Status]:
    sources = PREVIOUS[target]
    if not sources:
        raise ValidationError("A request cannot move back to pending.", code="INVALID_TRANSITION", field="status")
    return sources


def staff_display_name(user_id: str) -> str:
    """For staff the merchant has not named yet: a short, stable label customers can still tell apart."""
    return f"店员 {user_id[-4:].upper()}"


def ensure_can_view(request: Request, principal: Principal, staff_of_store: bool) -> None:
    if principal.user_id != request.user_id and not staff_of_store:
        raise Forbidden("Only the requester or the store's staff can see this request.")


def conversation_owner(principal: Principal, customer_id: str | None, staff_of_store: bool) -> str:
    """Whose conversation a message belongs to: the caller's own, or, for the store's staff, the
    customer they name. Anyone else naming another user gets 403."""
    if customer_id is None or customer_id == principal.user_id:
        return principal.user_id
    if not staff_of_store:
        raise Forbidden("Only the store's staff can talk in another user's conversation.")
    return customer_id


def may_override_assignee(principal: Principal) -> bool:
    """The merchant's admin can finish a request someone else took (staff go off shift)."""
    return principal.role is Role.ADMIN


def request_view(request: Request) -> dict[str, Any]:
    feedback = None if request.rating is None else {"rating": request.rating, "comment": request.comment or ""}
    return {
        "id": request.id,
        "requestId": request.id,
        "storeId": request.store_id,
        "userId": request.user_id,
        "requestType": request.request_type,
        "details": request.details,
        "status": request.status.value,
        "staffId": request.staff_id,
        "staffName": request.staff_name,
        "createdAt": request.created_at,
        "updatedAt": request.updated_at,
        "feedback": feedback,
    }


def status_view(request: Request) -> dict[str, Any]:
    return {
        "requestId": request.id,
        "status": request.status.value,
        "staffName": request.staff_name,
        "updatedAt": request.updated_at,
        "requestType": request.request_type,
        "createdAt": request.created_at,
    }


def message_view(message: Message) -> dict[str, Any]:
    return {
        "id": message.id,
        "messageId": message.id,
        "storeId": message.store_id,
        "userId": message.user_id,
        "from": "staff" if message.from_staff else "customer",
        "senderId": message.sender_id,
        "senderName": staff_display_name(message.sender_id) if message.from_staff else None,
        "message": message.text,
        "createdAt": message.created_at,
    }


def staff_to_notify(staff: list[StoreStaff], timezone: str, now: datetime) -> list[str]:
    """Staff whose rota covers `now` (store timezone), plus those with no rota set; if that leaves
    nobody (after hours, everyone off), all the store's staff, so a request is never seen by no one."""
    on_shift = [m.user_id for m in staff if m.shifts is None or is_open(m.shifts, timezone, now)]
    return on_shift or [m.user_id for m in staff]
