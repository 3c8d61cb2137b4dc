"""Reservation responses (the mini program's contract: docs/client-contract-store.md)."""

from __future__ import annotations

from typing import Any

from chalicelib.reservations.domain import Reservation


def reservation_view(reservation: Reservation, *, include_code: bool) -> dict[str, Any]:
    """Staff lists leave the pickup code out: the customer presents theirs at the counter."""
    body: dict[str, Any] = {
        "id": reservation.id,
        "reservationId": reservation.id,
        "storeId": reservation.store_id,
        "productId": reservation.product_id,
        "productName": reservation.product_name,
        "userId": reservation.user_id,
        "quantity": reservation.quantity,
        "status": reservation.status.value,
        "createdAt": reservation.created_at,
        "expiresAt": reservation.expires_at,
        "updatedAt": reservation.updated_at,
    }
    if include_code:
        body["pickupCode"] = reservation.pickup_code
    return body
