"""Changes to a booking after it was made: cancel (refunding or closing its payment), reschedule,
complete or no-show, and the booking saga's compensation (expire a booking left unpaid)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from chalicelib.appointments import availability, notices, rules
from chalicelib.appointments.booking import slot_start
from chalicelib.appointments.domain import TARGET, TRANSITIONS, Appointment, AppointmentAt, Status
from chalicelib.appointments.lookups import ensure_can_see, require_appointment, require_staff
from chalicelib.appointments.ports import Deps
from chalicelib.appointments.reminders import cancel_reminders, schedule_reminders_of
from chalicelib.appointments.requests import RescheduleRequest
from chalicelib.core.auth import Principal
from chalicelib.core.clock import to_iso
from chalicelib.core.errors import Conflict, NotFound
from chalicelib.core.observability import count, logger
from chalicelib.payments.domain import REFUNDED

FINISH_ATTEMPTS = 3


def _settle_payment(deps: Deps, appt: Appointment, reason: str) -> str | None:
    """Refund a paid booking, close an unpaid one; returns the refund status if there is a refund."""
    if appt.out_trade_no is None:
        return None
    trade_no = appt.out_trade_no
    settled = deps.effects.settle_payment(trade_no, rules.refund_no(trade_no), appt.total_amount, reason)
    if settled.refund_status is not None:
        deps.repo.set_refund_status(appt.id, settled.refund_status)
    return settled.refund_status


def cancel(deps: Deps, principal: Principal, appointment_id: str, reason: str, now: datetime) -> AppointmentAt:
    appt = require_appointment(deps.repo, appointment_id)
    place = None
    # A failed write means the booking changed since it was read (cancelled, or moved by a racing
    # reschedule): the failure carries it as it is now, so decide again on that, and the units
    # released are the ones it holds.
    for _ in range(FINISH_ATTEMPTS):
        as_staff = ensure_can_see(principal, appt)
        rules.ensure_transition("cancel", appt.status)
        place = place or deps.places.place_of(appt.store_id)
        if not as_staff:
            rules.ensure_customer_window(appt.start, now, place.cancel_window_hours, "cancelled")
        change = deps.repo.finish_appointment(appt, TRANSITIONS["cancel"], Status.CANCELLED, now, True, reason)
        if change.done:
            break
        if change.current is None:
            raise NotFound(f"Appointment '{appointment_id}' does not exist.", code="APPOINTMENT_NOT_FOUND")
        appt = change.current
    else:
        raise Conflict("This appointment is changing right now; please try again.", code="INVALID_STATUS")
    assert place is not None
    # From here the booking is cancelled for good, so the answer says so whatever fails below: a
    # retried cancel could not get here again. The money is not left to this request either: the
    # table stream's record of the cancel settles the payment too (`settle_cancelled`).
    cancel_reminders(deps, appt)
    try:
        refund_status = _settle_payment(deps, appt, reason or "appointment cancelled")
    except Exception:
        assert appt.out_trade_no is not None
        logger.exception("could not settle a cancelled booking's payment now; queued", appointment_id=appt.id)
        refund_status = None
        try:
            deps.effects.settle_later(appt.id, appt.out_trade_no)
        except Exception:
            logger.exception("could not queue the settle either; the table stream settles it", appointment_id=appt.id)
    cancelled = replace(
        appt, status=Status.CANCELLED, cancel_reason=reason, updated_at=now, refund_status=refund_status
    )
    prefs = deps.repo.get_preferences(appt.user_id)
    try:
        deps.effects.publish(
            notices.notice(
                cancelled, notices.CANCELLED_KIND, place, prefs, notices.cancelled_id(appt.id), {"reason": reason}
            )
        )
    except Exception:
        count("NoticeNotPublished")
        logger.exception("cancel notice not published", appointment_id=appt.id)
    return AppointmentAt(cancelled, place)


def settle_cancelled(deps: Deps, appt: Appointment, *, was: Status | None) -> None:
    """The table stream's record of a booking becoming cancelled: the backstop that settles its
    payment (refund it if paid, close it if open) when the cancel's own settle and queue did not.
    Safe to repeat (WeChat Pay dedupes the refund by its number); writes that leave a booking
    cancelled (its refund status) are not a cancel and settle nothing.

    A confirmed booking was paid: the cancel usually refunded it inline and recorded the refund on
    the booking, which one read shows, so the stream does not settle it again (a payment read, a
    refund status write and one more stream record). Were the record handled before the cancel got
    that far, both settle: harmless, the refund number is one. An unpaid booking's settle is a close,
    which a repeat answers from the payment record alone: reading the booking first would save nothing."""
    if was == Status.CANCELLED or appt.status != Status.CANCELLED or appt.out_trade_no is None:
        return
    if appt.refund_status is not None:
        return
    if was == Status.CONFIRMED:
        stored = deps.repo.get_appointment(appt.id)
        if stored is None or stored.refund_status is not None:
            count("CancelSettledInline")
            return
    _settle_payment(deps, appt, appt.cancel_reason or "appointment cancelled")


def reschedule(
    deps: Deps, principal: Principal, appointment_id: str, request: RescheduleRequest, now: datetime
) -> AppointmentAt:
    appt = require_appointment(deps.repo, appointment_id)
    as_staff = ensure_can_see(principal, appt)
    rules.ensure_transition("reschedule", appt.status)
    place = deps.places.place_of(appt.store_id)
    if not as_staff:
        rules.ensure_customer_window(appt.start, now, place.cancel_window_hours, "rescheduled")
    rules.ensure_within_horizon(request.day, now.astimezone(place.tz).date(), place.horizon_days)
    if rules.local_start(request.day, request.time_slot, place.tz) == appt.start > now:
        # The slot it already has (often a client's retry): nothing to move. Also the retry of a move
        # whose reminders failed to schedule after it committed: unless the booking records them as
        # scheduled for this start, put them back (a schedule created again replaces itself).
        if appt.reminders_start != appt.start:
            prefs = deps.repo.get_preferences(appt.user_id)
            schedule_reminders_of(deps, appt, rules.reminder_plan(appt.start, list(prefs.reminder_times), now))
            deps.repo.mark_reminders_scheduled(appt.id, appt.start)
            appt = replace(appt, reminders_start=appt.start)
        return AppointmentAt(appt, place)
    staff = require_staff(deps.repo, appt.staff_id)
    new_start = slot_start(staff, appt.duration, request.day, request.time_slot, place.tz, now)
    new_units = availability.claim_units(new_start, appt.duration, appt.buffer)
    old_units = availability.claim_units(appt.start, appt.duration, appt.buffer)
    rules.ensure_units_fit(len(set(new_units) - set(old_units)), len(set(old_units) - set(new_units)))
    new_end = new_start + timedelta(minutes=appt.duration)
    prefs = deps.repo.get_preferences(appt.user_id)
    plan = rules.reminder_plan(new_start, list(prefs.reminder_times), now)
    # The stored names keep the old ones too, so whatever escaped deletion is still cancelled later.
    names = sorted({name for name, _ in plan} | set(appt.reminder_names))
    deps.repo.move_appointment(appt, new_start, new_end, new_units, names, now)
    moved = replace(appt, start=new_start, end=new_end, updated_at=now)
    # Old reminders carry the old start, so even one that escapes deletion is never sent.
    cancel_reminders(deps, appt)
    scheduled = schedule_reminders_of(deps, moved, plan)
    deps.repo.mark_reminders_scheduled(appt.id, new_start)
    moved = replace(moved, reminder_names=tuple(scheduled), reminders_start=new_start)
    note = notices.notice(
        moved,
        notices.RESCHEDULED_KIND,
        place,
        prefs,
        notices.moved_id(appt.id, new_start),
        {"previousStart": to_iso(appt.start)},
    )
    deps.effects.publish(note)
    return AppointmentAt(moved, place)


def mark(deps: Deps, principal: Principal, appointment_id: str, action: str, now: datetime) -> AppointmentAt:
    """Staff close an appointment as completed or no-show once it has started."""
    appt = require_appointment(deps.repo, appointment_id)
    principal.ensure_staff_of(appt.store_id, appt.merchant_id)
    rules.ensure_transition(action, appt.status)
    if now < appt.start:
        raise Conflict("An appointment can be closed only once it has started.", code="NOT_STARTED")
    change = deps.repo.finish_appointment(appt, TRANSITIONS[action], TARGET[action], now, release=False)
    if not change.done:
        status = change.current.status if change.current is not None else "gone"
        if status in TRANSITIONS[action]:  # moved meanwhile: the start checked above is stale
            raise Conflict("This appointment was just rescheduled; please try again.", code="INVALID_STATUS")
        raise Conflict(f"This appointment is {status}, so it cannot be marked {action}.", code="INVALID_STATUS")
    cancel_reminders(deps, appt)
    return AppointmentAt(replace(appt, status=TARGET[action], updated_at=now), deps.places.place_of(appt.store_id))


def payment_failed(deps: Deps, appointment_id: str, payload: dict[str, Any], now: datetime) -> str:
    """The saga's compensation: expire and release a still-pending booking and close its payment;
    refund a payment that succeeded for a booking that no longer stands (paid before a Confirm that
    failed, or found paid by the close). Safe to repeat."""
    appt = deps.repo.get_appointment(appointment_id)
    if appt is None:
        return "missing"
    trade_no = appt.out_trade_no or payload.get("outTradeNo")
    change = deps.repo.finish_appointment(appt, TRANSITIONS["expire"], Status.EXPIRED, now, release=True)
    current = replace(appt, status=Status.EXPIRED) if change.done else change.current
    if current is None:
        return "missing"
    outcome = "expired" if change.done else current.status
    if trade_no and current.status in (Status.CANCELLED, Status.EXPIRED):
        settled = deps.effects.settle_payment(
            trade_no, rules.refund_no(trade_no), current.total_amount, "booking not kept"
        )
        if settled.outcome == REFUNDED and settled.refund_status is not None:
            deps.repo.set_refund_status(current.id, settled.refund_status)
            outcome = "refunded"
    if current.status == Status.EXPIRED:
        # Also on a repeat, whose first attempt may have failed past the expiry (e.g. closing the order
        # raised) before the notice went out; the notice id makes a second publish a no-op.
        place = deps.places.place_of(current.store_id)
        prefs = deps.repo.get_preferences(current.user_id)
        deps.effects.publish(
            notices.notice(current, notices.EXPIRED_KIND, place, prefs, notices.expired_id(current.id))
        )
    return outcome
