"""Reservation items and their data access.

- `RESERVATION#<id>` / `META`: the reservation; gsi1 = `STORE#<storeId>#RESERVATIONS` /
  `<status>#<expiresAt>#<id>` (a store's reservations by status, soonest expiry first).
  gsi2 = `RESERVATIONS#<merchantId>` / `<createdAt>#<id>` (a merchant's reservations in time order,
  for exports).
- `USER#<userId>` / `RESERVATION#<createdAt>#<id>`: the customer's copy, changed in the same
  transactions as the reservation, so "my reservations" is one Query.
- `USER#<userId>` / `RESHOLD#<storeId>#<productId>`: `open_count`, the per-user-per-product guard.
- `RESEXPIRY#<id>` / `SENTINEL`: exists exactly while the reservation is open; its `ttl` is shortly
  after expiresAt. If the expiry timer never fires, DynamoDB TTL deletes it and the stream consumer
  (`backstop.py`) expires the reservation.

Every state change is one TransactWriteItems conditioned on `status = open`, which is what makes
expiry, cancel and pickup exactly-once and mutually exclusive. The stock moves in the same
transactions through inventory's pieces (hold on create; release on cancel / expiry; take from the
hold on pickup): this module never touches another area's item.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.update import Action
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from chalicelib.core.errors import Conflict
from chalicelib.data.table import ExpiringModel, TableModel, Transaction, TransactionCancelled, key, transact
from chalicelib.inventory import api as inventory
from chalicelib.reservations.area import EXPIRY_SENTINEL
from chalicelib.reservations.domain import (
    RESERVATION_SK,
    NotOpen,
    Reservation,
    ReservationExists,
    ReservationStatus,
)

USER_COPY_PREFIX = "RESERVATION#"
HOLD_PREFIX = "RESHOLD#"
SENTINEL_PREFIX = "RESEXPIRY#"
SENTINEL_SK = "SENTINEL"

# Transaction labels: which of our actions a cancellation was about (inventory labels its own).
NEW_RESERVATION = "new reservation"
OPEN_RESERVATION = "open reservation"
HOLD_COUNT = "hold count"


class StoreReservationsIndex(GlobalSecondaryIndex["ReservationItem"]):
    class Meta:
        index_name = "gsi1"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True)
    gsi1sk = UnicodeAttribute(range_key=True)


class MerchantReservationsIndex(GlobalSecondaryIndex["ReservationItem"]):
    class Meta:
        index_name = "gsi2"
        projection = AllProjection()

    gsi2pk = UnicodeAttribute(hash_key=True)
    gsi2sk = UnicodeAttribute(range_key=True)


class ReservationItem(ExpiringModel):
    reservation_id = UnicodeAttribute()
    merchant_id = UnicodeAttribute()
    store_id = UnicodeAttribute()
    product_id = UnicodeAttribute()
    sku_id = UnicodeAttribute(null=True)  # absent on reservations made before inventory: the product id
    product_name = UnicodeAttribute()
    user_id = UnicodeAttribute()
    quantity = NumberAttribute()
    status = UnicodeAttribute()
    pickup_code = UnicodeAttribute()
    created_at = UnicodeAttribute()
    expires_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)

    store_index = StoreReservationsIndex()
    listing = MerchantReservationsIndex()


class HoldItem(TableModel):
    """How many open reservations a user holds for one product; the limit is its update condition."""

    open_count = NumberAttribute(null=True)
    merchant_id = UnicodeAttribute(null=True)  # set by the update that creates it


class ExpirySentinel(ExpiringModel):
    """Its TTL deletion is the backstop for a lost expiry timer; closing the reservation deletes it."""

    ENTITY_TYPE = EXPIRY_SENTINEL

    reservation_id = UnicodeAttribute()
    merchant_id = UnicodeAttribute(null=True)


def reservation_key(reservation_id: str) -> tuple[str, str]:
    return key("RESERVATION", reservation_id), RESERVATION_SK


def user_copy_key(user_id: str, created_at: str, reservation_id: str) -> tuple[str, str]:
    return key("USER", user_id), f"{USER_COPY_PREFIX}{created_at}#{reservation_id}"


def hold_key(user_id: str, store_id: str, product_id: str) -> tuple[str, str]:
    return key("USER", user_id), f"{HOLD_PREFIX}{store_id}#{product_id}"


def sentinel_key(reservation_id: str) -> tuple[str, str]:
    return f"{SENTINEL_PREFIX}{reservation_id}", SENTINEL_SK


def sentinel_reservation_id(pk: str, sk: str) -> str | None:
    """The reservation an expiry sentinel's key belongs to; None for any other item."""
    if sk != SENTINEL_SK or not pk.startswith(SENTINEL_PREFIX):
        return None
    return pk[len(SENTINEL_PREFIX) :] or None


