"""What each appointment route answers, as the OpenAPI document describes it (core/contract.py).

These mirror views.py field for field (the mini program's contract: docs/client-contract-appointments.md);
the schemathesis run (tests/api/test_openapi_contract.py) checks every answer against them."""

from __future__ import annotations

from typing import Annotated, Any

from msgspec import Meta

from chalicelib.core.contract import Model

HHMM = Annotated[str, Meta(description="HH:MM in the store's timezone.")]


class ServiceAnswer(Model):
    id: str
    name: str
    duration: Annotated[int, Meta(description="Minutes.")]
    price: Annotated[int, Meta(description="Fen.")]
    requires_payment: bool
    description: str
    store_id: str
    buffer_minutes: int


class ServicesAnswer(Model):
    services: list[ServiceAnswer]


class StaffAnswer(Model):
    id: str
    name: str
    title: str
    store_id: str
    service_ids: list[str]


class ServiceStaffAnswer(Model):
    staff: list[StaffAnswer]


class DatesAnswer(Model):
    dates: Annotated[list[str], Meta(description="Bookable dates, YYYY-MM-DD.")]


class SlotAnswer(Model):
    start: HHMM
    end: HHMM
    duration: int


class SlotsAnswer(Model):
    slots: list[SlotAnswer]


class AppointmentAnswer(Model):
    """The detail fields (serviceId onwards) are in every answer but the booking's own."""

    id: str
    date: str
    time_slot: HHMM
    appointment_date_time: str
    status: str
    total_amount: int | float
    duration: int
    service_name: str
    service_id: str | None = None
    staff_id: str | None = None
    staff_name: str | None = None
    store_id: str | None = None
    store_name: str | None = None
    business_phone: str | None = None
    end_time: HHMM | None = None
    customer_info: dict[str, Any] | None = None
    requires_payment: bool | None = None
    refund_status: str | None = None
    cancel_reason: str | None = None
    created_at: str | None = None


class AppointmentChangedAnswer(Model):
    success: bool
    appointment: AppointmentAnswer


class AppointmentDetailAnswer(Model):
    appointment: AppointmentAnswer


class PaymentAnswer(Model):
    """What the mini program spreads into wx.requestPayment."""

    time_stamp: str
    nonce_str: str
    package: str
    sign_type: str
    pay_sign: str


class AppointmentBrief(Model):
    id: str
    date: str
    time_slot: HHMM
    appointment_date_time: str
    end_time: HHMM
    status: str
    service_name: str
    duration: int
    customer_name: str | None


class BlockAnswer(Model):
    id: str
    staff_id: str
    date: str
    time_slot: HHMM
    end_time: HHMM
    reason: str | None
    blocked_by: str | None


class Window(Model):
    start: HHMM
    end: HHMM


class ScheduleDay(Model):
    date: str
    day_off: bool
    working_hours: list[Window]
    appointments: list[AppointmentBrief]
    blocks: list[BlockAnswer]


class ScheduleAnswer(Model):
    schedule: list[ScheduleDay]


class AvailabilityAnswer(Model):
    weekly_hours: dict[str, Any]
    breaks: dict[str, Any]
    days_off: list[str]


class AvailabilityChangedAnswer(Model):
    success: bool
    availability: AvailabilityAnswer


class BlockedAnswer(Model):
    success: bool
    block: BlockAnswer


class ConflictsAnswer(Model):
    conflicts: Annotated[
        list[dict[str, Any]], Meta(description="Each with `type` (appointment, block, dayOff, ...) and its fields.")
    ]
    available: bool


class StaffDayAnswer(Model):
    staff_id: str
    staff_name: str
    store_id: str
    day_off: bool
    working_minutes: int
    booked_minutes: int
    utilization: float
    appointments: list[AppointmentBrief]
    blocks: list[BlockAnswer]


class OverviewTotals(Model):
    appointments: int
    booked_minutes: int
    working_minutes: int
    blocks: int
    utilization: float


class Overview(Model):
    date: str
    staff: list[StaffDayAnswer]
    totals: OverviewTotals


class OverviewAnswer(Model):
    overview: Overview


class AnalyticsAnswer(Model, forbid_unknown_fields=False):
    """The report's figures; their fields depend on the report (docs/client-contract-appointments.md)."""


class NoticeAnswer(Model):
    success: bool
    notification_id: str
    channels: list[str]


class ReminderAnswer(Model):
    type: str
    at: str


class RemindersAnswer(Model):
    success: bool
    reminders: list[ReminderAnswer]


class PreferencesAnswer(Model):
    sms: bool
    email: bool
    push: bool
    reminder_times: list[str]


class PreferencesReadAnswer(Model):
    preferences: PreferencesAnswer


class PreferencesChangedAnswer(Model):
    success: bool
    preferences: PreferencesAnswer
