"""The reservation and its statuses: plain values the rules, the use cases and storage share."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from chalicelib.core.counters import ACTIVITY, UNITS_SOLD, Image, Increment


class ReservationStatus(StrEnum):
    OPEN = "open"
    PICKED_UP = "picked_up"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


@dataclass(frozen=True)
class Reservation:
    id: str
    merchant_id: str  # the store's: the stock it holds is this merchant's
    store_id: str
    product_id: str
    # The stock it holds: that SKU at the store (catalog says which SKU a product sells).
    sku_id: str
    product_name: str
    user_id: str
    quantity: int
    status: ReservationStatus
    pickup_code: str
    created_at: str
    expires_at: str
    updated_at: str


class ReservationExists(Exception):
    """The reservation id was already taken (an idempotent retry of the same request)."""


class NotOpen(Exception):
    """A close found the reservation no longer open (or gone): another close got there first."""

    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


# --- counter feed (core/counters.py): what a reservation's change counts for analytics ------------
# The reservation's own item; the customer's copy (same entity type, changed in the same
# transaction) must not count a second time.
RESERVATION_SK = "META"
_CLOSED_METRIC = {
    ReservationStatus.PICKED_UP.value: "reservations_picked_up",
    ReservationStatus.EXPIRED.value: "reservations_expired",
    ReservationStatus.CANCELLED.value: "reservations_cancelled",
}


def reservation_counters(old: Image | None, new: Image | None) -> list[Increment]:
    """A new reservation counts as made (at its creation); a status change into a closed status
    counts that closing (at the change); a pick-up also counts its units sold per SKU (pick-ups
    stand for sales until the mall lands). Other changes and deletions count nothing."""
    if new is None or new.get("sk") != RESERVATION_SK or not new.get("merchant_id"):
        return []
    merchant_id, store_id = str(new["merchant_id"]), str(new["store_id"])
    status = str(new.get("status"))
    if old is None:
        made = str(new["created_at"])
        return [
            Increment("reservations_made", merchant_id, made, store_id),
            Increment(ACTIVITY, merchant_id, made, store_id),
        ]
    if old.get("status") == status or status not in _CLOSED_METRIC:
        return []
    at = str(new.get("updated_at") or new["created_at"])
    counted = [Increment(_CLOSED_METRIC[status], merchant_id, at, store_id)]
    if status == ReservationStatus.PICKED_UP.value:
        sku = str(new.get("sku_id") or new["product_id"])
        counted.append(Increment(UNITS_SOLD, merchant_id, at, store_id, int(new["quantity"]), sku))
    return counted
