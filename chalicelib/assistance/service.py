"""Assistance use cases: conditional writes through the repository port, decisions in `rules`,
notices through the notifications port. No use case reads an item twice: writes answer with the
request as it ends up, or as it stands when their condition failed."""

from __future__ import annotations

from datetime import UTC, datetime

from chalicelib.assistance import rules
from chalicelib.assistance.domain import Message, Request, Status
from chalicelib.assistance.ports import AssistancePorts
from chalicelib.core.auth import Principal
from chalicelib.core.clock import to_iso
from chalicelib.core.errors import Conflict, Forbidden, NotFound
from chalicelib.core.ids import stable_id
from chalicelib.core.ratelimit import charge
from chalicelib.notifications.domain import Notification
from chalicelib.stores.domain import Store

STATUS_TITLES = {
    Status.ASSIGNED: "已有店员接单",
    Status.APPROACHING: "店员正在赶来",
    Status.COMPLETED: "协助已完成",
}


def require_request(ports: AssistancePorts, request_id: str) -> Request:
    request = ports.repo.get_request(request_id)
    if request is None:
        raise NotFound(f"Assistance request '{request_id}' does not exist.", code="REQUEST_NOT_FOUND")
    return request


def is_staff(principal: Principal, store: Store) -> bool:
    return principal.can_staff(store.id, store.merchant_id)


def _is_staff_of_request(ports: AssistancePorts, principal: Principal, request: Request) -> bool:
    """Requests name their merchant; only older ones need the store read to know it."""
    merchant_id = request.merchant_id
    if merchant_id is None:
        store = ports.get_store(request.store_id)
        merchant_id = store.merchant_id if store is not None else ""
    return principal.can_staff(request.store_id, merchant_id)


def create_request(
    ports: AssistancePorts,
    store: Store,
    user_id: str,
    request_type: str,
    details: str,
    client_timestamp: int | None,
    now: datetime,
) -> Request:
    """Stores the request once per (store, user, client timestamp) and tells the store's staff on shift.
    A retry answers the stored request and notifies no one again; only new requests count against
    REQUEST_LIMIT."""
    request_id = (
        stable_id("ar", store.id, user_id, str(client_timestamp))
        if client_timestamp is not None
        else ports.new_id("ar")
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
        merchant_id=store.merchant_id,
    )
    existing = ports.repo.create_request(request, charge(rules.REQUEST_LIMIT, user_id, now))
    if existing is not None:
        if existing.user_id != user_id:
            raise Conflict("This request id is taken.", code="DUPLICATE_REQUEST")
        return existing
    for staff_id in rules.staff_to_notify(ports.store_staff(store.id), store.timezone, now):
        ports.publish(
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


def request_status(ports: AssistancePorts, request_id: str, principal: Principal) -> Request:
    """The requester, or the store's staff."""
    request = require_request(ports, request_id)
    if principal.user_id != request.user_id:
        rules.ensure_can_view(request, principal, _is_staff_of_request(ports, principal, request))
    return request


def store_requests(ports: AssistancePorts, store: Store, status: Status | None, limit: int) -> list[Request]:
    return ports.repo.store_requests(store.id, status, limit)


def _staff_name(ports: AssistancePorts, store_id: str, user_id: str) -> str:
    member = ports.staff_member(store_id, user_id)
    return member.display_name if member and member.display_name else rules.staff_display_name(user_id)


def change_status(
    ports: AssistancePorts, request_id: str, principal: Principal, target: Status, now: datetime
) -> Request:
    """Forward-only move by the store's staff. Repeating a move you already made answers it again;
    a request someone else took, or a move backwards, is a 409."""
    sources = rules.sources_of(target)
    request = require_request(ports, request_id)
    if not _is_staff_of_request(ports, principal, request):
        raise Forbidden("Only staff of this store may do this.")
    if request.status is target and request.staff_id == principal.user_id:
        return request  # a repeat of a move this caller made: nothing to write
    moved, current = ports.repo.move(
        request,
        target,
        sources,
        to_iso(now),
        staff_id=principal.user_id,
        staff_name=_staff_name(ports, request.store_id, principal.user_id) if target is Status.ASSIGNED else "",
        require_assignee=not rules.may_override_assignee(principal),
    )
    if current is None:
        raise NotFound(f"Assistance request '{request_id}' does not exist.", code="REQUEST_NOT_FOUND")
    if not moved:
        refusal = rules.refused_move(current, principal, target)
        if refusal is not None:
            raise refusal
        return current
    ports.publish(
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


def give_feedback(
    ports: AssistancePorts, request_id: str, principal: Principal, rating: int, comment: str, now: datetime
) -> Request:
    """One conditional write decides (requester, completed, not yet rated) and explains a refusal."""
    rated, current = ports.repo.give_feedback(request_id, principal.user_id, rating, comment, to_iso(now))
    if current is None:
        raise NotFound(f"Assistance request '{request_id}' does not exist.", code="REQUEST_NOT_FOUND")
    if not rated:
        raise rules.refused_feedback(current, principal.user_id)
    return current


def send_message(
    ports: AssistancePorts,
    store: Store,
    principal: Principal,
    customer_id: str | None,
    text: str,
    client_timestamp: int | None,
    now: datetime,
) -> Message:
    """A message in the (store, customer) conversation, from the customer or, naming them, from staff.
    Retries with the same client timestamp store it once; new messages count against MESSAGE_LIMIT."""
    customer = rules.conversation_owner(principal, customer_id, is_staff(principal, store))
    from_staff = customer != principal.user_id
    message_id = (
        stable_id("msg", store.id, customer, principal.user_id, str(client_timestamp), text)
        if client_timestamp is not None
        else ports.new_id("msg")
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
        merchant_id=store.merchant_id,
    )
    if ports.repo.add_message(message, charge(rules.MESSAGE_LIMIT, principal.user_id, now)) and from_staff:
        ports.publish(
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


def conversation(
    ports: AssistancePorts, store: Store, principal: Principal, customer_id: str | None, limit: int
) -> list[Message]:
    customer = rules.conversation_owner(principal, customer_id, is_staff(principal, store))
    return ports.repo.conversation(store.id, customer, limit)
