"""Every appointment request parsed into a typed, validated value before a use case sees it.

Bad input is a ValidationError naming the field (a JSON 400), raised here rather than deep in a
use case; what needs stored data to judge (a slot's existence, a price) is the use case's."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any

import msgspec
from msgspec import UNSET, Meta, UnsetType

from chalicelib.appointments import rules
from chalicelib.appointments.domain import CustomerInfo, LocalSpan
from chalicelib.core.contract import Date, Id, Model, stripped
from chalicelib.core.errors import ValidationError

ID_LENGTH = 64
OptionalId = Annotated[str, Meta(max_length=ID_LENGTH)]
# "HH:MM" in the store's timezone, or the client's slot object ({"start": "HH:MM", ...}).
TimeSlot = Annotated[str | dict[str, Any], Meta(description='"HH:MM" (store time) or a slot {"start": "HH:MM"}.')]
Minutes = Annotated[int, Meta(ge=1, le=24 * 60)]
WeeklyHours = Annotated[dict[str, Any], Meta(description='e.g. {"mon": [["09:00", "18:00"]]} (days mon..sun).')]
ReminderTimes = Annotated[
    list[str], Meta(max_length=rules.MAX_REMINDERS, description='Offsets before the start, e.g. ["24h", "1h"].')
]
Reason = Annotated[str, Meta(max_length=200)]


# --- wire models (validation and OpenAPI, core/contract.py) -----------------------------------
class StoreFilterParams(Model):
    store_id: OptionalId | None = None


class AvailabilityParams(Model):
    service_id: Id
    staff_id: Id


class DatesParams(AvailabilityParams):
    days: Annotated[int, Meta(ge=1, le=rules.MAX_AVAILABILITY_DAYS)] = 30


class SlotsParams(AvailabilityParams):
    date: Date


class CustomerInfoBody(Model):
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    notes: str | None = None


class BookingBody(Model):
    service_id: Id
    staff_id: Id
    date: Date
    time_slot: TimeSlot
    customer_info: CustomerInfoBody
    total_amount: Annotated[int | float, Meta(description="Fen, as the client computed it (checked, never trusted).")]


class PaymentBody(Model):
    appointment_id: Id
    amount: Annotated[int | float, Meta(description="Fen; must equal the booking's total.")] | None = None


class CancelBody(Model):
    reason: Reason | None = None


class RescheduleBody(Model):
    date: Date
    time_slot: TimeSlot


class NoticeBody(Model):
    type: Annotated[str, Meta(max_length=8)] | None = None
    reason: Reason | None = None


class RemindersBody(Model):
    reminder_times: ReminderTimes


class ScheduleParams(Model):
    start_date: Date
    end_date: Date


class AvailabilityBody(Model):
    weekly_hours: WeeklyHours | None = None
    hours: Annotated[WeeklyHours, Meta(description="Older name of weeklyHours.")] | None = None
    breaks: WeeklyHours | None = None
    days_off: Annotated[list[Any], Meta(description="Dates YYYY-MM-DD.")] | None = None


class AvailabilityUpdateBody(Model):
    availability: AvailabilityBody


class BlockBody(Model):
    staff_id: Id
    date: Date
    time_slot: Annotated[TimeSlot, Meta(description='"HH:MM", "HH:MM-HH:MM" or a slot object.')]
    duration: Minutes | None = None
    reason: Reason | None = None
    blocked_by: OptionalId | None = None


class ConflictsParams(Model):
    staff_id: Id
    date: Date
    time_slot: Annotated[str, Meta(max_length=11, description='"HH:MM" or "HH:MM-HH:MM".')]
    duration: Minutes | None = None


class OverviewParams(Model):
    date: Date
    store_id: OptionalId | None = None


class AnalyticsParams(Model):
    period: Annotated[str, Meta(max_length=5, description="7d, 30d or 90d.")] | None = None


class PreferencesBody(Model):
    sms: bool | UnsetType = UNSET
    email: bool | UnsetType = UNSET
    push: bool | UnsetType = UNSET
    reminder_times: ReminderTimes | UnsetType = UNSET


class PreferencesUpdateBody(Model):
    preferences: PreferencesBody


# --- typed values the use cases take -----------------------------------------------------------


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


def store_filter(params: StoreFilterParams | OverviewParams) -> str | None:
    return stripped(params.store_id)


def slots_query(params: SlotsParams) -> SlotsQuery:
    return SlotsQuery(params.service_id.strip(), params.staff_id.strip(), rules.parse_date(params.date.strip()))


def dates_query(params: DatesParams) -> DatesQuery:
    return DatesQuery(params.service_id.strip(), params.staff_id.strip(), params.days)


def booking_request(body: BookingBody) -> BookingRequest:
    return BookingRequest(
        service_id=body.service_id.strip(),
        staff_id=body.staff_id.strip(),
        day=rules.parse_date(body.date),
        time_slot=rules.parse_time(body.time_slot),
        customer=rules.customer_info(msgspec.structs.asdict(body.customer_info)),
        total_amount=rules.fen(body.total_amount, "totalAmount"),
    )


def payment_request(body: PaymentBody) -> PaymentRequest:
    return PaymentRequest(body.appointment_id.strip(), body.amount)


def cancel_reason(body: CancelBody) -> str:
    return stripped(body.reason) or ""


def reschedule_request(body: RescheduleBody) -> RescheduleRequest:
    return RescheduleRequest(rules.parse_date(body.date), rules.parse_time(body.time_slot))


def notice_request(body: NoticeBody) -> NoticeRequest:
    return NoticeRequest(stripped(body.type), stripped(body.reason))


def reminder_times(body: RemindersBody) -> list[str]:
    return rules.reminder_times(body.reminder_times)


def schedule_query(params: ScheduleParams) -> ScheduleQuery:
    start = rules.parse_date(params.start_date.strip(), "startDate")
    end = rules.parse_date(params.end_date.strip(), "endDate")
    return ScheduleQuery(tuple(rules.date_range(start, end)))


def availability_update(body: AvailabilityUpdateBody) -> AvailabilityUpdate:
    raw = body.availability
    hours_raw = raw.weekly_hours if raw.weekly_hours is not None else raw.hours
    update = AvailabilityUpdate(
        hours=rules.validate_weekly(hours_raw, "weeklyHours") if hours_raw is not None else None,
        breaks=rules.validate_weekly(raw.breaks, "breaks") if raw.breaks is not None else None,
        days_off=rules.validate_days_off(raw.days_off) if raw.days_off is not None else None,
    )
    if update.hours is None and update.breaks is None and update.days_off is None:
        raise ValidationError("Give weeklyHours, breaks or daysOff.", field="availability")
    return update


def block_request(body: BlockBody) -> BlockRequest:
    # The client sends wx.getStorageSync('userId'), which is "" when nothing is stored.
    return BlockRequest(
        body.staff_id.strip(),
        rules.parse_date(body.date),
        rules.local_span(body.time_slot, body.duration),
        stripped(body.reason),
        stripped(body.blocked_by),
    )


def conflicts_query(params: ConflictsParams) -> ConflictsQuery:
    day = rules.parse_date(params.date.strip())
    return ConflictsQuery(params.staff_id.strip(), day, rules.local_span(params.time_slot.strip(), params.duration))


def overview_query(params: OverviewParams) -> OverviewQuery:
    return OverviewQuery(rules.parse_date(params.date.strip()), store_filter(params))


def analytics_days(params: AnalyticsParams) -> int:
    return rules.period_days(stripped(params.period))


def preferences_update(body: PreferencesUpdateBody) -> PreferencesUpdate:
    raw = body.preferences
    changes: dict[str, Any] = {}
    for name in ("sms", "email", "push"):
        value = getattr(raw, name)
        if value is not UNSET:
            changes[name] = value
    if raw.reminder_times is not UNSET:
        changes["reminder_times"] = rules.reminder_times(raw.reminder_times)
    return PreferencesUpdate(changes)
