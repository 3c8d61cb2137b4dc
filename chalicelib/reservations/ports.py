"""What the reservation use cases need from the world, as ports: the AWS side is `adapters.py`,
the in-memory side `tests/fakes/reservations.py`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from chalicelib.catalog.api import Product
from chalicelib.inventory.api import StockKey
from chalicelib.notifications.api import Notification
from chalicelib.reservations.domain import Reservation, ReservationStatus
from chalicelib.reservations.settings import ReservationSettings
from chalicelib.stores.api import Store


class ReservationStore(Protocol):
    """The area's items (`models.py`): every change one transaction that also moves the stock."""

    def create(self, reservation: Reservation, *, limit: int, ttl: int, sentinel_ttl: int) -> None: ...

    def close(
        self, reservation: Reservation, *, new_status: ReservationStatus, now_iso: str, pickup_code: str | None = None
    ) -> None: ...

    def get(self, reservation_id: str) -> Reservation | None: ...

    def of_user(self, user_id: str, status: ReservationStatus | None, limit: int) -> list[Reservation]: ...

    def of_store(self, store_id: str, status: ReservationStatus | None, limit: int) -> list[Reservation]: ...


class ExpiryTimers(Protocol):
    """One-time timers keyed by reservation id (EventBridge Scheduler)."""

    def schedule(self, reservation_id: str, at: datetime) -> None: ...

    def cancel(self, reservation_id: str) -> None: ...


@dataclass(frozen=True)
class Ports:
    reservations: ReservationStore
    timers: ExpiryTimers
    # The product a store sells (catalog), or its 404.
    require_product: Callable[[str, str], Product]
    # The store (stores), or its 404.
    require_store: Callable[[str], Store]
    # Units of a SKU available at a location now (inventory).
    available: Callable[[StockKey], int]
    # Puts a notice on the notifications queue.
    publish: Callable[[Notification], None]
    settings: ReservationSettings
