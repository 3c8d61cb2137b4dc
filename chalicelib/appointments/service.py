"""Appointment use cases: who may do what, in which order, through which conditional writes.

Side effects beyond the table (the booking saga, payments, timers, notifications) go through
`Effects`, so the rules here can be exercised with a fake and the real ones are imported only
when a request needs them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from chalicelib.appointments import availability, models, rules
from chalicelib.appointments.area import APPOINTMENT_REMINDER, BOOKING_PAYMENT_FAILED
from chalicelib.appointments.models import Appointment, Block, Preferences, Service, Staff
from chalicelib.core.auth import Principal, Role
from chalicelib.core.clock import to_iso
from chalicelib.core.config import settings
from chalicelib.core.errors import Conflict, Forbidden, NotFound, UpstreamUnavailable, ValidationError
from chalicelib.core.ids import new_id
from chalicelib.core.observability import count, logger
from chalicelib.notifications.api import Notification, render_notification
from chalicelib.stores.api import Store, get_store

PAID_STATUSES = ("SUCCESS", "REFUND")
MAX_SCHEDULE_DAYS = 31
DEFAULT_BLOCK_MINUTES = availability.SLOT_STEP_MINUTES
FINISH_ATTEMPTS = 3


class Effects(Protocol):
    def start_booking(
        self,
        appointment_id: str,
        out_trade_no: str | None,
        reminders: list[tuple[str, datetime, dict[str, Any]]],
        note: Notification,
    ) -> None: ...
    def schedule_reminder(self, appointment_id: str, name: str, at: datetime, payload: dict[str, Any]) -> None: ...
    def cancel_reminder(self, appointment_id: str, name: str) -> None: ...
    def publish(self, note: Notification) -> None: ...
    def payment_status(self, out_trade_no: str) -> str | None: ...
    def close_payment(self, out_trade_no: str) -> None: ...
    def refund(self, out_trade_no: str, out_refund_no: str, amount_fen: int, reason: str) -> str: ...
    def create_payment(self, appt: Appointment, description: str) -> dict[str, str]: ...
    def settle_later(self, appointment_id: str, out_trade_no: str) -> None: ...


class AwsEffects:
    """The real side effects: Task C's saga and payments, EventBridge Scheduler, the notifications queue."""

    def start_booking(
        self,
        appointment_id: str,
        out_trade_no: str | None,
        reminders: list[tuple[str, datetime, dict[str, Any]]],
        note: Notification,
    ) -> None:
        from chalicelib.appointments.saga import Reminder, start_booking

        start_booking(appointment_id, out_trade_no, [Reminder(n, at, p) for n, at, p in reminders], note)

    def schedule_reminder(self, appointment_id: str, name: str, at: datetime, payload: dict[str, Any]) -> None:
        from chalicelib.core.timers import schedule_timer

        schedule_timer(APPOINTMENT_REMINDER, f"{appointment_id}-{name}", at, payload)

    def cancel_reminder(self, appointment_id: str, name: str) -> None:
        from chalicelib.core.timers import cancel_timer

        cancel_timer(APPOINTMENT_REMINDER, f"{appointment_id}-{name}")

    def publish(self, note: Notification) -> None:
        from chalicelib.notifications.api import publish

        publish(note)

    def payment_status(self, out_trade_no: str) -> str | None:
        from chalicelib.payments.api import payment_status

        return payment_status(out_trade_no)

    def close_payment(self, out_trade_no: str) -> None:
        from chalicelib.payments.api import close_payment

        close_payment(out_trade_no)

    def refund(self, out_trade_no: str, out_refund_no: str, amount_fen: int, reason: str) -> str:
        from chalicelib.payments.api import refund_payment

        return refund_payment(out_trade_no, out_refund_no, amount_fen, reason)

    def create_payment(self, appt: Appointment, description: str) -> dict[str, str]:
        from chalicelib.payments.api import open_payment

        assert appt.out_trade_no is not None
        return open_payment("appointment", appt.id, appt.out_trade_no, appt.total_amount, description, appt.user_id)

    def settle_later(self, appointment_id: str, out_trade_no: str) -> None:
        """Hands the refund or close to the saga's compensation kind on the timers queue, which
        retries it (redelivery, then the DLQ) until WeChat Pay answers."""
        import json

        from chalicelib.core import aws
        from chalicelib.core.config import queue_url
        from chalicelib.core.resources import TIMERS_QUEUE

        body = BOOKING_PAYMENT_FAILED.message(appointment_id, {"outTradeNo": out_trade_no})
        aws.client("sqs").send_message(QueueUrl=queue_url(TIMERS_QUEUE.suffix), MessageBody=json.dumps(body))


