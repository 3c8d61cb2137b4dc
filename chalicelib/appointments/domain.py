"""Appointments' entities, statuses and transitions, and the place a booking happens: plain values
with no storage behind them, so rules and use cases can be tested without AWS."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.appointments.availability import WeeklySchedule
from chalicelib.core.counters import ACTIVITY, Image, Increment
from chalicelib.core.errors import Conflict


class Status(StrEnum):
    PENDING_PAYMENT = "pending_payment"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    COMPLETED = "completed"
    NO_SHOW = "no-show"


# Bookings that hold (or held) their slot on the day: what a schedule overview shows and counts.
ON_THE_BOOKS = (Status.PENDING_PAYMENT, Status.CONFIRMED, Status.COMPLETED, Status.NO_SHOW)
# Which statuses each action may start from; everything else is a 409.
TRANSITIONS: dict[str, tuple[Status, ...]] = {
    "cancel": (Status.PENDING_PAYMENT, Status.CONFIRMED),
    "reschedule": (Status.CONFIRMED,),
    "complete": (Status.CONFIRMED,),
    "no-show": (Status.CONFIRMED,),
    "expire": (Status.PENDING_PAYMENT,),
}
TARGET = {"cancel": Status.CANCELLED, "complete": Status.COMPLETED, "no-show": Status.NO_SHOW, "expire": Status.EXPIRED}

DEFAULT_CANCEL_WINDOW_HOURS = 24
DEFAULT_HORIZON_DAYS = 90
# Bookings one customer may hold open (awaiting payment or confirmed) at one merchant.
DEFAULT_MAX_OPEN_BOOKINGS = 3
DEFAULT_REMINDERS = ("24h", "2h")


@dataclass(frozen=True)
class Service:
    id: str
    store_id: str
    merchant_id: str
    name: str
    duration: int
    price: int
    requires_payment: bool
    buffer: int = 0
    description: str | None = None


@dataclass(frozen=True)
class Staff:
    id: str
    store_id: str
    merchant_id: str
    name: str
    service_ids: tuple[str, ...]
    hours: dict[str, list[list[str]]]
    breaks: dict[str, list[list[str]]] = field(default_factory=dict)
    days_off: tuple[str, ...] = ()
    title: str | None = None
    user_id: str | None = None

    def schedule(self) -> WeeklySchedule:
        return WeeklySchedule(self.hours, self.breaks, frozenset(self.days_off))


@dataclass(frozen=True)
class CustomerInfo:
    name: str
    phone: str
    email: str | None
    notes: str | None

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "phone": self.phone, "email": self.email, "notes": self.notes}


@dataclass(frozen=True)
class Appointment:
    id: str
    status: Status
    user_id: str
    store_id: str
    merchant_id: str
    staff_id: str
    staff_name: str
    service_id: str
    service_name: str
    duration: int
    buffer: int
    start: datetime
    end: datetime
    total_amount: int
    out_trade_no: str | None
    customer: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    reminder_names: tuple[str, ...] = ()
    cancel_reason: str | None = None
    refund_status: str | None = None
    # Whether booking it added one to the customer's open count (bookings made before the cap did
    # not), so the status change that closes it takes exactly that one back.
    counted: bool = False
    # The start its reminders were scheduled for (None: not known to be scheduled since it last
    # moved), so a reschedule to the slot it already has costs nothing once they are.
    reminders_start: datetime | None = None


@dataclass(frozen=True)
class Block:
    id: str
    merchant_id: str
    staff_id: str
    store_id: str
    start: datetime
    end: datetime
    reason: str | None
    blocked_by: str


@dataclass(frozen=True)
class Preferences:
    sms: bool = True
    email: bool = True
    push: bool = True
    reminder_times: tuple[str, ...] = DEFAULT_REMINDERS


@dataclass(frozen=True)
class LocalSpan:
    """A span of a day in store time, as staff give it for a block or a conflicts check: start
    "HH:MM" and either an end "HH:MM" or a length in minutes."""

    start: str
    end: str | None
    minutes: int


@dataclass(frozen=True)
class Place:
    """Where an appointment happens: the store's zone, phone and per-store settings."""

    tz: ZoneInfo
    phone: str
    name: str
    cancel_window_hours: float
    # How many days ahead (in the store's zone) customers may book; a store setting.
    horizon_days: int = DEFAULT_HORIZON_DAYS
    # How many open bookings one customer may hold at the merchant; a store setting.
    max_open_bookings: int = DEFAULT_MAX_OPEN_BOOKINGS


@dataclass(frozen=True)
class AppointmentAt:
    """An appointment with the place it happens at, as a use case hands it to the views."""

    appointment: Appointment
    place: Place


@dataclass(frozen=True)
class StatusChange:
    """The result of a conditional status change: `current` is the booking after the change when
    `done`, else as it is stored now (None: it does not exist)."""

    done: bool
    current: Appointment | None


@dataclass(frozen=True)
class Reminder:
    name: str  # e.g. "24h"; the schedule is appointment_reminder-<appointmentId>-<name>
    at: datetime
    payload: dict[str, Any] = field(default_factory=dict)


class TooManyOpenBookings(Conflict):
    def __init__(self, cap: int) -> None:
        super().__init__(
            f"You already have {cap} open bookings here; cancel or finish one before booking another.",
            code="TOO_MANY_OPEN_BOOKINGS",
        )


class SlotTaken(Conflict):
    """A claim failed because a unit is held; `holder` is the appointment or block holding it, when known."""

    def __init__(self, message: str, holder: str | None = None) -> None:
        super().__init__(message, code="SLOT_TAKEN")
        self.holder = holder


# --- counter feed (core/counters.py): what a booking's change counts for analytics -----------------
_BOOKING_METRIC = {
    Status.CONFIRMED.value: "bookings_confirmed",
    Status.CANCELLED.value: "bookings_cancelled",
    Status.EXPIRED.value: "bookings_expired",
    Status.COMPLETED.value: "bookings_completed",
    Status.NO_SHOW.value: "bookings_no_show",
}


def booking_counters(old: Image | None, new: Image | None) -> list[Increment]:
    """A new booking counts as made (a customer action, at its creation); each status change counts
    the status reached (at the change). Confirming also counts the staff minutes booked, per staff
    member (staff utilization: booked minutes over working minutes); completing counts its revenue
    (fen), per service."""
    if new is None or not new.get("merchant_id"):
        return []
    merchant_id, store_id = str(new["merchant_id"]), str(new["store_id"])
    if old is None:
        made = str(new["created_at"])
        counted = [Increment("bookings", merchant_id, made, store_id), Increment(ACTIVITY, merchant_id, made, store_id)]
        old = {}
    else:
        counted = []
    status = str(new.get("status"))
    if old.get("status") == status or status not in _BOOKING_METRIC:
        return counted
    at = str(new.get("updated_at") or new["created_at"])
    counted.append(Increment(_BOOKING_METRIC[status], merchant_id, at, store_id))
    if status == Status.CONFIRMED.value:
        minutes = int(new.get("duration") or 0)
        counted.append(Increment("staff_minutes_booked", merchant_id, at, store_id, minutes, str(new["staff_id"])))
    if status == Status.COMPLETED.value:
        amount = int(new.get("total_amount") or 0)
        counted.append(Increment("booking_revenue", merchant_id, at, store_id, amount, str(new["service_id"])))
    return counted
