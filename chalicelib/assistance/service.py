"""Assistance use cases: conditional writes in `models`, decisions in `rules`, notices via the queue."""

from __future__ import annotations

from datetime import UTC, datetime

from chalicelib.assistance import models, rules
from chalicelib.assistance.rules import Message, Request, Status
from chalicelib.core.auth import Principal
from chalicelib.core.clock import to_iso
from chalicelib.core.errors import Conflict, Forbidden, NotFound
from chalicelib.core.ids import new_id
from chalicelib.identity.api import get_store_staff, store_staff
from chalicelib.notifications.api import Notification, publish
from chalicelib.stores.api import Store, require_store

STATUS_TITLES = {
    Status.ASSIGNED: "已有店员接单",
    Status.APPROACHING: "店员正在赶来",
    Status.COMPLETED: "协助已完成",
}


def require_request(request_id: str) -> tuple[Request, Store]:
    request = models.get_request(request_id)
    if request is None:
        raise NotFound(f"Assistance request '{request_id}' does not exist.", code="REQUEST_NOT_FOUND")
    return request, require_store(request.store_id)


def is_staff(principal: Principal, store: Store) -> bool:
    return principal.can_staff(store.id, store.merchant_id)


def create_request(
    store: Store, user_id: str, request_type: str, details: str, client_timestamp: int | None, now: datetime
) -> Request:
    """Stores the request once per (store, user, client timestamp) and tells the store's staff."""
    request_id = (
        rules.natural_id("ar", store.id, user_id, str(client_timestamp))
        if client_timestamp is not None
        else new_id("ar")
    )
    request = Request(
        id=request_id,
        store_id=store.id,
        user_id=user_id,
        request_type=request_type,
        details=details,
        status=Status.PENDING,
        created_at=to_iso(now),
        updated_at=to_iso(now),
    )
    if not models.create_request(request):
        existing = models.get_request(request_id)
        if existing is None or existing.user_id != user_id:
            raise Conflict("This request id is taken.", code="DUPLICATE_REQUEST")
        return existing
    for staff_id in rules.staff_to_notify(store_staff(store.id), store.timezone, now):
        publish(
            Notification(
                id=f"assist-{request.id}-{staff_id}",
                user_id=staff_id,
                kind="assistance_requested",
                title="顾客需要协助",
                body=f"{store.name}：{request_type}" + (f" - {details[:60]}" if details else ""),
                data={"requestId": request.id, "storeId": store.id, "requestType": request_type},
            )
        )
    return request


def _staff_name(store_id: str, user_id: str) -> str:
    member = get_store_staff(store_id, user_id)
    return member.display_name if member and member.display_name else rules.staff_display_name(user_id)


def change_status(request: Request, store: Store, principal: Principal, target: Status, now: datetime) -> Request:
    """Forward-only move by the store's staff. Repeating a move you already made answers it again;
    a request someone else took, or a move backwards, is a 409."""
    principal.ensure_staff_of(store.id, store.merchant_id)
    sources = rules.sources_of(target)
    moved = models.move(
        request,
        target,
        sources,
        to_iso(now),
        staff_id=principal.user_id,
        staff_name=_staff_name(store.id, principal.user_id) if target is Status.ASSIGNED else "",
        require_assignee=not rules.may_override_assignee(principal),
    )
    current, _ = require_request(request.id)
    if not moved:
        mine = current.staff_id == principal.user_id
        if current.status is target and mine:
            return current
        if target is Status.ASSIGNED and not mine:
            raise Conflict("Another staff member already took this request.", code="ALREADY_ASSIGNED")
        if current.status in sources and not mine:
            raise Forbidden("Only the staff member who took this request can move it on.")
        raise Conflict(
            f"A request that is {current.status.value} cannot become {target.value}.", code="INVALID_TRANSITION"
        )
    publish(
        Notification(
            id=f"assist-{request.id}-{target.value}",
            user_id=request.user_id,
            kind="assistance_status",
            title=STATUS_TITLES[target],
            body=f"{current.staff_name or ''} {STATUS_TITLES[target]}".strip(),
            data={"requestId": request.id, "status": target.value},
        )
    )
    return current


def give_feedback(request: Request, principal: Principal, rating: int, comment: str, now: datetime) -> Request:
    if principal.user_id != request.user_id:
        raise Forbidden("Only the customer who asked for help can rate it.")
    if not models.give_feedback(request, rating, comment, to_iso(now)):
        current, _ = require_request(request.id)
        if current.status is not Status.COMPLETED:
            raise Conflict("Feedback opens once the request is completed.", code="NOT_COMPLETED")
        raise Conflict("Feedback was already given for this request.", code="FEEDBACK_ALREADY_GIVEN")
    current, _ = require_request(request.id)
    return current


def send_message(
    store: Store, principal: Principal, customer_id: str | None, text: str, client_timestamp: int | None, now: datetime
) -> Message:
    """A message in the (store, customer) conversation, from the customer or, naming them, from staff.
    Retries with the same client timestamp store it once."""
    customer = rules.conversation_owner(principal, customer_id, is_staff(principal, store))
    from_staff = customer != principal.user_id
    message_id = (
        rules.natural_id("msg", store.id, customer, principal.user_id, str(client_timestamp), text)
        if client_timestamp is not None
        else new_id("msg")
    )
    message = Message(
        id=message_id,
        store_id=store.id,
        user_id=customer,
        sender_id=principal.user_id,
        from_staff=from_staff,
        text=text,
        created_at=to_iso(now),
        sent_at=now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
    )
    if models.add_message(message) and from_staff:
        publish(
            Notification(
                id=f"staff-message-{message.id}",
                user_id=customer,
                kind="staff_message",
                title=f"{store.name} 店员回复",
                body=text[:100],
                data={"storeId": store.id, "messageId": message.id},
            )
        )
    return message


def conversation(store: Store, principal: Principal, customer_id: str | None, limit: int) -> list[Message]:
    customer = rules.conversation_owner(principal, customer_id, is_staff(principal, store))
    return models.conversation(store.id, customer, limit)