@dataclass(frozen=True)
class Place:
    """Where an appointment happens: the store's zone, phone and per-store settings."""

    tz: ZoneInfo
    phone: str
    name: str
    cancel_window_hours: float


def place_of(store_id: str) -> Place:
    store: Store | None = get_store(store_id)
    if store is None:
        return Place(rules.zone(settings().default_timezone), "", "", rules.DEFAULT_CANCEL_WINDOW_HOURS)
    window = store.settings.get("appointmentCancelWindowHours", rules.DEFAULT_CANCEL_WINDOW_HOURS)
    return Place(rules.zone(store.timezone), store.phone, store.name, float(window))


def schedule_of(staff: Staff) -> availability.WeeklySchedule:
    return availability.WeeklySchedule(staff.hours, staff.breaks, frozenset(staff.days_off))


# --- lookups and access -----------------------------------------------------------------------
def require_service(service_id: str | None) -> Service:
    found = models.get_service(service_id) if service_id else None
    if found is None:
        raise NotFound(f"Service '{service_id}' does not exist.", code="SERVICE_NOT_FOUND", field="serviceId")
    return found


def require_staff(staff_id: str | None, consistent: bool = False) -> Staff:
    found = models.get_staff(staff_id, consistent) if staff_id else None
    if found is None:
        raise NotFound(f"Staff member '{staff_id}' does not exist.", code="STAFF_NOT_FOUND", field="staffId")
    return found


def require_offering(service: Service, staff: Staff) -> None:
    if service.id not in staff.service_ids or staff.store_id != service.store_id:
        raise ValidationError(
            f"{staff.name} does not offer {service.name}.", code="STAFF_NOT_OFFERING", field="staffId"
        )


def require_appointment(appointment_id: str) -> Appointment:
    found = models.get_appointment(appointment_id)
    if found is None:
        raise NotFound(f"Appointment '{appointment_id}' does not exist.", code="APPOINTMENT_NOT_FOUND")
    return found


def is_staff_for(principal: Principal, store_id: str, merchant_id: str) -> bool:
    return principal.can_staff(store_id, merchant_id)


def ensure_can_see(principal: Principal, appt: Appointment) -> bool:
    """Owner, the store's staff, the merchant's admin; returns whether the caller acts as staff."""
    if is_staff_for(principal, appt.store_id, appt.merchant_id):
        return True
    if principal.user_id != appt.user_id:
        raise Forbidden("This appointment is not yours.")
    return False


def ensure_manages(principal: Principal, staff: Staff) -> None:
    principal.ensure_staff_of(staff.store_id, staff.merchant_id)


# --- catalogue and availability ---------------------------------------------------------------
def list_staff_for(service: Service) -> list[Staff]:
    return [s for s in models.staff_of_merchant(service.merchant_id, service.store_id) if service.id in s.service_ids]


def _claimed(staff: Staff, start: datetime, end: datetime) -> set[datetime]:
    return set(models.claimed_units(staff.id, start, end))


def available_slots(service: Service, staff: Staff, day: date, now: datetime) -> list[availability.Slot]:
    require_offering(service, staff)
    tz = place_of(staff.store_id).tz
    start, end = availability.day_bounds(day, tz)
    claimed = _claimed(staff, start, end + timedelta(minutes=service.duration + service.buffer))
    return availability.free_slots(schedule_of(staff), day, tz, service.duration, service.buffer, claimed, now)


def available_dates(service: Service, staff: Staff, days: int, now: datetime) -> list[str]:
    """Local dates, from today, with at least one free slot; one Query of the staff's claims."""
    require_offering(service, staff)
    tz = place_of(staff.store_id).tz
    today = now.astimezone(tz).date()
    span_start, _ = availability.day_bounds(today, tz)
    _, span_end = availability.day_bounds(today + timedelta(days=days - 1), tz)
    claimed = _claimed(staff, span_start, span_end + timedelta(minutes=service.duration + service.buffer))
    schedule = schedule_of(staff)
    found = []
    for offset in range(days):
        day = today + timedelta(days=offset)
        if availability.free_slots(schedule, day, tz, service.duration, service.buffer, claimed, now):
            found.append(day.isoformat())
    return found


