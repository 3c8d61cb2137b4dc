"""Reservation rules: hold times, pickup codes, idempotent ids, expiry decisions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.core.clock import to_iso
from chalicelib.core.errors import Conflict
from chalicelib.reservations import rules
from chalicelib.reservations.domain import Reservation, ReservationStatus
from chalicelib.reservations.views import reservation_view

OPEN, PICKED_UP, CANCELLED, EXPIRED = (
    ReservationStatus.OPEN,
    ReservationStatus.PICKED_UP,
    ReservationStatus.CANCELLED,
    ReservationStatus.EXPIRED,
)

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def reservation(status: ReservationStatus = OPEN, expires_at: datetime = NOW + timedelta(hours=24)) -> Reservation:
    return Reservation(
        id="r_1",
        merchant_id="m1",
        store_id="s1",
        product_id="p1",
        sku_id="p1",
        product_name="Milk",
        user_id="u1",
        quantity=1,
        status=status,
        pickup_code="042917",
        created_at=to_iso(NOW),
        expires_at=to_iso(expires_at),
        updated_at=to_iso(NOW),
    )


def test_hold_and_ttl() -> None:
    expiry = rules.expires_at(NOW, 24)
    assert expiry == NOW + timedelta(hours=24)
    assert rules.ttl_epoch(expiry) == int((expiry + timedelta(days=30)).timestamp())


def test_pickup_code_is_six_zero_padded_digits() -> None:
    assert rules.pickup_code(lambda n: 42) == "000042"
    assert rules.pickup_code(lambda n: n - 1) == "999999"


def test_request_key_makes_ids_deterministic_per_user() -> None:
    random_ids = iter(["r_a", "r_b"])
    assert rules.reservation_id("u1", None, lambda: next(random_ids)) == "r_a"
    keyed = rules.reservation_id("u1", "k", lambda: "unused")
    assert keyed == rules.reservation_id("u1", "k", lambda: "unused")
    assert keyed != rules.reservation_id("u2", "k", lambda: "unused")


def test_pickup_code_check() -> None:
    rules.check_pickup_code(reservation(), "042917")
    with pytest.raises(Conflict) as wrong:
        rules.check_pickup_code(reservation(), "042918")
    assert wrong.value.code == "INVALID_PICKUP_CODE"
    with pytest.raises(Conflict) as closed:
        rules.check_pickup_code(reservation(PICKED_UP), "042917")
    assert closed.value.code == "RESERVATION_NOT_OPEN"


@pytest.mark.parametrize(
    ("found", "now", "action"),
    [
        (None, NOW, rules.ExpiryAction.SKIP),
        (reservation(PICKED_UP, NOW - timedelta(hours=1)), NOW, rules.ExpiryAction.SKIP),
        (reservation(CANCELLED, NOW - timedelta(hours=1)), NOW, rules.ExpiryAction.SKIP),
        (reservation(EXPIRED, NOW - timedelta(hours=1)), NOW, rules.ExpiryAction.SKIP),
        (reservation(OPEN, NOW + timedelta(minutes=1)), NOW, rules.ExpiryAction.RESCHEDULE),
        (reservation(OPEN, NOW), NOW, rules.ExpiryAction.EXPIRE),
        (reservation(OPEN, NOW - timedelta(days=2)), NOW, rules.ExpiryAction.EXPIRE),
    ],
)
def test_expiry_action(found: Reservation | None, now: datetime, action: rules.ExpiryAction) -> None:
    assert rules.expiry_action(found, now) is action


def test_customer_view_has_code_staff_view_does_not() -> None:
    assert reservation_view(reservation(), include_code=True)["pickupCode"] == "042917"
    staff = reservation_view(reservation(), include_code=False)
    assert "pickupCode" not in staff and staff["reservationId"] == "r_1"
