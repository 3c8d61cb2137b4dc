"""Staff schedule use cases against in-memory fakes: days, weekly availability, blocks, conflicts,
the merchant's overview."""

from __future__ import annotations

from datetime import date

import pytest

from chalicelib.appointments import booking, rules, schedule
from chalicelib.appointments.domain import LocalSpan, Place, Staff
from chalicelib.appointments.requests import (
    AvailabilityUpdate,
    BlockRequest,
    BookingRequest,
    ConflictsQuery,
    OverviewQuery,
)
from chalicelib.core.auth import Principal, Role
from chalicelib.core.errors import Conflict, Forbidden, NotFound
from tests.fakes.appointments import MERCHANT, MONDAY_8AM, SHANGHAI, STORE, WEEKDAYS, World, at, world

TUESDAY = date(2026, 3, 3)
STAFF = Principal("u-staff", Role.STAFF, MERCHANT, frozenset({STORE}))
ADMIN = Principal("u-admin", Role.ADMIN, MERCHANT)
ELSEWHERE = Principal("u-x", Role.STAFF, MERCHANT, frozenset({"s-x"}))
CUSTOMER = Principal("u-me", Role.CUSTOMER)


@pytest.fixture
def w() -> World:
    w = world()
    info = rules.customer_info({"name": "张三", "phone": "13812345678"})
    request = BookingRequest("svc-consult", "st-zhang", TUESDAY, "10:30", info, 0)
    booking.book(w.deps, CUSTOMER, request, MONDAY_8AM)
    return w


def block(w: World, span: LocalSpan, by: Principal = STAFF, blocked_by: str | None = None) -> str:
    request = BlockRequest("st-zhang", TUESDAY, span, "training", blocked_by)
    made, place = schedule.block_time(w.deps, by, request, MONDAY_8AM)
    assert place.tz == SHANGHAI
    return made.id


def test_a_block_claims_its_span_and_shows_in_the_schedule_until_removed(w: World) -> None:
    block_id = block(w, LocalSpan("15:00", "16:00", 30))
    with pytest.raises(Conflict):
        block(w, LocalSpan("15:30", None, 30))  # overlaps
    days, tz = schedule.staff_schedule(w.deps, STAFF, "st-zhang", (TUESDAY, date(2026, 3, 4)))
    assert tz == SHANGHAI
    tuesday = days[0]
    assert [a.start for a in tuesday.appointments] == [at(3, "10:30")]
    assert [b.id for b in tuesday.blocks] == [block_id] and days[1].blocks == []
    assert tuesday.windows == [(at(3, "09:00"), at(3, "12:00")), (at(3, "13:00"), at(3, "18:00"))]
    with pytest.raises(Forbidden):
        schedule.unblock(w.deps, CUSTOMER, block_id)
    schedule.unblock(w.deps, STAFF, block_id)
    with pytest.raises(NotFound):
        schedule.unblock(w.deps, STAFF, block_id)
    assert all(owner != block_id for owner, _ in w.repo.units.values())


def test_blocked_by_must_be_the_caller_and_only_the_stores_staff_may_block(w: World) -> None:
    with pytest.raises(Forbidden):
        block(w, LocalSpan("15:00", None, 30), blocked_by="u-someone")
    assert w.repo.blocks == {}
    block(w, LocalSpan("15:00", None, 30), blocked_by="u-staff")
    with pytest.raises(Forbidden):
        block(w, LocalSpan("16:00", None, 30), by=ELSEWHERE)


def test_conflicts_name_day_off_hours_bookings_and_blocks_reading_each_holder_once(w: World) -> None:
    block_id = block(w, LocalSpan("11:00", "11:30", 30))
    found, _ = schedule.conflicts(w.deps, STAFF, ConflictsQuery("st-zhang", TUESDAY, LocalSpan("10:00", "11:30", 30)))
    assert [(o.kind, o.appointment is not None, o.block.id if o.block else None) for o in found] == [
        ("appointment", True, None),
        ("block", False, block_id),
    ]
    assert w.repo.reads[("block", block_id)] == 1
    evening, _ = schedule.conflicts(w.deps, STAFF, ConflictsQuery("st-zhang", TUESDAY, LocalSpan("18:00", None, 30)))
    assert [o.kind for o in evening] == ["outside_working_hours"]
    w.repo.staff["st-zhang"] = Staff("st-zhang", STORE, MERCHANT, "张顾问", (), WEEKDAYS, {}, ("2026-03-03",))
    off, _ = schedule.conflicts(w.deps, STAFF, ConflictsQuery("st-zhang", TUESDAY, LocalSpan("09:00", None, 30)))
    assert [o.kind for o in off] == ["day_off"]


def test_update_availability_returns_the_stored_week_without_reading_it_again(w: World) -> None:
    w.repo.reads.clear()
    update = AvailabilityUpdate({"tue": [["14:00", "16:00"]]}, None, ["2026-03-04"])
    staff = schedule.update_availability(w.deps, ADMIN, "st-zhang", update)
    assert staff.hours == {"tue": [["14:00", "16:00"]]} and staff.days_off == ("2026-03-04",)
    assert staff.breaks == w.repo.staff["st-zhang"].breaks and w.repo.reads[("staff", "st-zhang")] == 1
    with pytest.raises(Forbidden):
        schedule.update_availability(w.deps, CUSTOMER, "st-zhang", update)


def test_overview_reads_each_store_once_and_counts_what_is_on_the_books(w: World) -> None:
    w.places.places["s2"] = Place(SHANGHAI, "", "二店", 24)
    w.repo.staff["st-wu"] = Staff("st-wu", "s2", MERCHANT, "吴", (), WEEKDAYS)
    result = schedule.overview(w.deps, ADMIN, OverviewQuery(TUESDAY, None))
    assert [r.staff.id for r in result.rows] == ["st-li", "st-wu", "st-zhang"]
    assert dict(w.places.reads) == {STORE: 2, "s2": 1}  # the booking read the store once; the overview once more
    zhang = result.rows[-1]
    assert (zhang.booked_minutes, zhang.working_minutes, len(zhang.appointments)) == (30, 480, 1)
    assert [r.staff.id for r in schedule.overview(w.deps, STAFF, OverviewQuery(TUESDAY, None)).rows] == [
        "st-li",
        "st-zhang",
    ]
    with pytest.raises(Forbidden):
        schedule.overview(w.deps, CUSTOMER, OverviewQuery(TUESDAY, None))
