"""Every appointment request parsed into a typed, validated value before a use case sees it.

Bad input is a ValidationError naming the field (a JSON 400), raised here rather than deep in a
use case; what needs stored data to judge (a slot's existence, a price) is the use case's."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from chalicelib.appointments import rules
from chalicelib.appointments.domain import CustomerInfo, LocalSpan
from chalicelib.core.errors import ValidationError
from chalicelib.core.http import Params

ID_LENGTH = 64


@dataclass(frozen=True)
class AvailabilityQuery:
    service_id: str
    staff_id: str


@dataclass(frozen=True)
class SlotsQuery(AvailabilityQuery):
    day: date


@dataclass(frozen=True)
class DatesQuery(AvailabilityQuery):
    days: int


@dataclass(frozen=True)
class BookingRequest:
    service_id: str
    staff_id: str
    day: date
    time_slot: str
    customer: CustomerInfo
    total_amount: int | float


@dataclass(frozen=True)
class PaymentRequest:
    appointment_id: str
    amount: int | float | None  # None: not a number (refused like a wrong amount)


@dataclass(frozen=True)
class RescheduleRequest:
    day: date
    time_slot: str


@dataclass(frozen=True)
class NoticeRequest:
    reminder_type: str | None
    reason: str | None


@dataclass(frozen=True)
class ScheduleQuery:
    days: tuple[date, ...]


@dataclass(frozen=True)
class AvailabilityUpdate:
    hours: dict[str, list[list[str]]] | None
    breaks: dict[str, list[list[str]]] | None
    days_off: list[str] | None


@dataclass(frozen=True)
class BlockRequest:
    staff_id: str
    day: date
    span: LocalSpan
    reason: str | None
    blocked_by: str | None


@dataclass(frozen=True)
class ConflictsQuery:
    staff_id: str
    day: date
    span: LocalSpan


@dataclass(frozen=True)
class OverviewQuery:
    day: date
    store_id: str | None


@dataclass(frozen=True)
class PreferencesUpdate:
    """Only the fields the customer sent; the others keep their stored values."""

    changes: dict[str, Any] = field(default_factory=dict)


def store_filter(params: Params) -> str | None:
    return params.text("storeId", max_length=ID_LENGTH)


def slots_query(params: Params) -> SlotsQuery:
    service_id, staff_id = _service_and_staff(params)
    return SlotsQuery(service_id, staff_id, rules.parse_date(params.require_text("date", max_length=10)))


def dates_query(params: Params) -> DatesQuery:
    service_id, staff_id = _service_and_staff(params)
    days = params.integer("days", default=30, minimum=1, maximum=rules.MAX_AVAILABILITY_DAYS)
    assert days is not None
    return DatesQuery(service_id, staff_id, days)


def _service_and_staff(params: Params) -> tuple[str, str]:
    return params.require_text("serviceId", max_length=ID_LENGTH), params.require_text("staffId", max_length=ID_LENGTH)


def booking_request(body: Params) -> BookingRequest:
    return BookingRequest(
        service_id=body.require_text("serviceId", max_length=ID_LENGTH),
        staff_id=body.require_text("staffId", max_length=ID_LENGTH),
        day=rules.parse_date(body.raw("date")),
        time_slot=rules.parse_time(body.raw("timeSlot")),
        customer=rules.customer_info(body.raw("customerInfo")),
        total_amount=rules.fen(body.raw("totalAmount"), "totalAmount"),
    )


def payment_request(body: Params) -> PaymentRequest:
    amount = body.raw("amount")
    number = amount if isinstance(amount, int | float) and not isinstance(amount, bool) else None
    return PaymentRequest(body.require_text("appointmentId", max_length=ID_LENGTH), number)


def cancel_reason(body: Params) -> str:
    return body.text("reason", max_length=200) or ""


def reschedule_request(body: Params) -> RescheduleRequest:
    return RescheduleRequest(rules.parse_date(body.raw("date")), rules.parse_time(body.raw("timeSlot")))


def notice_request(body: Params) -> NoticeRequest:
    return NoticeRequest(body.text("type", max_length=8), body.text("reason"))


def reminder_times(body: Params) -> list[str]:
    return rules.reminder_times(body.raw("reminderTimes"))


def schedule_query(params: Params) -> ScheduleQuery:
    start = rules.parse_date(params.require_text("startDate", max_length=10), "startDate")
    end = rules.parse_date(params.require_text("endDate", max_length=10), "endDate")
    return ScheduleQuery(tuple(rules.date_range(start, end)))


def availability_update(body: Params) -> AvailabilityUpdate:
    raw = body.raw("availability")
    if not isinstance(raw, dict):
        raise ValidationError("'availability' must be an object.", field="availability")
    hours_raw = raw.get("weeklyHours", raw.get("hours"))
    update = AvailabilityUpdate(
        hours=rules.validate_weekly(hours_raw, "weeklyHours") if hours_raw is not None else None,
        breaks=rules.validate_weekly(raw["breaks"], "breaks") if raw.get("breaks") is not None else None,
        days_off=rules.validate_days_off(raw["daysOff"]) if raw.get("daysOff") is not None else None,
    )
    if update.hours is None and update.breaks is None and update.days_off is None:
        raise ValidationError("Give weeklyHours, breaks or daysOff.", field="availability")
    return update


def block_request(body: Params) -> BlockRequest:
    staff_id = body.require_text("staffId", max_length=ID_LENGTH)
    day = rules.parse_date(body.raw("date"))
    span = rules.local_span(body.raw("timeSlot"), body.raw("duration"))
    reason = body.text("reason", max_length=200)
    # The client sends wx.getStorageSync('userId'), which is "" when nothing is stored.
    blocked_by = body.raw("blockedBy")
    return BlockRequest(staff_id, day, span, reason, None if blocked_by in (None, "") else str(blocked_by))


def conflicts_query(params: Params) -> ConflictsQuery:
    staff_id = params.require_text("staffId", max_length=ID_LENGTH)
    day = rules.parse_date(params.require_text("date", max_length=10))
    time_slot = params.require_text("timeSlot", max_length=11)  # "HH:MM" or "HH:MM-HH:MM"
    duration = params.integer("duration", minimum=1, maximum=24 * 60)
    return ConflictsQuery(staff_id, day, rules.local_span(time_slot, duration))


def overview_query(params: Params) -> OverviewQuery:
    return OverviewQuery(rules.parse_date(params.require_text("date", max_length=10)), store_filter(params))


def analytics_days(params: Params) -> int:
    return rules.period_days(params.text("period", max_length=5))


def preferences_update(body: Params) -> PreferencesUpdate:
    raw = body.raw("preferences")
    if not isinstance(raw, dict):
        raise ValidationError("'preferences' must be an object.", field="preferences")
    changes: dict[str, Any] = {}
    for name in ("sms", "email", "push"):
        if name in raw:
            if not isinstance(raw[name], bool):
                raise ValidationError(f"'preferences.{name}' must be true or false.", field=f"preferences.{name}")
            changes[name] = raw[name]
    if "reminderTimes" in raw:
        changes["reminder_times"] = rules.reminder_times(raw["reminderTimes"])
    return PreferencesUpdate(changes)
