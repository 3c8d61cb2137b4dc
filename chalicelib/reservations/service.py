"""Reservation use cases: who may do what, in which order the writes and the timer happen."""

from __future__ import annotations

import dataclasses
import secrets
from datetime import datetime

from chalicelib.catalog import api as catalog
from chalicelib.core import timers
from chalicelib.core.auth import Principal
from chalicelib.core.clock import from_iso, to_iso
from chalicelib.core.config import settings
from chalicelib.core.errors import Conflict, NotFound, UpstreamUnavailable
from chalicelib.core.ids import new_id
from chalicelib.core.observability import count, logger
from chalicelib.notifications.api import Notification, publish
from chalicelib.reservations import models, rules
from chalicelib.reservations.area import RESERVATION_EXPIRY
from chalicelib.reservations.models import CANCELLED, EXPIRED, OPEN, PICKED_UP, Reservation
from chalicelib.stores.api import require_store

EXPIRY_TIMER = RESERVATION_EXPIRY


def reserve(
    principal: Principal, store_id: str, product_id: str, quantity: int, request_key: str | None, now: datetime
) -> Reservation:
    """The expiry timer, then stock, hold count and reservation in one transaction.

    The timer comes first, so no reservation ever exists without something that will expire it,
    and when it cannot be made nothing has been written: a retry with the same request key then
    reserves for real. A timer left by a refused attempt is deleted (or fires and finds nothing).
    """
    product = catalog.get_product(store_id, product_id)
    if product is None:
        require_store(store_id)
        raise catalog.product_not_found(product_id)
    if product.stock < quantity and not request_key:
        # Spares a timer round trip; the transaction's condition decides a sale. A keyed request may
        # be the retry of the reservation that took these units, so it goes on to find it.
        raise Conflict("Not enough stock to reserve.", code="OUT_OF_STOCK")
    config = settings()
    reservation_id = rules.reservation_id(principal.user_id, request_key, lambda: new_id("r"))
    expiry = rules.expires_at(now, config.reservation_hold_hours)
    reservation = Reservation(
        id=reservation_id,
        store_id=store_id,
        product_id=product_id,
        product_name=product.name,
        user_id=principal.user_id,
        quantity=quantity,
        status=OPEN,
        pickup_code=rules.pickup_code(secrets.randbelow),
        created_at=to_iso(now),
        expires_at=to_iso(expiry),
        updated_at=to_iso(now),
    )
    try:
        timers.schedule_timer(EXPIRY_TIMER, reservation.id, expiry)
    except Exception as err:
        logger.exception("could not schedule reservation expiry; nothing reserved", reservation_id=reservation.id)
        raise UpstreamUnavailable("Could not hold the product right now; nothing was reserved.") from err
    try:
        models.create(
            reservation,
            limit=config.reservation_limit_per_product,
            ttl=rules.ttl_epoch(expiry),
            sentinel_ttl=rules.sentinel_ttl_epoch(expiry),
        )
    except models.ReservationExists as err:
        existing = models.get(reservation_id)
        # The schedule above replaced the existing reservation's own timer: give it back its expiry.
        if existing is not None and existing.status == OPEN:
            timers.schedule_timer(EXPIRY_TIMER, existing.id, from_iso(existing.expires_at))
        else:
            _drop_timer(reservation_id)
        if existing is None or existing.user_id != principal.user_id or existing.product_id != product_id:
            raise Conflict(
                "This request key was already used for another reservation.", code="DUPLICATE_REQUEST"
            ) from err
        return existing
    except Exception:
        _drop_timer(reservation.id)  # out of stock, over the limit, or the write failed: nothing to expire
        raise
    count("ReservationCreated")
    return reservation


def _own(principal: Principal, reservation_id: str) -> Reservation:
    reservation = models.get(reservation_id)
    if reservation is None or reservation.user_id != principal.user_id:
        # Someone else's reservation reads as absent: ids are not to be probed.
        raise NotFound(f"Reservation '{reservation_id}' does not exist.", code="RESERVATION_NOT_FOUND")
    return reservation


def _drop_timer(reservation_id: str) -> None:
    """Best effort: a timer left behind fires later and finds the reservation closed."""
    try:
        timers.cancel_timer(EXPIRY_TIMER, reservation_id)
    except Exception:
        logger.exception("could not delete reservation timer", reservation_id=reservation_id)


def _not_open(reservation_id: str) -> Conflict:
    current = models.get(reservation_id)
    status = current.status if current else "gone"
    return Conflict(f"Reservation is {status}, not open.", code="RESERVATION_NOT_OPEN")


def cancel(principal: Principal, reservation_id: str, now: datetime) -> Reservation:
    reservation = _own(principal, reservation_id)
    if reservation.status != OPEN or not models.close(reservation, new_status=CANCELLED, now_iso=to_iso(now)):
        raise _not_open(reservation_id)
    _drop_timer(reservation_id)
    return dataclasses.replace(reservation, status=CANCELLED, updated_at=to_iso(now))


def pickup(principal: Principal, reservation_id: str, code: str, now: datetime) -> Reservation:
    reservation = models.get(reservation_id)
    if reservation is None:
        raise NotFound(f"Reservation '{reservation_id}' does not exist.", code="RESERVATION_NOT_FOUND")
    store = require_store(reservation.store_id)
    principal.ensure_staff_of(store.id, store.merchant_id)
    rules.check_pickup_code(reservation, code)
    if not models.close(reservation, new_status=PICKED_UP, now_iso=to_iso(now), pickup_code=code):
        raise _not_open(reservation_id)
    _drop_timer(reservation_id)
    return dataclasses.replace(reservation, status=PICKED_UP, updated_at=to_iso(now))


def expire(reservation_id: str, now: datetime) -> bool:
    """The expiry timer's handler, and the TTL backstop's. Safe to run twice, late, or after a
    pickup: the write is conditioned on status=open, so only the first run that finds it open
    returns stock."""
    reservation = models.get(reservation_id)
    if reservation is not None and reservation.status == EXPIRED:
        # A repeat: the run that expired it may have failed before its notice went out (and so is
        # being redelivered). The notice's id makes publishing it again a no-op otherwise.
        _publish_expired(reservation)
        return False
    action = rules.expiry_action(reservation, now)
    if action is rules.ExpiryAction.SKIP or reservation is None:
        return False
    if action is rules.ExpiryAction.RESCHEDULE:
        timers.schedule_timer(EXPIRY_TIMER, reservation.id, from_iso(reservation.expires_at))
        return False
    if not models.close(reservation, new_status=EXPIRED, now_iso=to_iso(now)):
        return False
    _publish_expired(reservation)
    return True


def _publish_expired(reservation: Reservation) -> None:
    publish(
        Notification(
            id=f"reservation-expired-{reservation.id}",
            user_id=reservation.user_id,
            kind="reservation_expired",
            title="预约已过期",
            body=f"您预约的「{reservation.product_name}」已超过取货时间，预留已取消。",
            data={"reservationId": reservation.id, "storeId": reservation.store_id},
        )
    )


def of_user(principal: Principal, user_id: str | None, status: str | None, limit: int) -> list[Reservation]:
    return models.of_user(principal.ensure_self(user_id), status, limit)


def of_store(principal: Principal, store_id: str, status: str | None, limit: int) -> list[Reservation]:
    store = require_store(store_id)
    principal.ensure_staff_of(store.id, store.merchant_id)
    return models.of_store(store_id, status, limit)
