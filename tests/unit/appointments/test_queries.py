"""Catalogue, detail and analytics use cases against in-memory fakes."""

from __future__ import annotations

from datetime import date

import pytest

from chalicelib.appointments import booking, queries, rules
from chalicelib.appointments.requests import BookingRequest
from chalicelib.core.auth import Principal, Role
from chalicelib.core.errors import Forbidden, NotFound
from tests.fakes.appointments import MERCHANT, MONDAY_8AM, STORE, World, world

ME = Principal("u-me", Role.CUSTOMER)
ADMIN = Principal("u-admin", Role.ADMIN, MERCHANT)


@pytest.fixture
def w() -> World:
    return world()


def test_catalogue_lists_services_by_length_and_the_staff_offering_one(w: World) -> None:
    assert [s.id for s in queries.services(w.deps, MERCHANT, None)] == ["svc-consult", "svc-haircut"]
    assert queries.services(w.deps, MERCHANT, "s-other") == []
    assert queries.services(w.deps, "m-other", None) == []  # another merchant's catalogue is its own
    assert [s.id for s in queries.staff_for_service(w.deps, "svc-haircut")] == ["st-li", "st-zhang"]
    with pytest.raises(NotFound):
        queries.staff_for_service(w.deps, "nope")


def test_detail_is_for_the_owner_the_stores_staff_and_the_admin(w: World) -> None:
    info = rules.customer_info({"name": "张三", "phone": "13812345678"})
    request = BookingRequest("svc-consult", "st-zhang", date(2026, 3, 3), "10:00", info, 0)
    appt = booking.book(w.deps, ME, request, MONDAY_8AM).appointment
    assert queries.detail(w.deps, ME, appt.id).appointment == appt
    assert queries.detail(w.deps, ADMIN, appt.id).place.phone == "021-63500001"
    assert queries.detail(w.deps, Principal("u-s", Role.STAFF, MERCHANT, frozenset({STORE})), appt.id)
    with pytest.raises(Forbidden):
        queries.detail(w.deps, Principal("u-else", Role.CUSTOMER), appt.id)
    with pytest.raises(NotFound):
        queries.detail(w.deps, ME, "apt_missing")


def test_analytics_are_the_admins_and_count_the_merchants_bookings(w: World) -> None:
    info = rules.customer_info({"name": "张三", "phone": "13812345678"})
    request = BookingRequest("svc-consult", "st-zhang", date(2026, 3, 2), "10:00", info, 0)
    booking.book(w.deps, ME, request, MONDAY_8AM)
    later = MONDAY_8AM.replace(hour=6)
    report = queries.analytics_report(w.deps, ADMIN, "bookings", 7, later)
    assert report["metrics"]["totalBookings"] == 1
    staff = queries.analytics_report(w.deps, ADMIN, "staff", 7, later)["utilization"]
    assert {r["staffId"] for r in staff} == {"st-li", "st-zhang"}
    with pytest.raises(Forbidden):
        queries.analytics_report(
            w.deps, Principal("u-s", Role.STAFF, MERCHANT, frozenset({STORE})), "bookings", 7, later
        )
    with pytest.raises(NotFound):
        queries.analytics_report(w.deps, ADMIN, "weather", 7, later)
    other = queries.analytics_report(w.deps, Principal("u-x", Role.ADMIN, "m-x"), "bookings", 7, later)
    assert other["metrics"]["totalBookings"] == 0