def _slot_start(staff: Staff, duration: int, day: date, time_slot: str, tz: ZoneInfo, now: datetime) -> datetime:
    """The requested start, if the staff member's week offers a slot there and it is still ahead."""
    start = rules.local_start(day, time_slot, tz)
    if start <= now:
        raise ValidationError("That time has already passed.", code="SLOT_IN_PAST", field="timeSlot")
    starts = {s.start for s in availability.candidate_slots(schedule_of(staff), day, tz, duration)}
    if start not in starts:
        raise ValidationError(
            "That is not a bookable time for this staff member.", code="INVALID_SLOT", field="timeSlot"
        )
    return start


# --- booking ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class BookingRequest:
    service_id: str
    staff_id: str
    day: date
    time_slot: str
    customer: rules.CustomerInfo
    total_amount: Any


def channels_for(prefs: Preferences, customer: dict[str, Any]) -> tuple[str, ...]:
    channels = []
    if prefs.push:
        channels.append("wechat")
    if prefs.sms and customer.get("phone"):
        channels.append("sms")
    if prefs.email and customer.get("email"):
        channels.append("email")
    return tuple(channels)


def notification_for(
    appt: Appointment, kind: str, place: Place, note_id: str, extra: dict[str, Any] | None = None
) -> Notification:
    day, time_slot = rules.local_date_and_time(appt.start, place.tz)
    data = {
        "appointmentId": appt.id,
        "serviceName": appt.service_name,
        "staffName": appt.staff_name,
        "date": day,
        "timeSlot": time_slot,
        "storeName": place.name,
        "phone": appt.customer.get("phone"),
        "email": appt.customer.get("email"),
        "page": f"/pages/appointment-detail/appointment-detail?id={appt.id}",
        **(extra or {}),
    }
    prefs = models.get_preferences(appt.user_id)
    return render_notification(note_id, appt.user_id, kind, data, channels_for(prefs, appt.customer))


def reminder_payload(appt_id: str, name: str, start: datetime) -> dict[str, Any]:
    return {"appointmentId": appt_id, "name": name, "start": to_iso(start)}


def book(principal: Principal, request: BookingRequest, now: datetime, effects: Effects) -> Appointment:
    service = require_service(request.service_id)
    staff = require_staff(request.staff_id)
    require_offering(service, staff)
    price = rules.reprice(service.price, request.total_amount)
    place = place_of(staff.store_id)
    start = _slot_start(staff, service.duration, request.day, request.time_slot, place.tz, now)
    units = availability.claim_units(start, service.duration, service.buffer)
    rules.ensure_units_fit(len(units))
    prefs = models.get_preferences(principal.user_id)
    plan = rules.reminder_plan(start, list(prefs.reminder_times), now)
    appointment_id = new_id("apt")
    paid = service.requires_payment and price > 0
    appt = Appointment(
        id=appointment_id,
        status=rules.PENDING_PAYMENT if paid else rules.CONFIRMED,
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
    )
    try:
        models.create_appointment(appt, units)
    except Conflict:
        repeat = _same_booking(principal, appt, units[0])
        if repeat is None:
            raise
        return repeat  # the client retried a booking that already went through
    reminders = [(name, at, reminder_payload(appt.id, name, start)) for name, at in plan]
    note = notification_for(appt, "appointment_confirmed", place, f"appt-confirmed-{appt.id}")
    try:
        effects.start_booking(appt.id, appt.out_trade_no, reminders, note)
    except Exception as err:
        # Without its saga a paid booking would hold the slot forever: undo it.
        logger.exception("could not start the booking saga", appointment_id=appt.id)
        models.finish_appointment(appt, (appt.status,), rules.EXPIRED, now, release=True)
        raise UpstreamUnavailable("Booking is unavailable right now; please try again.") from err
    count("AppointmentBooked")
    return appt


def _same_booking(principal: Principal, wanted: Appointment, first_unit: datetime) -> Appointment | None:
    owner = models.unit_owner(wanted.staff_id, first_unit)
    existing = models.get_appointment(owner) if owner else None
    if (
        existing is not None
        and existing.user_id == principal.user_id
        and existing.service_id == wanted.service_id
        and existing.start == wanted.start
        and existing.status in (rules.PENDING_PAYMENT, rules.CONFIRMED)
    ):
        return existing
    return None


def payment_params(principal: Principal, appointment_id: str, amount: Any, effects: Effects) -> dict[str, str]:
    appt = require_appointment(appointment_id)
    if appt.user_id != principal.user_id:
        raise Forbidden("This appointment is not yours.")
    if appt.status != rules.PENDING_PAYMENT or appt.out_trade_no is None:
        raise Conflict(f"This appointment is {appt.status} and needs no payment.", code="INVALID_STATUS")
    if isinstance(amount, bool) or not isinstance(amount, int | float) or amount != appt.total_amount:
        raise ValidationError("'amount' does not match the booking's total.", code="AMOUNT_MISMATCH", field="amount")
    return effects.create_payment(appt, f"预约 {appt.service_name}")


