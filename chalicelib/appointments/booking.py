"""Booking use cases: free slots and dates, booking a slot (claims, the saga), paying for it."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from chalicelib.appointments import availability, notices, rules
from chalicelib.appointments.domain import (
    Appointment,
    AppointmentAt,
    Place,
    Preferences,
    Reminder,
    Service,
    SlotTaken,
    Staff,
    Status,
)
from chalicelib.appointments.lookups import require_appointment, require_offering, require_service, require_staff
from chalicelib.appointments.ports import Deps
from chalicelib.appointments.requests import AvailabilityQuery, BookingRequest, DatesQuery, PaymentRequest, SlotsQuery
from chalicelib.core.auth import Principal
from chalicelib.core.errors import Conflict, Forbidden, UpstreamUnavailable, ValidationError
from chalicelib.core.ids import new_id
from chalicelib.core.observability import count, logger


def _offering(deps: Deps, query: AvailabilityQuery) -> tuple[Service, Staff, Place]:
    service = require_service(deps.repo, query.service_id)
    staff = require_staff(deps.repo, query.staff_id)
    require_offering(service, staff)
    return service, staff, deps.places.place_of(staff.store_id)


def _claimed(deps: Deps, staff: Staff, service: Service, start: datetime, end: datetime) -> set[datetime]:
    """Claims from `start` to `end` plus the service's length and buffer (a slot late in the span
    runs past it): one strongly consistent Query."""
    reach = end + timedelta(minutes=service.duration + service.buffer)
    return set(deps.repo.claimed_units(staff.id, start, reach))


def available_slots(deps: Deps, query: SlotsQuery, now: datetime) -> tuple[list[availability.Slot], Service, ZoneInfo]:
    service, staff, place = _offering(deps, query)
    tz = place.tz
    rules.ensure_within_horizon(query.day, now.astimezone(tz).date(), place.horizon_days)
    start, end = availability.day_bounds(query.day, tz)
    claimed = _claimed(deps, staff, service, start, end)
    slots = availability.free_slots(staff.schedule(), query.day, tz, service.duration, service.buffer, claimed, now)
    return slots, service, tz


def available_dates(deps: Deps, query: DatesQuery, now: datetime) -> list[str]:
    """Local dates, from today, with at least one free slot; one Query of the staff's claims."""
    service, staff, place = _offering(deps, query)
    tz = place.tz
    today = now.astimezone(tz).date()
    days = min(query.days, place.horizon_days + 1)  # today and every day up to the horizon
    span_start, _ = availability.day_bounds(today, tz)
    _, span_end = availability.day_bounds(today + timedelta(days=days - 1), tz)
    claimed = _claimed(deps, staff, service, span_start, span_end)
    schedule = staff.schedule()
    found = []
    for offset in range(days):
        day = today + timedelta(days=offset)
        if availability.free_slots(schedule, day, tz, service.duration, service.buffer, claimed, now):
            found.append(day.isoformat())
    return found


def slot_start(staff: Staff, duration: int, day: date, time_slot: str, tz: ZoneInfo, now: datetime) -> datetime:
    """The requested start, if the staff member's week offers a slot there and it is still ahead."""
    start = rules.local_start(day, time_slot, tz)
    if start <= now:
        raise ValidationError("That time has already passed.", code="SLOT_IN_PAST", field="timeSlot")
    starts = {s.start for s in availability.candidate_slots(staff.schedule(), day, tz, duration)}
    if start not in starts:
        raise ValidationError(
            "That is not a bookable time for this staff member.", code="INVALID_SLOT", field="timeSlot"
        )
    return start


