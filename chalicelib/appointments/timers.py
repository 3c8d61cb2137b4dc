"""Event handlers of the appointments area (declared in area.py), run by the consumers.

appointment_reminder: an EventBridge Scheduler one-time schedule (created by the booking saga or
on reschedule) whose payload names the start it was planned for; a moved or cancelled booking
ignores it. booking_payment_failed: the booking saga's compensation message. A booking's table
stream record of becoming cancelled settles its payment (the cancel request's own attempt may fail).
"""

from __future__ import annotations

from typing import Any

from chalicelib.appointments import changes, items, reminders
from chalicelib.appointments.adapters import aws_deps
from chalicelib.appointments.domain import Status
from chalicelib.core.clock import clock
from chalicelib.core.observability import logger

_deps = aws_deps()


def on_appointment_reminder(key: str, payload: dict[str, Any]) -> None:
    appointment_id = str(payload.get("appointmentId") or key.rsplit("-", 1)[0])
    if not reminders.send_reminder(_deps, appointment_id, payload, clock().now()):
        logger.info("reminder skipped: booking cancelled, moved or over", appointment_id=appointment_id)


def on_booking_payment_failed(appointment_id: str, payload: dict[str, Any]) -> None:
    outcome = changes.payment_failed(_deps, appointment_id, payload, clock().now())
    logger.info("booking compensation", appointment_id=appointment_id, outcome=outcome, error=payload.get("error"))


def on_booking_cancelled(record: dict[str, Any]) -> None:
    change = record.get("dynamodb") or {}
    appt = items.to_appointment(items.AppointmentItem.from_raw_data(change.get("NewImage") or {}))
    before = ((change.get("OldImage") or {}).get("status") or {}).get("S")
    was = Status(before) if before in {s.value for s in Status} else None
    changes.settle_cancelled(_deps, appt, was=was)