# --- after booking ----------------------------------------------------------------------------
def _settle_payment(appt: Appointment, reason: str, effects: Effects) -> str | None:
    """Refund a paid booking, close an unpaid one; returns the refund status if one was made."""
    if appt.out_trade_no is None:
        return None
    status = effects.payment_status(appt.out_trade_no)
    if status in PAID_STATUSES:
        refund = effects.refund(appt.out_trade_no, rules.refund_no(appt.out_trade_no), appt.total_amount, reason)
        models.set_refund_status(appt.id, refund)
        return refund
    effects.close_payment(appt.out_trade_no)
    return None


def _cancel_reminders(appt: Appointment, effects: Effects) -> None:
    """Best effort: a reminder left behind finds the booking closed or moved and sends nothing."""
    for name in appt.reminder_names:
        try:
            effects.cancel_reminder(appt.id, name)
        except Exception:
            logger.exception("could not delete an appointment reminder", appointment_id=appt.id, reminder=name)


def cancel(principal: Principal, appointment_id: str, reason: str, now: datetime, effects: Effects) -> Appointment:
    # A failed write means the booking changed since it was read (cancelled, or moved by a racing
    # reschedule): read it again and decide again, so the units released are the ones it holds.
    for _ in range(FINISH_ATTEMPTS):
        appt = require_appointment(appointment_id)
        as_staff = ensure_can_see(principal, appt)
        rules.ensure_transition("cancel", appt.status)
        place = place_of(appt.store_id)
        if not as_staff:
            rules.ensure_customer_window(appt.start, now, place.cancel_window_hours, "cancelled")
        if models.finish_appointment(appt, rules.TRANSITIONS["cancel"], rules.CANCELLED, now, True, reason):
            break
    else:
        raise Conflict("This appointment is changing right now; please try again.", code="INVALID_STATUS")
    _cancel_reminders(appt, effects)
    try:
        refund_status = _settle_payment(appt, reason or "appointment cancelled", effects)
    except Exception:
        # The booking is cancelled already, so a retried cancel could not get here again.
        assert appt.out_trade_no is not None
        logger.exception("could not settle a cancelled booking's payment; queued", appointment_id=appt.id)
        effects.settle_later(appt.id, appt.out_trade_no)
        refund_status = None
    cancelled = replace(appt, status=rules.CANCELLED, cancel_reason=reason, updated_at=now, refund_status=refund_status)
    effects.publish(
        notification_for(cancelled, "appointment_cancelled", place, f"appt-cancelled-{appt.id}", {"reason": reason})
    )
    return cancelled


def reschedule(
    principal: Principal, appointment_id: str, day: date, time_slot: str, now: datetime, effects: Effects
) -> Appointment:
    appt = require_appointment(appointment_id)
    as_staff = ensure_can_see(principal, appt)
    rules.ensure_transition("reschedule", appt.status)
    place = place_of(appt.store_id)
    if not as_staff:
        rules.ensure_customer_window(appt.start, now, place.cancel_window_hours, "rescheduled")
    staff = require_staff(appt.staff_id)
    new_start = _slot_start(staff, appt.duration, day, time_slot, place.tz, now)
    if new_start == appt.start:
        return appt
    new_units = availability.claim_units(new_start, appt.duration, appt.buffer)
    old_units = availability.claim_units(appt.start, appt.duration, appt.buffer)
    rules.ensure_units_fit(len(set(new_units) - set(old_units)), len(set(old_units) - set(new_units)))
    new_end = new_start + timedelta(minutes=appt.duration)
    models.move_appointment(appt, new_start, new_end, new_units, now)
    moved = replace(appt, start=new_start, end=new_end, updated_at=now)
    # Old reminders carry the old start, so even one that escapes deletion is never sent.
    _cancel_reminders(appt, effects)
    names = _schedule_reminders(moved, list(models.get_preferences(appt.user_id).reminder_times), now, effects)
    moved = replace(moved, reminder_names=tuple(names))
    effects.publish(
        notification_for(
            moved,
            "appointment_rescheduled",
            place,
            f"appt-moved-{appt.id}-{to_iso(new_start)}",
            {"previousStart": to_iso(appt.start)},
        )
    )
    return moved


