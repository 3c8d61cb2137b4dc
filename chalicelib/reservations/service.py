"""Reservation use cases: who may do what, in which order the writes and the timer happen.

Every effect goes through `Ports` (AWS in `adapters.py`, in memory in tests/fakes), so these rules
are tested without AWS; the transactions' own guarantees are tested on moto server."""

from __future__ import annotations

import dataclasses
import secrets
from datetime import datetime

from chalicelib.core.auth import Principal
from chalicelib.core.clock import from_iso, to_iso
from chalicelib.core.errors import Conflict, NotFound, UpstreamUnavailable
from chalicelib.core.ids import new_id
from chalicelib.core.observability import count, logger
from chalicelib.inventory.api import StockKey
from chalicelib.notifications.api import Notification
from chalicelib.reservations import rules
from chalicelib.reservations.domain import NotOpen, Reservation, ReservationExists, ReservationStatus
from chalicelib.reservations.ports import Ports


def reserve(
    ports: Ports,
    principal: Principal,
    store_id: str,
    product_id: str,
    quantity: int,
    request_key: str | None,
    now: datetime,
) -> Reservation:
    """The expiry timer, then stock hold, hold count and reservation in one transaction.

    The timer comes first, so no reservation ever exists without something that will expire it,
    and when it cannot be made nothing has been written: a retry with the same request key then
    reserves for real. A timer left by a refused attempt is deleted (or fires and finds nothing).
    """
    product = ports.require_product(store_id, product_id)
    if not request_key and ports.available(StockKey(product.merchant_id, product.sku_id, store_id)) < quantity:
        # Spares the Scheduler a create and a delete per refused tap in a rush; the transaction's
        # condition decides a sale. A keyed request may be the retry of the reservation that took
        # these units, so it skips this read and goes on to find it.
        raise Conflict("Not enough stock to reserve.", code="OUT_OF_STOCK")
    config = ports.settings
    reservation_id = rules.reservation_id(principal.user_id, request_key, lambda: new_id("r"))
    expiry = rules.expires_at(now, config.hold_hours)
    reservation = Reservation(
        id=reservation_id,
        merchant_id=product.merchant_id,
        store_id=store_id,
        product_id=product_id,
        sku_id=product.sku_id,
        product_name=product.name,
        user_id=principal.user_id,
        quantity=quantity,
        status=ReservationStatus.OPEN,
        pickup_code=rules.pickup_code(secrets.randbelow),
        created_at=to_iso(now),
        expires_at=to_iso(expiry),
        updated_at=to_iso(now),
    )
    try:
        ports.timers.schedule(reservation.id, expiry)
    except Exception as err:
        logger.exception("could not schedule reservation expiry; nothing reserved", reservation_id=reservation.id)
        raise UpstreamUnavailable("Could not hold the product right now; nothing was reserved.") from err
    try:
        ports.reservations.create(
            reservation,
            limit=config.limit_per_product,
            ttl=rules.ttl_epoch(expiry),
            sentinel_ttl=rules.sentinel_ttl_epoch(expiry),
        )
    except ReservationExists as err:
        existing = ports.reservations.get(reservation_id)
        # The schedule above replaced the existing reservation's own timer: give it back its expiry.
        if existing is not None and existing.status is ReservationStatus.OPEN:
            ports.timers.schedule(existing.id, from_iso(existing.expires_at))
        else:
            _drop_timer(ports, reservation_id)
        if existing is None or existing.user_id != principal.user_id or existing.product_id != product_id:
            raise Conflict(
                "This request key was already used for another reservation.", code="DUPLICATE_REQUEST"
            ) from err
        return existing
    except Exception:
        _drop_timer(ports, reservation.id)  # out of stock, over the limit, or the write failed: nothing to expire
        raise
    count("ReservationCreated")
    return reservation


def _drop_timer(ports: Ports, reservation_id: str) -> None:
    """Best effort: a timer left behind fires later and finds the reservation closed."""
    try:
        ports.timers.cancel(reservation_id)
    except Exception:
        logger.exception("could not delete reservation timer", reservation_id=reservation_id)


def _close(
    ports: Ports, reservation: Reservation, status: ReservationStatus, now: datetime, code: str | None = None
) -> Reservation:
    try:
        ports.reservations.close(reservation, new_status=status, now_iso=to_iso(now), pickup_code=code)
    except NotOpen as err:
        raise rules.not_open(err.status) from None
    _drop_timer(ports, reservation.id)
    return dataclasses.replace(reservation, status=status, updated_at=to_iso(now))


def cancel(ports: Ports, principal: Principal, reservation_id: str, now: datetime) -> Reservation:
    reservation = ports.reservations.get(reservation_id)
    if reservation is None or reservation.user_id != principal.user_id:
        # Someone else's reservation reads as absent: ids are not to be probed.
        raise NotFound(f"Reservation '{reservation_id}' does not exist.", code="RESERVATION_NOT_FOUND")
    if reservation.status is not ReservationStatus.OPEN:
        raise rules.not_open(reservation.status)
    return _close(ports, reservation, ReservationStatus.CANCELLED, now)


def pickup(ports: Ports, principal: Principal, reservation_id: str, code: str, now: datetime) -> Reservation:
    reservation = ports.reservations.get(reservation_id)
    if reservation is None:
        raise NotFound(f"Reservation '{reservation_id}' does not exist.", code="RESERVATION_NOT_FOUND")
    store = ports.require_store(reservation.store_id)
    principal.ensure_staff_of(store.id, store.merchant_id)
    rules.check_pickup_code(reservation, code)
    return _close(ports, reservation, ReservationStatus.PICKED_UP, now, code)


def expire(ports: Ports, reservation_id: str, now: datetime) -> bool:
    """The expiry timer's handler, and the TTL backstop's. Safe to run twice, late, or after a
    pickup: the write is conditioned on status = open, so only the first run that finds it open
    returns stock."""
    reservation = ports.reservations.get(reservation_id)
    if reservation is not None and reservation.status is ReservationStatus.EXPIRED:
        # A repeat: the run that expired it may have failed before its notice went out (and so is
        # being redelivered). The notice's id makes publishing it again a no-op otherwise.
        _publish_expired(ports, reservation)
        return False
    action = rules.expiry_action(reservation, now)
    if action is rules.ExpiryAction.SKIP or reservation is None:
        return False
    if action is rules.ExpiryAction.RESCHEDULE:
        ports.timers.schedule(reservation.id, from_iso(reservation.expires_at))
        return False
    try:
        ports.reservations.close(reservation, new_status=ReservationStatus.EXPIRED, now_iso=to_iso(now))
    except NotOpen:
        return False
    _publish_expired(ports, reservation)
    return True


def _publish_expired(ports: Ports, reservation: Reservation) -> None:
    ports.publish(
        Notification(
            id=f"reservation-expired-{reservation.id}",
            user_id=reservation.user_id,
            kind="reservation_expired",
            title="预约已过期",
            body=f"您预约的「{reservation.product_name}」已超过取货时间，预留已取消。",
            data={"reservationId": reservation.id, "storeId": reservation.store_id},
        )
    )


def of_user(
    ports: Ports, principal: Principal, user_id: str | None, status: ReservationStatus | None, limit: int
) -> list[Reservation]:
    return ports.reservations.of_user(principal.ensure_self(user_id), status, limit)


def of_store(
    ports: Ports, principal: Principal, store_id: str, status: ReservationStatus | None, limit: int
) -> list[Reservation]:
    store = ports.require_store(store_id)
    principal.ensure_staff_of(store.id, store.merchant_id)
    return ports.reservations.of_store(store_id, status, limit)
