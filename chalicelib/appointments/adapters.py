"""The real outside world behind the ports: the booking saga, EventBridge Scheduler, the
notifications queue and payments (`AwsEffects`), and stores for where a booking happens
(`StorePlaces`). What each reaches is imported on first use, so the API function's cold start
does not pay for it."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from chalicelib.appointments import rules
from chalicelib.appointments.area import APPOINTMENT_REMINDER, BOOKING_PAYMENT_FAILED
from chalicelib.appointments.domain import (
    DEFAULT_CANCEL_WINDOW_HOURS,
    DEFAULT_HORIZON_DAYS,
    DEFAULT_MAX_OPEN_BOOKINGS,
    Appointment,
    Place,
    Reminder,
)
from chalicelib.appointments.ports import Deps
from chalicelib.appointments.repo import TableRepository
from chalicelib.notifications.api import Notification
from chalicelib.payments.domain import Settlement

PAYMENT_ORDER_KIND = "appointment"


class AwsEffects:
    def start_booking(
        self,
        appointment_id: str,
        out_trade_no: str | None,
        reminders: list[Reminder],
        note: Notification,
        *,
        start: datetime,
    ) -> None:
        from chalicelib.appointments.saga import start_booking

        start_booking(appointment_id, out_trade_no, reminders, note, start=start)

    def schedule_reminder(self, appointment_id: str, name: str, at: datetime, payload: dict[str, Any]) -> None:
        from chalicelib.core.timers import schedule_timer

        schedule_timer(APPOINTMENT_REMINDER, f"{appointment_id}-{name}", at, payload)

    def cancel_reminder(self, appointment_id: str, name: str) -> None:
        from chalicelib.core.timers import cancel_timer

        cancel_timer(APPOINTMENT_REMINDER, f"{appointment_id}-{name}")

    def publish(self, note: Notification) -> None:
        from chalicelib.notifications.api import publish

        publish(note)

    def open_payment(self, appt: Appointment, description: str, payer_openid: str | None) -> dict[str, str]:
        from chalicelib.payments.api import open_payment

        assert appt.out_trade_no is not None
        return open_payment(
            PAYMENT_ORDER_KIND,
            appt.id,
            appt.out_trade_no,
            appt.total_amount,
            description,
            appt.user_id,
            appt.merchant_id,
            payer_openid,
        )

    def settle_payment(self, out_trade_no: str, out_refund_no: str, amount_fen: int, reason: str) -> Settlement:
        from chalicelib.payments.api import settle_payment

        return settle_payment(out_trade_no, out_refund_no, amount_fen, reason)

    def settle_later(self, appointment_id: str, out_trade_no: str) -> None:
        """Hands the refund or close to the saga's compensation kind on the timers queue, which
        retries it (redelivery, then the DLQ) until WeChat Pay answers."""
        from chalicelib.core import aws
        from chalicelib.core.config import queue_url
        from chalicelib.core.resources import TIMERS_QUEUE

        body = BOOKING_PAYMENT_FAILED.message(appointment_id, {"outTradeNo": out_trade_no})
        aws.client("sqs").send_message(QueueUrl=queue_url(TIMERS_QUEUE.suffix), MessageBody=json.dumps(body))


class StorePlaces:
    """Where a booking happens, from the stores area (one GetItem per call)."""

    def place_of(self, store_id: str) -> Place:
        from chalicelib.core.config import settings
        from chalicelib.stores.api import get_store

        store = get_store(store_id)
        if store is None:
            return Place(rules.zone(settings().default_timezone), "", "", DEFAULT_CANCEL_WINDOW_HOURS)
        window = store.settings.get("appointmentCancelWindowHours", DEFAULT_CANCEL_WINDOW_HOURS)
        horizon = store.settings.get("bookingHorizonDays", DEFAULT_HORIZON_DAYS)
        cap = store.settings.get("maxOpenBookingsPerCustomer", DEFAULT_MAX_OPEN_BOOKINGS)
        return Place(rules.zone(store.timezone), store.phone, store.name, float(window), int(horizon), int(cap))


def aws_deps() -> Deps:
    return Deps(repo=TableRepository(), effects=AwsEffects(), places=StorePlaces())
