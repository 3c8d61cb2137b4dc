"""Reminders and notices: scheduling a booking's reminder timers, the reminder timer itself,
(re)sending a notice by hand, and the customer's notification preferences."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.appointments import notices, rules
from chalicelib.appointments.domain import Appointment, Preferences, Status
from chalicelib.appointments.lookups import ensure_can_see, require_appointment
from chalicelib.appointments.ports import Deps
from chalicelib.appointments.requests import NoticeRequest, PreferencesUpdate
from chalicelib.core.auth import Principal
from chalicelib.core.clock import to_iso
from chalicelib.core.errors import Conflict, Forbidden, NotFound
from chalicelib.core.observability import logger
from chalicelib.notifications.api import Notification


def cancel_reminders(deps: Deps, appt: Appointment) -> None:
    """Best effort: a reminder left behind finds the booking closed or moved and sends nothing."""
    for name in appt.reminder_names:
        try:
            deps.effects.cancel_reminder(appt.id, name)
        except Exception:
            logger.exception("could not delete an appointment reminder", appointment_id=appt.id, reminder=name)


def schedule_reminders_of(deps: Deps, appt: Appointment, plan: list[tuple[str, datetime]]) -> list[str]:
    """Creates a timer per planned reminder; returns their names (the caller records them)."""
    for name, at in plan:
        deps.effects.schedule_reminder(appt.id, name, at, notices.reminder_payload(appt.id, name, appt.start))
    return [name for name, _ in plan]


def schedule_reminders(
    deps: Deps, principal: Principal, appointment_id: str, names: list[str], now: datetime
) -> list[dict[str, str]]:
    appt = require_appointment(deps.repo, appointment_id)
    principal.ensure_staff_of(appt.store_id, appt.merchant_id)
    if appt.status != Status.CONFIRMED:
        raise Conflict("Only a confirmed appointment gets reminders.", code="INVALID_STATUS")
    plan = rules.reminder_plan(appt.start, names, now)
    scheduled = schedule_reminders_of(deps, appt, plan)
    deps.repo.set_reminders(appt.id, sorted(set(scheduled) | set(appt.reminder_names)))
    return [{"type": name, "at": to_iso(at)} for name, at in plan]


def send_reminder(deps: Deps, appointment_id: str, payload: dict[str, Any], now: datetime) -> bool:
    """A reminder goes out only for a confirmed booking still at the start it was scheduled for."""
    appt = deps.repo.get_appointment(appointment_id)
    if appt is None or appt.status != Status.CONFIRMED or to_iso(appt.start) != payload.get("start"):
        return False
    if now >= appt.start:
        return False
    name = str(payload.get("name") or "reminder")
    place = deps.places.place_of(appt.store_id)
    prefs = deps.repo.get_preferences(appt.user_id)
    note_id = notices.reminder_id(appt.id, name, appt.start)
    deps.effects.publish(notices.notice(appt, notices.REMINDER_KIND, place, prefs, note_id, {"reminderType": name}))
    return True


def send_notice(
    deps: Deps, principal: Principal, appointment_id: str, notice: str, request: NoticeRequest
) -> Notification:
    """(Re)send a notice; its id is the one the automatic notice uses, so the customer gets it once."""
    if notice not in notices.BY_HAND:
        raise NotFound(f"Unknown notification '{notice}'.", code="UNKNOWN_NOTIFICATION")
    appt = require_appointment(deps.repo, appointment_id)
    as_staff = ensure_can_see(principal, appt)
    if notice == "reminder" and not as_staff:
        raise Forbidden("Only staff send reminders by hand.")
    kind, statuses = notices.BY_HAND[notice]
    if appt.status not in statuses:
        raise Conflict(f"This appointment is {appt.status}, so it gets no {notice} notice.", code="INVALID_STATUS")
    extra: dict[str, Any] = {}
    if notice == "reminder":
        reminder_type = request.reminder_type or "manual"
        if reminder_type != "manual":
            rules.parse_offset(reminder_type)
        note_id = notices.reminder_id(appt.id, reminder_type, appt.start)
        extra = {"reminderType": reminder_type}
    elif notice == "confirmation":
        note_id = notices.confirmed_id(appt.id)
    elif notice == "cancellation":
        note_id = notices.cancelled_id(appt.id)
        extra = {"reason": appt.cancel_reason or request.reason}
    else:
        note_id = notices.moved_id(appt.id, appt.start)
    place = deps.places.place_of(appt.store_id)
    prefs = deps.repo.get_preferences(appt.user_id)
    note = notices.notice(appt, kind, place, prefs, note_id, extra)
    deps.effects.publish(note)
    return note


def get_preferences(deps: Deps, principal: Principal, customer_id: str) -> Preferences:
    return deps.repo.get_preferences(principal.ensure_self(customer_id))


def put_preferences(
    deps: Deps, principal: Principal, customer_id: str, update: PreferencesUpdate, now: datetime
) -> Preferences:
    return deps.repo.update_preferences(principal.ensure_self(customer_id), update.changes, now)