def _schedule_reminders(appt: Appointment, names: list[str], now: datetime, effects: Effects) -> list[str]:
    plan = rules.reminder_plan(appt.start, names, now)
    for name, at in plan:
        effects.schedule_reminder(appt.id, name, at, reminder_payload(appt.id, name, appt.start))
    scheduled = [name for name, _ in plan]
    models.set_reminders(appt.id, sorted(set(scheduled) | set(appt.reminder_names)))
    return scheduled


def schedule_reminders(
    principal: Principal, appointment_id: str, raw_times: Any, now: datetime, effects: Effects
) -> list[dict[str, str]]:
    appt = require_appointment(appointment_id)
    principal.ensure_staff_of(appt.store_id, appt.merchant_id)
    if appt.status != rules.CONFIRMED:
        raise Conflict("Only a confirmed appointment gets reminders.", code="INVALID_STATUS")
    names = rules.reminder_times(raw_times)
    plan = rules.reminder_plan(appt.start, names, now)
    _schedule_reminders(appt, names, now, effects)
    return [{"type": name, "at": to_iso(at)} for name, at in plan]


def mark(principal: Principal, appointment_id: str, action: str, now: datetime, effects: Effects) -> Appointment:
    """Staff close an appointment as completed or no-show once it has started."""
    appt = require_appointment(appointment_id)
    principal.ensure_staff_of(appt.store_id, appt.merchant_id)
    rules.ensure_transition(action, appt.status)
    if now < appt.start:
        raise Conflict("An appointment can be closed only once it has started.", code="NOT_STARTED")
    if not models.finish_appointment(appt, rules.TRANSITIONS[action], rules.TARGET[action], now, release=False):
        current = require_appointment(appointment_id)
        if current.status in rules.TRANSITIONS[action]:  # moved meanwhile: the start checked above is stale
            raise Conflict("This appointment was just rescheduled; please try again.", code="INVALID_STATUS")
        raise Conflict(f"This appointment is {current.status}, so it cannot be marked {action}.", code="INVALID_STATUS")
    _cancel_reminders(appt, effects)
    return replace(appt, status=rules.TARGET[action], updated_at=now)


NOTICE_KINDS = {
    "confirmation": ("appointment_confirmed", (rules.CONFIRMED,)),
    "reminder": ("appointment_reminder", (rules.CONFIRMED,)),
    "cancellation": ("appointment_cancelled", (rules.CANCELLED,)),
    "reschedule": ("appointment_rescheduled", (rules.CONFIRMED,)),
}


def send_notice(
    principal: Principal, appointment_id: str, notice: str, body: dict[str, Any], effects: Effects
) -> Notification:
    """(Re)send a notice; its id is the one the automatic notice uses, so the customer gets it once."""
    if notice not in NOTICE_KINDS:
        raise NotFound(f"Unknown notification '{notice}'.", code="UNKNOWN_NOTIFICATION")
    appt = require_appointment(appointment_id)
    as_staff = ensure_can_see(principal, appt)
    if notice == "reminder" and not as_staff:
        raise Forbidden("Only staff send reminders by hand.")
    kind, statuses = NOTICE_KINDS[notice]
    if appt.status not in statuses:
        raise Conflict(f"This appointment is {appt.status}, so it gets no {notice} notice.", code="INVALID_STATUS")
    place = place_of(appt.store_id)
    if notice == "reminder":
        reminder_type = body.get("type") or "manual"
        if reminder_type != "manual":
            rules.parse_offset(reminder_type)
        note_id = f"appt-reminder-{appt.id}-{reminder_type}-{to_iso(appt.start)}"
        extra: dict[str, Any] = {"reminderType": reminder_type}
    elif notice == "confirmation":
        note_id, extra = f"appt-confirmed-{appt.id}", {}
    elif notice == "cancellation":
        note_id, extra = f"appt-cancelled-{appt.id}", {"reason": appt.cancel_reason or body.get("reason")}
    else:
        note_id, extra = f"appt-moved-{appt.id}-{to_iso(appt.start)}", {}
    note = notification_for(appt, kind, place, note_id, extra)
    effects.publish(note)
    return note


def get_preferences(principal: Principal, customer_id: str) -> Preferences:
    return models.get_preferences(principal.ensure_self(customer_id))