def store_index_key(store_id: str) -> str:
    return key("STORE", store_id, "RESERVATIONS")


def store_index_sort(status: str, expires_at: str, reservation_id: str) -> str:
    return f"{status}#{expires_at}#{reservation_id}"


def _stock(reservation: Reservation) -> inventory.StockKey:
    return inventory.StockKey(reservation.merchant_id, reservation.sku_id, reservation.store_id)


def _to_reservation(item: ReservationItem) -> Reservation:
    return Reservation(
        id=item.reservation_id,
        merchant_id=item.merchant_id,
        store_id=item.store_id,
        product_id=item.product_id,
        sku_id=item.sku_id or item.product_id,
        product_name=item.product_name,
        user_id=item.user_id,
        quantity=int(item.quantity),
        status=ReservationStatus(item.status),
        pickup_code=item.pickup_code,
        created_at=item.created_at,
        expires_at=item.expires_at,
        updated_at=item.updated_at,
    )


def _items(reservation: Reservation, ttl: int) -> tuple[ReservationItem, ReservationItem]:
    fields: dict[str, Any] = {
        "reservation_id": reservation.id,
        "merchant_id": reservation.merchant_id,
        "store_id": reservation.store_id,
        "product_id": reservation.product_id,
        "sku_id": reservation.sku_id,
        "product_name": reservation.product_name,
        "user_id": reservation.user_id,
        "quantity": reservation.quantity,
        "status": reservation.status.value,
        "pickup_code": reservation.pickup_code,
        "created_at": reservation.created_at,
        "expires_at": reservation.expires_at,
        "updated_at": reservation.updated_at,
        "ttl": ttl,
    }
    pk, sk = reservation_key(reservation.id)
    main = ReservationItem(
        pk,
        sk,
        gsi1pk=store_index_key(reservation.store_id),
        gsi1sk=store_index_sort(reservation.status, reservation.expires_at, reservation.id),
        gsi2pk=key("RESERVATIONS", reservation.merchant_id),
        gsi2sk=f"{reservation.created_at}#{reservation.id}",
        **fields,
    )
    upk, usk = user_copy_key(reservation.user_id, reservation.created_at, reservation.id)
    return main, ReservationItem(upk, usk, **fields)


def create(reservation: Reservation, *, limit: int, ttl: int, sentinel_ttl: int) -> None:
    """Holds the stock, counts the hold and writes the reservation and its expiry sentinel in one
    transaction. Raises ReservationExists (a retry), or 409 OUT_OF_STOCK / RESERVATION_LIMIT."""
    main, copy = _items(reservation, ttl)
    spk, ssk = sentinel_key(reservation.id)
    sentinel = ExpirySentinel(
        spk, ssk, reservation_id=reservation.id, merchant_id=reservation.merchant_id, ttl=sentinel_ttl
    )
    hpk, hsk = hold_key(reservation.user_id, reservation.store_id, reservation.product_id)

    def build(tx: Transaction) -> None:
        tx.save(main, condition=ReservationItem.pk.does_not_exist(), label=NEW_RESERVATION)
        tx.save(copy, condition=ReservationItem.pk.does_not_exist(), label=NEW_RESERVATION)
        tx.save(sentinel, condition=ExpirySentinel.pk.does_not_exist(), label=NEW_RESERVATION)
        inventory.hold(tx, _stock(reservation), reservation.quantity)
        tx.update(
            HoldItem(hpk, hsk),
            actions=[
                HoldItem.open_count.add(1),
                HoldItem.et.set(HoldItem.entity_type()),
                HoldItem.merchant_id.set(reservation.merchant_id),
            ],
            condition=HoldItem.open_count.does_not_exist() | (HoldItem.open_count < limit),
            label=HOLD_COUNT,
        )

    try:
        transact(build)
    except TransactionCancelled as err:
        if err.failed(NEW_RESERVATION):
            raise ReservationExists(reservation.id) from None
        if inventory.short_of(err):
            raise Conflict("Not enough stock to reserve.", code="OUT_OF_STOCK") from None
        if err.failed(HOLD_COUNT):
            raise Conflict(
                f"You already hold {limit} open reservations for this product.", code="RESERVATION_LIMIT"
            ) from None
        raise


