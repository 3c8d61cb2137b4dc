"""The notifications appointments publishes: which kind, to whom, on which channels, with which data
and under which id (the id is the dedupe key, so a notice sent automatically and again by hand, or
by a repeated timer, reaches the customer once). The words are notifications' templates per kind."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.appointments import rules
from chalicelib.appointments.domain import Appointment, Place, Preferences, Status
from chalicelib.core.clock import to_iso
from chalicelib.notifications.api import Notification, render_notification

CONFIRMED_KIND = "appointment_confirmed"
REMINDER_KIND = "appointment_reminder"
CANCELLED_KIND = "appointment_cancelled"
RESCHEDULED_KIND = "appointment_rescheduled"
EXPIRED_KIND = "appointment_expired"

# The notices staff or the customer may (re)send by hand: path name -> (kind, statuses it fits).
BY_HAND: dict[str, tuple[str, tuple[str, ...]]] = {
    "confirmation": (CONFIRMED_KIND, (Status.CONFIRMED,)),
    "reminder": (REMINDER_KIND, (Status.CONFIRMED,)),
    "cancellation": (CANCELLED_KIND, (Status.CANCELLED,)),
    "reschedule": (RESCHEDULED_KIND, (Status.CONFIRMED,)),
}


def confirmed_id(appointment_id: str) -> str:
    return f"appt-confirmed-{appointment_id}"


def cancelled_id(appointment_id: str) -> str:
    return f"appt-cancelled-{appointment_id}"


def expired_id(appointment_id: str) -> str:
    return f"appt-expired-{appointment_id}"


def moved_id(appointment_id: str, start: datetime) -> str:
    return f"appt-moved-{appointment_id}-{to_iso(start)}"


def reminder_id(appointment_id: str, name: str, start: datetime) -> str:
    return f"appt-reminder-{appointment_id}-{name}-{to_iso(start)}"


def channels_for(prefs: Preferences, customer: dict[str, Any]) -> tuple[str, ...]:
    channels = []
    if prefs.push:
        channels.append("wechat")
    if prefs.sms and customer.get("phone"):
        channels.append("sms")
    if prefs.email and customer.get("email"):
        channels.append("email")
    return tuple(channels)


def notice(
    appt: Appointment,
    kind: str,
    place: Place,
    prefs: Preferences,
    note_id: str,
    extra: dict[str, Any] | None = None,
) -> Notification:
    """The customer's notice of `kind` about `appt`, on the channels their preferences allow."""
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
    return render_notification(note_id, appt.user_id, kind, data, channels_for(prefs, appt.customer))


def reminder_payload(appointment_id: str, name: str, start: datetime) -> dict[str, Any]:
    """What a reminder timer carries: the start it was planned for, so a moved booking ignores it."""
    return {"appointmentId": appointment_id, "name": name, "start": to_iso(start)}
