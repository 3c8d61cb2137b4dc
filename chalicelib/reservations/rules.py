"""Reservation rules: pure functions of their inputs (no AWS, no clock)."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from chalicelib.core.clock import from_iso
from chalicelib.core.errors import Conflict, ValidationError
from chalicelib.core.ids import stable_id
from chalicelib.reservations.models import OPEN, STATUSES, Reservation

MAX_QUANTITY = 20
# DynamoDB TTL deletes closed reservations this long after they expire (history stays a month).
TTL_AFTER_EXPIRY = timedelta(days=30)
# An open reservation's expiry sentinel: TTL deletes it this long after expiresAt, and that deletion
# (on the table's stream) expires the reservation if its timer never did. Long enough that a timer
# firing on time always wins; short enough that lost stock is back on the shelf soon.
SENTINEL_AFTER_EXPIRY = timedelta(minutes=15)
PICKUP_CODE_DIGITS = 6


def expires_at(now: datetime, hold_hours: int) -> datetime:
    return now + timedelta(hours=hold_hours)


def ttl_epoch(expiry: datetime) -> int:
    """History clean-up only; the expiry sentinel (below) is what backs up a timer that never fired."""
    return int((expiry + TTL_AFTER_EXPIRY).timestamp())


def sentinel_ttl_epoch(expiry: datetime) -> int:
    return int((expiry + SENTINEL_AFTER_EXPIRY).timestamp())


def pickup_code(randbelow: Callable[[int], int]) -> str:
    return f"{randbelow(10**PICKUP_CODE_DIGITS):0{PICKUP_CODE_DIGITS}d}"


def reservation_id(user_id: str, request_key: str | None, random_id: Callable[[], str]) -> str:
    """A client-supplied request key makes a retried POST land on the same reservation."""
    return stable_id("r", user_id, request_key) if request_key else random_id()


def validate_status(status: str | None) -> str | None:
    if status is None or status == "":
        return None
    if status not in STATUSES:
        raise ValidationError(f"'status' must be one of {', '.join(STATUSES)}.", field="status")
    return status


def check_pickup_code(reservation: Reservation, code: str) -> None:
    if reservation.status != OPEN:
        raise Conflict(f"Reservation is {reservation.status}, not open.", code="RESERVATION_NOT_OPEN")
    if not hmac.compare_digest(reservation.pickup_code.encode(), code.encode()):
        raise Conflict("Pickup code does not match.", code="INVALID_PICKUP_CODE")


class ExpiryAction(StrEnum):
    SKIP = "skip"  # already picked up, cancelled or expired: a late or repeated timer does nothing
    RESCHEDULE = "reschedule"  # fired before its time (clock skew, a replaced schedule): try again later
    EXPIRE = "expire"


def expiry_action(reservation: Reservation | None, now: datetime) -> ExpiryAction:
    if reservation is None or reservation.status != OPEN:
        return ExpiryAction.SKIP
    if now < from_iso(reservation.expires_at):
        return ExpiryAction.RESCHEDULE
    return ExpiryAction.EXPIRE


def view(reservation: Reservation, *, include_code: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": reservation.id,
        "reservationId": reservation.id,
        "storeId": reservation.store_id,
        "productId": reservation.product_id,
        "productName": reservation.product_name,
        "userId": reservation.user_id,
        "quantity": reservation.quantity,
        "status": reservation.status,
        "createdAt": reservation.created_at,
        "expiresAt": reservation.expires_at,
        "updatedAt": reservation.updated_at,
    }
    if include_code:
        body["pickupCode"] = reservation.pickup_code
    return body
