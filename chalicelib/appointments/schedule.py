"""Staff and merchant schedule use cases: a staff member's days, their weekly availability, blocks
of time (claimed like bookings), what stands in the way of a span, and the day overview."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from chalicelib.appointments import availability, rules
from chalicelib.appointments.domain import ON_THE_BOOKS, Appointment, Block, Place, Staff
from chalicelib.appointments.lookups import ensure_manages, require_staff
from chalicelib.appointments.ports import Deps
from chalicelib.appointments.requests import AvailabilityUpdate, BlockRequest, ConflictsQuery, OverviewQuery
from chalicelib.core.auth import Principal, Role
from chalicelib.core.errors import Forbidden, NotFound
from chalicelib.core.ids import new_id


@dataclass(frozen=True)
class DaySchedule:
    day: date
    day_off: bool
    windows: list[tuple[datetime, datetime]]
    appointments: list[Appointment]
    blocks: list[Block]


@dataclass(frozen=True)
class Obstacle:
    """What stands in the way of a span: a day off, off hours, an appointment or a block."""

    kind: str  # day_off | outside_working_hours | appointment | block
    day: date
    appointment: Appointment | None = None
    block: Block | None = None


@dataclass(frozen=True)
class StaffDay:
    staff: Staff
    tz: ZoneInfo
    day_off: bool
    working_minutes: int
    booked_minutes: int
    appointments: list[Appointment]
    blocks: list[Block]


@dataclass(frozen=True)
class Overview:
    day: date
    rows: list[StaffDay]


def _managed_staff(deps: Deps, principal: Principal, staff_id: str) -> Staff:
    staff = require_staff(deps.repo, staff_id)
    ensure_manages(principal, staff)
    return staff


def staff_schedule(
    deps: Deps, principal: Principal, staff_id: str, days: tuple[date, ...]
) -> tuple[list[DaySchedule], ZoneInfo]:
    staff = _managed_staff(deps, principal, staff_id)
    tz = deps.places.place_of(staff.store_id).tz
    span_start, _ = availability.day_bounds(days[0], tz)
    _, span_end = availability.day_bounds(days[-1], tz)
    appts = deps.repo.staff_appointments(staff.id, span_start, span_end)
    blocks = deps.repo.staff_blocks(staff.id, span_start, span_end)
    schedule = staff.schedule()
    result = []
    for day in days:
        d_start, d_end = availability.day_bounds(day, tz)
        result.append(
            DaySchedule(
                day=day,
                day_off=day.isoformat() in schedule.days_off,
                windows=availability.working_windows(schedule, day, tz),
                appointments=[a for a in appts if d_start <= a.start < d_end],
                blocks=[b for b in blocks if b.start < d_end and b.end > d_start],
            )
        )
    return result, tz


def update_availability(deps: Deps, principal: Principal, staff_id: str, update: AvailabilityUpdate) -> Staff:
    staff = _managed_staff(deps, principal, staff_id)
    updated = deps.repo.update_availability(staff.id, update.hours, update.breaks, update.days_off)
    if updated is None:  # deleted between the read and the write
        raise NotFound(f"Staff member '{staff_id}' does not exist.", code="STAFF_NOT_FOUND", field="staffId")
    return updated


def block_time(deps: Deps, principal: Principal, request: BlockRequest, now: datetime) -> tuple[Block, Place]:
    staff = _managed_staff(deps, principal, request.staff_id)
    if request.blocked_by is not None and request.blocked_by != principal.user_id:
        raise Forbidden("'blockedBy' must be you.", field="blockedBy")
    place = deps.places.place_of(staff.store_id)
    rules.ensure_within_horizon(request.day, now.astimezone(place.tz).date(), place.horizon_days)
    start, end = rules.span_on(request.day, request.span, place.tz)
    units = availability.units_between(start, end)
    rules.ensure_units_fit(len(units))
    block = Block(
        new_id("blk"), staff.merchant_id, staff.id, staff.store_id, start, end, request.reason, principal.user_id
    )
    deps.repo.create_block(block, units, now)
    return block, place


def unblock(deps: Deps, principal: Principal, block_id: str) -> None:
    block = deps.repo.get_block(block_id)
    if block is None:
        raise NotFound(f"Block '{block_id}' does not exist.", code="BLOCK_NOT_FOUND")
    _managed_staff(deps, principal, block.staff_id)
    deps.repo.delete_block(block, availability.units_between(block.start, block.end))


def conflicts(deps: Deps, principal: Principal, query: ConflictsQuery) -> tuple[list[Obstacle], ZoneInfo]:
    """What stands in the way of the span (the same timeSlot forms a block takes): off hours, day
    off, breaks, appointments, blocks. One Query of the claims, then one read per distinct holder."""
    staff = _managed_staff(deps, principal, query.staff_id)
    tz = deps.places.place_of(staff.store_id).tz
    start, end = rules.span_on(query.day, query.span, tz)
    found: list[Obstacle] = []
    schedule = staff.schedule()
    if query.day.isoformat() in schedule.days_off:
        found.append(Obstacle("day_off", query.day))
    elif not any(a <= start and end <= b for a, b in availability.working_windows(schedule, query.day, tz)):
        found.append(Obstacle("outside_working_hours", query.day))
    holders = dict(deps.repo.claimed_units(staff.id, availability.unit_floor(start), end).values())
    for holder, kind in sorted(holders.items()):
        if kind == "appointment":
            appt = deps.repo.get_appointment(holder)
            if appt is not None:
                found.append(Obstacle("appointment", query.day, appointment=appt))
        else:
            block = deps.repo.get_block(holder)
            if block is not None:
                found.append(Obstacle("block", query.day, block=block))
    return found, tz


def staff_in_scope(deps: Deps, principal: Principal, store_id: str | None = None) -> list[Staff]:
    if principal.role is Role.CUSTOMER or not principal.merchant_id:
        raise Forbidden("Only staff and the merchant's admin may see schedules.")
    staff = deps.repo.staff_of_merchant(principal.merchant_id, store_id)
    return [s for s in staff if principal.can_staff(s.store_id, s.merchant_id)]


def overview(deps: Deps, principal: Principal, query: OverviewQuery) -> Overview:
    """The day of every staff member the caller may see; each store is read once."""
    zones: dict[str, ZoneInfo] = {}
    if query.store_id is not None:
        # The store it names is read first: in a request, the store's merchant must be the caller's
        # (core/tenancy.py refuses another merchant's store with 403), whether or not it has staff.
        zones[query.store_id] = deps.places.place_of(query.store_id).tz
    rows = []
    for staff in staff_in_scope(deps, principal, query.store_id):
        if staff.store_id not in zones:
            zones[staff.store_id] = deps.places.place_of(staff.store_id).tz
        tz = zones[staff.store_id]
        d_start, d_end = availability.day_bounds(query.day, tz)
        active = [a for a in deps.repo.staff_appointments(staff.id, d_start, d_end) if a.status in ON_THE_BOOKS]
        rows.append(
            StaffDay(
                staff=staff,
                tz=tz,
                day_off=query.day.isoformat() in staff.days_off,
                working_minutes=availability.working_minutes(staff.schedule(), query.day, tz),
                booked_minutes=sum(a.duration for a in active),
                appointments=active,
                blocks=deps.repo.staff_blocks(staff.id, d_start, d_end),
            )
        )
    return Overview(query.day, rows)
