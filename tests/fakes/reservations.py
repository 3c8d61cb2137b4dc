"""The reservation ports in memory (see chalicelib/reservations/ports.py)."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from chalicelib.catalog.api import Product
from chalicelib.core.errors import Conflict, NotFound
from chalicelib.inventory.api import StockKey
from chalicelib.notifications.api import Notification
from chalicelib.reservations.domain import NotOpen, Reservation, ReservationExists, ReservationStatus
from chalicelib.reservations.ports import Ports
from chalicelib.reservations.settings import ReservationSettings
from chalicelib.stores.api import Store
from tests.fakes.inventory import FakeInventory


class FakeReservationStore:
    """Each call all-or-nothing, with the transactions' conditions in the same order of precedence."""

    def __init__(self, inventory: FakeInventory) -> None:
        self.inventory = inventory
        self.items: dict[str, Reservation] = {}
        self.hold_counts: dict[tuple[str, str, str], int] = {}
        self.sentinels: dict[str, int] = {}  # reservation id -> ttl
        # Statuses another writer sets between our read and our close (a racing cancel / expiry).
        self.race: dict[str, ReservationStatus] = {}

    def create(self, reservation: Reservation, *, limit: int, ttl: int, sentinel_ttl: int) -> None:
        stock = StockKey(reservation.merchant_id, reservation.sku_id, reservation.store_id)
        count_key = (reservation.user_id, reservation.store_id, reservation.product_id)
        if reservation.id in self.items:
            raise ReservationExists(reservation.id)
        if not self.inventory.can(stock, reservation.quantity, needs_available=True):
            raise Conflict("Not enough stock to reserve.", code="OUT_OF_STOCK")
        if self.hold_counts.get(count_key, 0) >= limit:
            raise Conflict(f"You already hold {limit} open reservations for this product.", code="RESERVATION_LIMIT")
        self.items[reservation.id] = reservation
        self.sentinels[reservation.id] = sentinel_ttl
        self.inventory.hold(stock, reservation.quantity)
        self.hold_counts[count_key] = self.hold_counts.get(count_key, 0) + 1

    def close(
        self, reservation: Reservation, *, new_status: ReservationStatus, now_iso: str, pickup_code: str | None = None
    ) -> None:
        if reservation.id in self.race:
            self.items[reservation.id] = dataclasses.replace(reservation, status=self.race.pop(reservation.id))
        current = self.items.get(reservation.id)
        if current is None or current.status is not ReservationStatus.OPEN:
            raise NotOpen(current.status if current else "gone")
        if pickup_code is not None and current.pickup_code != pickup_code:
            raise NotOpen(current.status)
        stock = StockKey(current.merchant_id, current.sku_id, current.store_id)
        if not self.inventory.can(stock, current.quantity, needs_available=False):
            raise RuntimeError("no stock item to move")
        self.items[current.id] = dataclasses.replace(current, status=new_status, updated_at=now_iso)
        self.sentinels.pop(current.id, None)
        self.hold_counts[(current.user_id, current.store_id, current.product_id)] -= 1
        if new_status is ReservationStatus.PICKED_UP:
            self.inventory.take(stock, current.quantity, held=True)
        else:
            self.inventory.release(stock, current.quantity)

    def get(self, reservation_id: str) -> Reservation | None:
        return self.items.get(reservation_id)

    def of_user(self, user_id: str, status: ReservationStatus | None, limit: int) -> list[Reservation]:
        mine = [r for r in self.items.values() if r.user_id == user_id and status in (None, r.status)]
        return sorted(mine, key=lambda r: (r.created_at, r.id), reverse=True)[:limit]

    def of_store(self, store_id: str, status: ReservationStatus | None, limit: int) -> list[Reservation]:
        theirs = [r for r in self.items.values() if r.store_id == store_id and status in (None, r.status)]
        return sorted(theirs, key=lambda r: (r.status, r.expires_at, r.id))[:limit]


class FakeTimers:
    def __init__(self) -> None:
        self.scheduled: dict[str, datetime] = {}
        self.calls: list[tuple[str, str]] = []
        self.down = False  # the Scheduler refuses every call

    def schedule(self, reservation_id: str, at: datetime) -> None:
        self.calls.append(("schedule", reservation_id))
        if self.down:
            raise RuntimeError("scheduler unavailable")
        self.scheduled[reservation_id] = at

    def cancel(self, reservation_id: str) -> None:
        self.calls.append(("cancel", reservation_id))
        if self.down:
            raise RuntimeError("scheduler unavailable")
        self.scheduled.pop(reservation_id, None)


@dataclasses.dataclass
class FakeWorld:
    """Everything a reservation use case reaches, in memory; `ports` wires it up."""

    inventory: FakeInventory = dataclasses.field(default_factory=FakeInventory)
    products: dict[tuple[str, str], Product] = dataclasses.field(default_factory=dict)
    stores: dict[str, Store] = dataclasses.field(default_factory=dict)
    published: list[Notification] = dataclasses.field(default_factory=list)
    timers: FakeTimers = dataclasses.field(default_factory=FakeTimers)
    settings: ReservationSettings = dataclasses.field(default_factory=ReservationSettings)

    def __post_init__(self) -> None:
        self.reservations = FakeReservationStore(self.inventory)

    def require_store(self, store_id: str) -> Store:
        if store_id not in self.stores:
            raise NotFound(f"Store '{store_id}' does not exist.", code="STORE_NOT_FOUND", field="storeId")
        return self.stores[store_id]

    def require_product(self, store_id: str, product_id: str) -> Product:
        if (store_id, product_id) not in self.products:
            self.require_store(store_id)
            raise NotFound(f"Product '{product_id}' does not exist.", code="PRODUCT_NOT_FOUND", field="productId")
        return self.products[(store_id, product_id)]

    def shelve(self, product: Product, units: int) -> None:
        self.products[(product.store_id, product.id)] = product
        self.inventory.set_on_hand(StockKey(product.merchant_id, product.sku_id, product.store_id), units)

    @property
    def ports(self) -> Ports:
        return Ports(
            reservations=self.reservations,
            timers=self.timers,
            require_product=self.require_product,
            require_store=self.require_store,
            available=self.inventory.available,
            publish=self.published.append,
            settings=self.settings,
        )