def put_preferences(principal: Principal, customer_id: str, raw: Any, now: datetime) -> Preferences:
    user_id = principal.ensure_self(customer_id)
    if not isinstance(raw, dict):
        raise ValidationError("'preferences' must be an object.", field="preferences")
    current = models.get_preferences(user_id)
    values: dict[str, Any] = {}
    for name in ("sms", "email", "push"):
        if name in raw:
            if not isinstance(raw[name], bool):
                raise ValidationError(f"'preferences.{name}' must be true or false.", field=f"preferences.{name}")
            values[name] = raw[name]
    if "reminderTimes" in raw:
        values["reminder_times"] = tuple(rules.reminder_times(raw["reminderTimes"]))
    prefs = replace(current, **values)
    models.put_preferences(user_id, prefs, now)
    return prefs


# --- staff and merchant schedule --------------------------------------------------------------
def _date_range(start: date, end: date) -> list[date]:
    if end < start:
        raise ValidationError("'endDate' must not be before 'startDate'.", field="endDate")
    days = (end - start).days + 1
    if days > MAX_SCHEDULE_DAYS:
        raise ValidationError(f"At most {MAX_SCHEDULE_DAYS} days at once.", field="endDate")
    return [start + timedelta(days=i) for i in range(days)]


def staff_schedule(principal: Principal, staff_id: str, start: date, end: date) -> list[dict[str, Any]]:
    staff = require_staff(staff_id)
    ensure_manages(principal, staff)
    tz = place_of(staff.store_id).tz
    days = _date_range(start, end)
    span_start, _ = availability.day_bounds(days[0], tz)
    _, span_end = availability.day_bounds(days[-1], tz)
    appts = models.staff_appointments(staff.id, span_start, span_end)
    blocks = models.staff_blocks(staff.id, span_start, span_end)
    schedule = schedule_of(staff)
    result = []
    for day in days:
        d_start, d_end = availability.day_bounds(day, tz)
        result.append(
            {
                "date": day.isoformat(),
                "dayOff": day.isoformat() in schedule.days_off,
                "workingHours": [
                    {"start": _hhmm(a, tz), "end": _hhmm(b, tz)}
                    for a, b in availability.working_windows(schedule, day, tz)
                ],
                "appointments": [appointment_brief(a, tz) for a in appts if d_start <= a.start < d_end],
                "blocks": [block_view(b, tz) for b in blocks if b.start < d_end and b.end > d_start],
            }
        )
    return result


def _hhmm(when: datetime, tz: ZoneInfo) -> str:
    return when.astimezone(tz).strftime("%H:%M")


def appointment_brief(appt: Appointment, tz: ZoneInfo) -> dict[str, Any]:
    day, time_slot = rules.local_date_and_time(appt.start, tz)
    return {
        "id": appt.id,
        "date": day,
        "timeSlot": time_slot,
        "appointmentDateTime": rules.local_iso(appt.start, tz),
        "endTime": _hhmm(appt.end, tz),
        "status": appt.status,
        "serviceName": appt.service_name,
        "duration": appt.duration,
        "customerName": appt.customer.get("name"),
    }


def block_view(block: Block, tz: ZoneInfo) -> dict[str, Any]:
    day, time_slot = rules.local_date_and_time(block.start, tz)
    return {
        "id": block.id,
        "staffId": block.staff_id,
        "date": day,
        "timeSlot": time_slot,
        "endTime": _hhmm(block.end, tz),
        "reason": block.reason,
        "blockedBy": block.blocked_by,
    }


def update_availability(principal: Principal, staff_id: str, raw: Any) -> Staff:
    staff = require_staff(staff_id)
    ensure_manages(principal, staff)
    if not isinstance(raw, dict):
        raise ValidationError("'availability' must be an object.", field="availability")
    hours_raw = raw.get("weeklyHours", raw.get("hours"))
    hours = rules.validate_weekly(hours_raw, "weeklyHours") if hours_raw is not None else None
    breaks = rules.validate_weekly(raw["breaks"], "breaks") if raw.get("breaks") is not None else None
    days_off = rules.validate_days_off(raw["daysOff"]) if raw.get("daysOff") is not None else None
    if hours is None and breaks is None and days_off is None:
        raise ValidationError("Give weeklyHours, breaks or daysOff.", field="availability")
    models.update_availability(staff.id, hours, breaks, days_off)
    return require_staff(staff.id, consistent=True)


def availability_view(staff: Staff) -> dict[str, Any]:
    return {"weeklyHours": staff.hours, "breaks": staff.breaks, "daysOff": list(staff.days_off)}


