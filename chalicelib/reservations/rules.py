"""Reservation rules: pure functions of their inputs (no AWS, no clock)."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from datetime import datetime, timedelta
from enum import StrEnum

from chalicelib.core.clock import from_iso
from chalicelib.core.errors import Conflict
from chalicelib.core.ids import stable_id
from chalicelib.reservations.domain import Reservation, ReservationStatus

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


def not_open(status: str) -> Conflict:
    return Conflict(f"Reservation is {status}, not open.", code="RESERVATION_NOT_OPEN")


def check_pickup_code(reservation: Reservation, code: str) -> None:
    if reservation.status is not ReservationStatus.OPEN:
        raise not_open(reservation.status)
    if not hmac.compare_digest(reservation.pickup_code.encode(), code.encode()):
        raise Conflict("Pickup code does not match.", code="INVALID_PICKUP_CODE")


class ExpiryAction(StrEnum):
    SKIP = "skip"  # already picked up, cancelled or expired: a late or repeated timer does nothing
    RESCHEDULE = "reschedule"  # fired before its time (clock skew, a replaced schedule): try again later
    EXPIRE = "expire"


def expiry_action(reservation: Reservation | None, now: datetime) -> ExpiryAction:
    if reservation is None or reservation.status is not ReservationStatus.OPEN:
        return ExpiryAction.SKIP
    if now < from_iso(reservation.expires_at):
        return ExpiryAction.RESCHEDULE
    return ExpiryAction.EXPIRE
