"""Assistance's response bodies (the client contract's field names live here)."""

from __future__ import annotations

from typing import Any

from chalicelib.assistance.domain import Message, Request
from chalicelib.assistance.rules import staff_display_name


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