def _block_span(raw_slot: Any, duration: Any, day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """timeSlot "HH:MM" (+ optional duration minutes), "HH:MM-HH:MM", or {start, end}."""
    end_text: str | None = None
    if isinstance(raw_slot, dict):
        start_text = rules.parse_time(raw_slot)
        if raw_slot.get("end"):
            end_text = rules.parse_time(raw_slot.get("end"), "timeSlot.end")
    elif isinstance(raw_slot, str) and "-" in raw_slot:
        first, _, second = raw_slot.partition("-")
        start_text, end_text = rules.parse_time(first), rules.parse_time(second, "timeSlot.end")
    else:
        start_text = rules.parse_time(raw_slot)
    start = rules.local_start(day, start_text, tz)
    if end_text is not None:
        end = rules.local_start(day, end_text, tz)
    else:
        minutes = DEFAULT_BLOCK_MINUTES if duration is None else duration
        if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= 24 * 60:
            raise ValidationError("'duration' must be whole minutes between 1 and 1440.", field="duration")
        end = start + timedelta(minutes=minutes)
    if end <= start:
        raise ValidationError("A block must end after it starts.", field="timeSlot")
    return start, end


def block_time(
    principal: Principal,
    staff_id: str,
    day: date,
    raw_slot: Any,
    duration: Any,
    reason: str | None,
    blocked_by: Any,
    now: datetime,
) -> Block:
    staff = require_staff(staff_id)
    ensure_manages(principal, staff)
    # The client sends wx.getStorageSync('userId'), which is "" when nothing is stored.
    if blocked_by not in (None, "") and blocked_by != principal.user_id:
        raise Forbidden("'blockedBy' must be you.", field="blockedBy")
    tz = place_of(staff.store_id).tz
    start, end = _block_span(raw_slot, duration, day, tz)
    units = availability.units_between(start, end)
    rules.ensure_units_fit(len(units))
    block = Block(new_id("blk"), staff.id, staff.store_id, start, end, reason, principal.user_id)
    models.create_block(block, units, now)
    return block


def unblock(principal: Principal, block_id: str) -> None:
    block = models.get_block(block_id)
    if block is None:
        raise NotFound(f"Block '{block_id}' does not exist.", code="BLOCK_NOT_FOUND")
    staff = require_staff(block.staff_id)
    ensure_manages(principal, staff)
    models.delete_block(block, availability.units_between(block.start, block.end))


def conflicts(
    principal: Principal, staff_id: str, day: date, raw_slot: Any, duration: int | None
) -> list[dict[str, Any]]:
    """What stands in the way of the span (the same timeSlot forms a block takes): off hours, day
    off, breaks, appointments, blocks."""
    staff = require_staff(staff_id)
    ensure_manages(principal, staff)
    tz = place_of(staff.store_id).tz
    start, end = _block_span(raw_slot, duration, day, tz)
    found: list[dict[str, Any]] = []
    schedule = schedule_of(staff)
    if day.isoformat() in schedule.days_off:
        found.append({"type": "day_off", "date": day.isoformat()})
    elif not any(a <= start and end <= b for a, b in availability.working_windows(schedule, day, tz)):
        found.append({"type": "outside_working_hours", "date": day.isoformat()})
    owners: dict[str, str] = {}
    for owner, kind in models.claimed_units(staff.id, availability.unit_floor(start), end).values():
        owners[owner] = kind
    for owner, kind in sorted(owners.items()):
        if kind == "appointment":
            appt = models.get_appointment(owner)
            if appt is not None:
                found.append({"type": "appointment", **appointment_brief(appt, tz)})
        else:
            block = models.get_block(owner)
            if block is not None:
                found.append({"type": "block", **block_view(block, tz)})
    return found


def staff_in_scope(principal: Principal, store_id: str | None = None) -> list[Staff]:
    if principal.role is Role.CUSTOMER or not principal.merchant_id:
        raise Forbidden("Only staff and the merchant's admin may see schedules.")
    staff = models.staff_of_merchant(principal.merchant_id, store_id)
    return [s for s in staff if principal.can_staff(s.store_id, s.merchant_id)]


def overview(principal: Principal, day: date, store_id: str | None) -> dict[str, Any]:
    rows = []
    totals = {"appointments": 0, "bookedMinutes": 0, "workingMinutes": 0, "blocks": 0}
    for staff in staff_in_scope(principal, store_id):
        tz = place_of(staff.store_id).tz
        d_start, d_end = availability.day_bounds(day, tz)
        active = [
            a
            for a in models.staff_appointments(staff.id, d_start, d_end)
            if a.status in (rules.PENDING_PAYMENT, rules.CONFIRMED, rules.COMPLETED, rules.NO_SHOW)
        ]
        blocks = models.staff_blocks(staff.id, d_start, d_end)
        working = availability.working_minutes(schedule_of(staff), day, tz)
        booked = sum(a.duration for a in active)
        rows.append(
            {
                "staffId": staff.id,
                "staffName": staff.name,
                "storeId": staff.store_id,
                "dayOff": day.isoformat() in staff.days_off,
                "workingMinutes": working,
                "bookedMinutes": booked,
                "utilization": round(booked / working, 4) if working else 0.0,
                "appointments": [appointment_brief(a, tz) for a in active],
                "blocks": [block_view(b, tz) for b in blocks],
            }
        )
        totals["appointments"] += len(active)
        totals["bookedMinutes"] += booked
        totals["workingMinutes"] += working
        totals["blocks"] += len(blocks)
    utilization = round(totals["bookedMinutes"] / totals["workingMinutes"], 4) if totals["workingMinutes"] else 0.0
    return {"date": day.isoformat(), "staff": rows, "totals": {**totals, "utilization": utilization}}


# --- timers -----------------------------------------------------------------------------------
def send_reminder(appointment_id: str, payload: dict[str, Any], now: datetime, effects: Effects) -> bool:
    """A reminder goes out only for a confirmed booking still at the start it was scheduled for."""
    appt = models.get_appointment(appointment_id)
    if appt is None or appt.status != rules.CONFIRMED or to_iso(appt.start) != payload.get("start"):
        return False
    if now >= appt.start:
        return False
    name = str(payload.get("name") or "reminder")
    note_id = f"appt-reminder-{appt.id}-{name}-{to_iso(appt.start)}"
    effects.publish(
        notification_for(appt, "appointment_reminder", place_of(appt.store_id), note_id, {"reminderType": name})
    )
    return True


def payment_failed(appointment_id: str, payload: dict[str, Any], now: datetime, effects: Effects) -> str:
    """The saga's compensation: expire and release a still-pending booking, close its payment;
    refund a payment that succeeded for a booking that no longer stands (paid before a Confirm that
    failed, or found paid by the close). Safe to repeat."""
    appt = models.get_appointment(appointment_id)
    if appt is None:
        return "missing"
    trade_no = appt.out_trade_no or payload.get("outTradeNo")
    expired_now = models.finish_appointment(appt, rules.TRANSITIONS["expire"], rules.EXPIRED, now, release=True)
    if expired_now:
        if trade_no:
            effects.close_payment(trade_no)
        current = replace(appt, status=rules.EXPIRED)
    else:
        current = require_appointment(appointment_id)
    if current.status == rules.EXPIRED:
        # Also on a repeat, whose first attempt may have failed past the expiry (e.g. closing the order
        # raised) before the notice went out; the notice id makes a second publish a no-op.
        effects.publish(
            notification_for(current, "appointment_expired", place_of(appt.store_id), f"appt-expired-{appt.id}")
        )
    if trade_no and current.status in (rules.CANCELLED, rules.EXPIRED):
        if effects.payment_status(trade_no) == "SUCCESS":
            refund = effects.refund(trade_no, rules.refund_no(trade_no), current.total_amount, "booking not kept")
            models.set_refund_status(current.id, refund)
            return "refunded"
        if not expired_now:  # just closed above otherwise
            effects.close_payment(trade_no)
    return "expired" if expired_now else current.status


# --- analytics --------------------------------------------------------------------------------
def analytics_report(principal: Principal, report: str, period: str | None, now: datetime) -> dict[str, Any]:
    """Admin only: the merchant's appointments that started in the last `days` days."""
    from chalicelib.appointments import analytics

    if principal.role is not Role.ADMIN or not principal.merchant_id:
        raise Forbidden("Only the merchant's admin may see analytics.")
    if report not in analytics.REPORTS:
        raise NotFound(f"Unknown report '{report}'.", code="UNKNOWN_REPORT")
    days = rules.period_days(period)
    start = now - timedelta(days=days)
    staff = models.staff_of_merchant(principal.merchant_id)
    tz = place_of(staff[0].store_id).tz if staff else rules.zone(settings().default_timezone)
    appts: list[Appointment] = []
    capacity = []
    first_day = start.astimezone(tz).date()
    for member in staff:
        appts.extend(models.staff_appointments(member.id, start, now))
        schedule = schedule_of(member)
        minutes = sum(availability.working_minutes(schedule, first_day + timedelta(days=i), tz) for i in range(days))
        capacity.append(analytics.StaffCapacity(member.id, member.name, minutes))
    return analytics.build(report, appts, capacity, tz, start, now)