def close(
    reservation: Reservation, *, new_status: ReservationStatus, now_iso: str, pickup_code: str | None = None
) -> None:
    """open -> new_status in one transaction conditioned on status = open (and, for a pickup, on the
    code); raises NotOpen with the status it found instead (read from the failed condition's old
    item, not re-read).

    Expiry and cancel release the held units back on sale; a pickup takes them from the hold (sold).
    The expiry sentinel goes in the same transaction (unconditionally: TTL may have taken it already,
    which is how the backstop gets here)."""
    pk, sk = reservation_key(reservation.id)
    upk, usk = user_copy_key(reservation.user_id, reservation.created_at, reservation.id)
    hpk, hsk = hold_key(reservation.user_id, reservation.store_id, reservation.product_id)
    open_condition = ReservationItem.status == ReservationStatus.OPEN.value
    if pickup_code is not None:
        open_condition = open_condition & (ReservationItem.pickup_code == pickup_code)
    actions: list[Action] = [ReservationItem.status.set(new_status.value), ReservationItem.updated_at.set(now_iso)]
    spk, ssk = sentinel_key(reservation.id)

    def build(tx: Transaction) -> None:
        tx.delete(ExpirySentinel(spk, ssk))
        tx.update(
            ReservationItem(pk, sk),
            actions=[
                *actions,
                ReservationItem.gsi1sk.set(store_index_sort(new_status, reservation.expires_at, reservation.id)),
            ],
            condition=open_condition,
            return_values="ALL_OLD",
            label=OPEN_RESERVATION,
        )
        tx.update(ReservationItem(upk, usk), actions=actions, condition=ReservationItem.pk.exists())
        tx.update(HoldItem(hpk, hsk), actions=[HoldItem.open_count.add(-1)])
        if new_status is ReservationStatus.PICKED_UP:
            inventory.take(tx, _stock(reservation), reservation.quantity, held=True)
        else:
            inventory.release(tx, _stock(reservation), reservation.quantity)

    try:
        transact(build)
    except TransactionCancelled as err:
        if err.failed(OPEN_RESERVATION):
            old = err.old_item(OPEN_RESERVATION)
            raise NotOpen(ReservationItem.from_raw_data(old).status if old else "gone") from None
        raise


def get(reservation_id: str) -> Reservation | None:
    pk, sk = reservation_key(reservation_id)
    try:
        return _to_reservation(ReservationItem.get(pk, sk, consistent_read=True))
    except DoesNotExist:
        return None


def of_user(user_id: str, status: ReservationStatus | None, limit: int) -> list[Reservation]:
    """The customer's reservations, newest first: one Query of their partition."""
    items = ReservationItem.query(
        key("USER", user_id),
        ReservationItem.sk.startswith(USER_COPY_PREFIX),
        filter_condition=(ReservationItem.status == status.value) if status else None,
        scan_index_forward=False,
        consistent_read=True,
        limit=limit,
        page_size=limit,
    )
    return [_to_reservation(i) for i in items]


def of_store(store_id: str, status: ReservationStatus | None, limit: int) -> list[Reservation]:
    """A store's reservations (optionally one status), soonest expiry first: one gsi1 Query."""
    condition = ReservationItem.gsi1sk.startswith(f"{status.value}#") if status else None
    items = ReservationItem.store_index.query(store_index_key(store_id), condition, limit=limit, page_size=limit)
    return [_to_reservation(i) for i in items]


def export_rows(merchant_id: str, start: str, end: str) -> Iterator[dict[str, Any]]:
    """The merchant's reservations made in [start, end), oldest first: gsi2, page by page."""
    condition = ReservationItem.gsi2sk.between(start, end)
    for item in ReservationItem.listing.query(key("RESERVATIONS", merchant_id), condition, page_size=500):
        if item.gsi2sk >= end:
            continue
        yield {
            "createdAt": item.created_at,
            "reservationId": item.reservation_id,
            "storeId": item.store_id,
            "productId": item.product_id,
            "productName": item.product_name,
            "userId": item.user_id,
            "quantity": int(item.quantity),
            "status": item.status,
            "expiresAt": item.expires_at,
            "updatedAt": item.updated_at,
        }
