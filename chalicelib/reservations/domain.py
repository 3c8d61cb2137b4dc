"""The reservation and its statuses: plain values the rules, the use cases and storage share."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


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
