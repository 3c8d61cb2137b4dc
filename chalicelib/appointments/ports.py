"""What the appointment use cases need from the outside world, as Protocols: the repository (repo.py
on the table; an in-memory one in tests), the side effects (adapters.AwsEffects: the booking saga,
EventBridge Scheduler, the notifications queue, payments) and the store a booking happens at."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from chalicelib.appointments.domain import (
    Appointment,
    Block,
    Place,
    Preferences,
    Reminder,
    Service,
    Staff,
    Status,
    StatusChange,
)
from chalicelib.notifications.api import Notification
from chalicelib.payments.domain import Settlement


class Repository(Protocol):
    def get_service(self, service_id: str) -> Service | None: ...
    def list_services(self, merchant_id: str, store_id: str | None) -> list[Service]: ...
    def get_staff(self, staff_id: str) -> Staff | None: ...
    def staff_of_merchant(self, merchant_id: str, store_id: str | None = None) -> list[Staff]: ...
    def update_availability(
        self,
        staff_id: str,
        hours: dict[str, Any] | None,
        breaks: dict[str, Any] | None,
        days_off: list[str] | None,
    ) -> Staff | None: ...
    def claimed_units(self, staff_id: str, start: datetime, end: datetime) -> dict[datetime, tuple[str, str]]: ...
    def get_appointment(self, appointment_id: str) -> Appointment | None: ...
    def staff_appointments(self, staff_id: str, start: datetime, end: datetime) -> list[Appointment]: ...
    def create_appointment(self, appt: Appointment, units: Iterable[datetime], cap: int) -> None: ...
    def move_appointment(
        self,
        appt: Appointment,
        new_start: datetime,
        new_end: datetime,
        new_units: list[datetime],
        reminder_names: list[str],
        now: datetime,
    ) -> None: ...
    def finish_appointment(
        self,
        appt: Appointment,
        from_statuses: tuple[str, ...],
        to_status: Status,
        now: datetime,
        release: bool,
        reason: str | None = None,
    ) -> StatusChange: ...
    def set_reminders(self, appointment_id: str, names: list[str]) -> None: ...
    def mark_reminders_scheduled(self, appointment_id: str, start: datetime) -> None: ...
    def set_refund_status(self, appointment_id: str, status: str) -> None: ...
    def create_block(self, block: Block, units: list[datetime], now: datetime) -> None: ...
    def get_block(self, block_id: str) -> Block | None: ...
    def delete_block(self, block: Block, units: list[datetime]) -> None: ...
    def staff_blocks(self, staff_id: str, start: datetime, end: datetime) -> list[Block]: ...
    def get_preferences(self, user_id: str) -> Preferences: ...
    def update_preferences(self, user_id: str, changes: dict[str, Any], now: datetime) -> Preferences: ...


class Effects(Protocol):
    def start_booking(
        self,
        appointment_id: str,
        out_trade_no: str | None,
        reminders: list[Reminder],
        note: Notification,
        *,
        start: datetime,
    ) -> None: ...
    def schedule_reminder(self, appointment_id: str, name: str, at: datetime, payload: dict[str, Any]) -> None: ...
    def cancel_reminder(self, appointment_id: str, name: str) -> None: ...
    def publish(self, note: Notification) -> None: ...
    def open_payment(self, appt: Appointment, description: str, payer_openid: str | None) -> dict[str, str]: ...
    def settle_payment(self, out_trade_no: str, out_refund_no: str, amount_fen: int, reason: str) -> Settlement: ...
    def settle_later(self, appointment_id: str, out_trade_no: str) -> None: ...


class Places(Protocol):
    def place_of(self, store_id: str) -> Place: ...


@dataclass(frozen=True)
class Deps:
    """Everything a use case reaches beyond its arguments."""

    repo: Repository
    effects: Effects
    places: Places
