"""How appointments plugs into the deployment (see core/areas.py). Cheap to import: constants only."""

from __future__ import annotations

from typing import Any

from chalicelib.core.areas import Area, ExportKind, TimerKind
from chalicelib.core.counters import CounterFeed
from chalicelib.core.resources import ResourceRefs, StateMachineSpec
from chalicelib.core.streams import StreamSubscription

# One schedule per reminder, created by the booking saga or on reschedule.
APPOINTMENT_REMINDER = TimerKind("appointment_reminder")
# The saga's compensation message (and a cancel's refund handed to the queue for retries).
BOOKING_PAYMENT_FAILED = TimerKind("booking_payment_failed")


def _booking_definition(refs: ResourceRefs) -> dict[str, Any]:
    from chalicelib.appointments.saga import booking_definition

    return booking_definition(refs)


# book -> await payment -> confirm -> reminders -> notify; its ARN reaches functions as BOOKING_STATE_MACHINE_ARN.
BOOKING_MACHINE = StateMachineSpec(name="booking", definition=_booking_definition)

AREA = Area(
    name="appointments",
    routes="chalicelib.appointments.routes",
    timers={
        APPOINTMENT_REMINDER: "chalicelib.appointments.timers:on_appointment_reminder",
        BOOKING_PAYMENT_FAILED: "chalicelib.appointments.timers:on_booking_payment_failed",
    },
    state_machines=(BOOKING_MACHINE,),
    # A booking that became cancelled: its payment is settled from here too, so a cancel whose own
    # settle and queue both failed still refunds (AppointmentItem's entity type, its status attribute).
    streams=(
        StreamSubscription(
            "Appointment", "chalicelib.appointments.timers:on_booking_cancelled", new_image=(("status", "cancelled"),)
        ),
    ),
    # Bookings made in a date range (appointments.api.export_rows).
    exports=(
        ExportKind(
            "appointments",
            "chalicelib.appointments.api:export_rows",
            (
                "createdAt",
                "appointmentId",
                "status",
                "storeId",
                "serviceName",
                "staffName",
                "start",
                "end",
                "totalAmount",
                "userId",
                "customerName",
                "customerPhone",
                "refundStatus",
            ),
        ),
    ),
    feeds=(CounterFeed("Appointment", "chalicelib.appointments.domain:booking_counters"),),
)