def book(deps: Deps, principal: Principal, request: BookingRequest, now: datetime) -> AppointmentAt:
    service = require_service(deps.repo, request.service_id)
    staff = require_staff(deps.repo, request.staff_id)
    require_offering(service, staff)
    price = rules.reprice(service.price, request.total_amount)
    place = deps.places.place_of(staff.store_id)
    rules.ensure_within_horizon(request.day, now.astimezone(place.tz).date(), place.horizon_days)
    start = slot_start(staff, service.duration, request.day, request.time_slot, place.tz, now)
    units = availability.claim_units(start, service.duration, service.buffer)
    rules.ensure_units_fit(len(units))
    prefs = deps.repo.get_preferences(principal.user_id)
    plan = rules.reminder_plan(start, list(prefs.reminder_times), now)
    appointment_id = new_id("apt")
    paid = service.requires_payment and price > 0
    appt = Appointment(
        id=appointment_id,
        status=Status.PENDING_PAYMENT if paid else Status.CONFIRMED,
        user_id=principal.user_id,
        store_id=staff.store_id,
        merchant_id=staff.merchant_id,
        staff_id=staff.id,
        staff_name=staff.name,
        service_id=service.id,
        service_name=service.name,
        duration=service.duration,
        buffer=service.buffer,
        start=start,
        end=start + timedelta(minutes=service.duration),
        total_amount=price,
        out_trade_no=rules.out_trade_no(appointment_id) if paid else None,
        customer=request.customer.as_dict(),
        created_at=now,
        updated_at=now,
        reminder_names=tuple(name for name, _ in plan),
        counted=True,
    )
    try:
        deps.repo.create_appointment(appt, units, place.max_open_bookings)
    except SlotTaken as taken:
        repeat = _same_booking(deps, principal, appt, taken.holder)
        if repeat is None:
            raise
        # The client retried a booking that already went through. Its first attempt may have died
        # between the booking's transaction and the saga's start (a Lambda timeout or kill): start it
        # again under the booking's name, which is a no-op when it did start.
        try:
            _start_saga(deps, repeat, place, prefs, plan)
        except Exception:
            count("SagaRestartFailed")
            logger.exception("could not restart the booking saga on a retry", appointment_id=repeat.id)
        return AppointmentAt(repeat, place)
    try:
        _start_saga(deps, appt, place, prefs, plan)
    except Exception as err:
        # Without its saga a paid booking would hold the slot forever: undo it.
        logger.exception("could not start the booking saga", appointment_id=appt.id)
        deps.repo.finish_appointment(appt, (appt.status,), Status.EXPIRED, now, release=True)
        raise UpstreamUnavailable("Booking is unavailable right now; please try again.") from err
    count("AppointmentBooked")
    return AppointmentAt(appt, place)


def _start_saga(
    deps: Deps, appt: Appointment, place: Place, prefs: Preferences, plan: list[tuple[str, datetime]]
) -> None:
    reminders = [Reminder(name, at, notices.reminder_payload(appt.id, name, appt.start)) for name, at in plan]
    note = notices.notice(appt, notices.CONFIRMED_KIND, place, prefs, notices.confirmed_id(appt.id))
    deps.effects.start_booking(appt.id, appt.out_trade_no, reminders, note, start=appt.start)


def _same_booking(deps: Deps, principal: Principal, wanted: Appointment, holder: str | None) -> Appointment | None:
    """The booking holding the slot, if it is this very booking made before (a client's retry)."""
    existing = deps.repo.get_appointment(holder) if holder else None
    if (
        existing is not None
        and existing.user_id == principal.user_id
        and existing.service_id == wanted.service_id
        and existing.start == wanted.start
        and existing.status in (Status.PENDING_PAYMENT, Status.CONFIRMED)
    ):
        return existing
    return None


def payment_params(deps: Deps, principal: Principal, request: PaymentRequest) -> dict[str, str]:
    """wx.requestPayment's parameters for the caller's booking awaiting payment."""
    appt = require_appointment(deps.repo, request.appointment_id)
    if appt.user_id != principal.user_id:
        raise Forbidden("This appointment is not yours.")
    if appt.status != Status.PENDING_PAYMENT or appt.out_trade_no is None:
        raise Conflict(f"This appointment is {appt.status} and needs no payment.", code="INVALID_STATUS")
    if request.amount is None or request.amount != appt.total_amount:
        raise ValidationError("'amount' does not match the booking's total.", code="AMOUNT_MISMATCH", field="amount")
    # The payer's openid comes with the session; the payment goes to the booking's merchant.
    return deps.effects.open_payment(appt, f"预约 {appt.service_name}", principal.openid)
