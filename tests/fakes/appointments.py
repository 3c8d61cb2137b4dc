"""In-memory stand-ins for the appointments ports, with the same conditional semantics as the table
(claims are all-or-nothing, status changes are conditioned on status and start), so the use cases run
without AWS. Each fake counts what it reads, so a test can also check nothing is read twice."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.appointments.availability import claim_units
from chalicelib.appointments.domain import (
    Appointment,
    Block,
    Place,
    Preferences,
    Reminder,
    Service,
    SlotTaken,
    Staff,
    Status,
    StatusChange,
    TooManyOpenBookings,
)
from chalicelib.appointments.ports import Deps
from chalicelib.core.errors import Conflict
from chalicelib.notifications.api import Notification
from chalicelib.payments.domain import (
    ALREADY_REFUNDED,
    CLOSED_UNPAID,
    NO_PAYMENT,
    NOTPAY,
    REFUND,
    REFUNDED,
    SUCCESS,
    Settlement,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


class InMemoryRepository:
    def __init__(self) -> None:
        self.services: dict[str, Service] = {}
        self.staff: dict[str, Staff] = {}
        self.units: dict[tuple[str, datetime], tuple[str, str]] = {}
        self.appointments: dict[str, Appointment] = {}
        self.blocks: dict[str, Block] = {}
        self.preferences: dict[str, Preferences] = {}
        self.open_bookings: Counter[tuple[str, str]] = Counter()  # (merchant, customer) -> open
        self.reads: Counter[tuple[str, str]] = Counter()

    def _read(self, kind: str, key: str) -> None:
        self.reads[(kind, key)] += 1

    # --- services and staff
    def get_service(self, service_id: str) -> Service | None:
        self._read("service", service_id)
        return self.services.get(service_id)

    def list_services(self, merchant_id: str, store_id: str | None) -> list[Service]:
        return [
            s
            for s in self.services.values()
            if s.merchant_id == merchant_id and (store_id is None or s.store_id == store_id)
        ]

    def get_staff(self, staff_id: str) -> Staff | None:
        self._read("staff", staff_id)
        return self.staff.get(staff_id)

    def staff_of_merchant(self, merchant_id: str, store_id: str | None = None) -> list[Staff]:
        found = [s for s in self.staff.values() if s.merchant_id == merchant_id]
        return sorted((s for s in found if store_id is None or s.store_id == store_id), key=lambda s: s.id)

    def update_availability(
        self,
        staff_id: str,
        hours: dict[str, Any] | None,
        breaks: dict[str, Any] | None,
        days_off: list[str] | None,
    ) -> Staff | None:
        current = self.staff.get(staff_id)
        if current is None:
            return None
        updated = replace(
            current,
            hours=current.hours if hours is None else hours,
            breaks=current.breaks if breaks is None else breaks,
            days_off=current.days_off if days_off is None else tuple(days_off),
        )
        self.staff[staff_id] = updated
        return updated

    # --- claims
    def claimed_units(self, staff_id: str, start: datetime, end: datetime) -> dict[datetime, tuple[str, str]]:
        return {unit: held for (sid, unit), held in self.units.items() if sid == staff_id and start <= unit < end}

    def _claim(self, staff_id: str, units: Iterable[datetime], owner: str, kind: str) -> None:
        units = list(units)
        taken = [self.units[(staff_id, u)][0] for u in units if (staff_id, u) in self.units]
        if taken:
            raise SlotTaken("That time slot has just been taken.", taken[0])
        for unit in units:
            self.units[(staff_id, unit)] = (owner, kind)

    def _release(self, staff_id: str, units: Iterable[datetime], owner: str) -> None:
        for unit in units:
            if self.units.get((staff_id, unit), (owner,))[0] == owner:
                self.units.pop((staff_id, unit), None)

    # --- appointments
    def get_appointment(self, appointment_id: str) -> Appointment | None:
        self._read("appointment", appointment_id)
        return self.appointments.get(appointment_id)

    def staff_appointments(self, staff_id: str, start: datetime, end: datetime) -> list[Appointment]:
        found = [a for a in self.appointments.values() if a.staff_id == staff_id and start <= a.start < end]
        return sorted(found, key=lambda a: (a.start, a.id))

    def create_appointment(self, appt: Appointment, units: Iterable[datetime], cap: int) -> None:
        if appt.id in self.appointments:
            raise Conflict("exists")
        units = list(units)
        taken = [self.units[(appt.staff_id, u)][0] for u in units if (appt.staff_id, u) in self.units]
        if taken:  # the table reports the taken unit first, so a retry is recognised at the cap too
            raise SlotTaken("That time slot has just been taken.", taken[0])
        if appt.counted and self.open_bookings[(appt.merchant_id, appt.user_id)] >= cap:
            raise TooManyOpenBookings(cap)
        self._claim(appt.staff_id, units, appt.id, "appointment")
        self.open_bookings[(appt.merchant_id, appt.user_id)] += appt.counted
        self.appointments[appt.id] = appt

    def _stands(self, appt: Appointment, statuses: tuple[str, ...]) -> bool:
        stored = self.appointments.get(appt.id)
        return stored is not None and stored.status in statuses and stored.start == appt.start

    def move_appointment(
        self,
        appt: Appointment,
        new_start: datetime,
        new_end: datetime,
        new_units: list[datetime],
        reminder_names: list[str],
        now: datetime,
    ) -> None:
        old_units = set(claim_units(appt.start, appt.duration, appt.buffer))
        fresh = [u for u in new_units if u not in old_units]
        if not self._stands(appt, (appt.status,)) or any((appt.staff_id, u) in self.units for u in fresh):
            raise Conflict("That time slot is taken, or the booking changed meanwhile.", code="SLOT_TAKEN")
        self._claim(appt.staff_id, fresh, appt.id, "appointment")
        self._release(appt.staff_id, old_units - set(new_units), appt.id)
        stored = self.appointments[appt.id]
        self.appointments[appt.id] = replace(
            stored,
            start=new_start,
            end=new_end,
            reminder_names=tuple(reminder_names),
            reminders_start=None,
            updated_at=now,
        )

    def finish_appointment(
        self,
        appt: Appointment,
        from_statuses: tuple[str, ...],
        to_status: Status,
        now: datetime,
        release: bool,
        reason: str | None = None,
    ) -> StatusChange:
        if not self._stands(appt, from_statuses):
            return StatusChange(False, self.appointments.get(appt.id))
        stored = self.appointments[appt.id]
        changed = replace(stored, status=to_status, updated_at=now)
        if reason is not None:
            changed = replace(changed, cancel_reason=reason)
        self.appointments[appt.id] = changed
        if release:
            self._release(appt.staff_id, claim_units(appt.start, appt.duration, appt.buffer), appt.id)
        if stored.counted:
            self.open_bookings[(appt.merchant_id, appt.user_id)] -= 1
        return StatusChange(True, appt)

    def set_reminders(self, appointment_id: str, names: list[str]) -> None:
        self.appointments[appointment_id] = replace(self.appointments[appointment_id], reminder_names=tuple(names))

    def mark_reminders_scheduled(self, appointment_id: str, start: datetime) -> None:
        stored = self.appointments.get(appointment_id)
        if stored is not None and stored.start == start:
            self.appointments[appointment_id] = replace(stored, reminders_start=start)

    def set_refund_status(self, appointment_id: str, status: str) -> None:
        if appointment_id in self.appointments:
            self.appointments[appointment_id] = replace(self.appointments[appointment_id], refund_status=status)

    # --- blocks
    def create_block(self, block: Block, units: list[datetime], now: datetime) -> None:
        self._claim(block.staff_id, units, block.id, "block")
        self.blocks[block.id] = block

    def get_block(self, block_id: str) -> Block | None:
        self._read("block", block_id)
        return self.blocks.get(block_id)

    def delete_block(self, block: Block, units: list[datetime]) -> None:
        self.blocks.pop(block.id, None)
        self._release(block.staff_id, units, block.id)

    def staff_blocks(self, staff_id: str, start: datetime, end: datetime) -> list[Block]:
        found = [b for b in self.blocks.values() if b.staff_id == staff_id and b.start < end and b.end > start]
        return sorted(found, key=lambda b: (b.start, b.id))

    # --- preferences
    def get_preferences(self, user_id: str) -> Preferences:
        self._read("preferences", user_id)
        return self.preferences.get(user_id, Preferences())

    def update_preferences(self, user_id: str, changes: dict[str, Any], now: datetime) -> Preferences:
        current = self.preferences.get(user_id, Preferences())
        values: dict[str, Any] = {k: tuple(v) if k == "reminder_times" else v for k, v in changes.items()}
        self.preferences[user_id] = replace(current, **values)
        return self.preferences[user_id]


@dataclass
class FakePayment:
    amount: int
    status: str = NOTPAY
    refunds: list[str] = field(default_factory=list)


class RecordingEffects:
    """Records every side effect; payments behave like payments.api.settle_payment over `payments`."""

    def __init__(self) -> None:
        self.sagas: list[tuple[str, str | None, list[Reminder], Notification]] = []
        self.scheduled: list[tuple[str, str, datetime, dict[str, Any]]] = []
        self.cancelled: list[tuple[str, str]] = []
        self.published: list[Notification] = []
        self.payments: dict[str, FakePayment] = {}
        self.settled_later: list[tuple[str, str]] = []
        self.settles: list[str] = []  # out_trade_no of every settle asked for, even a repeat
        self.saga_starts: dict[str, datetime] = {}  # the start each saga records its reminders for
        self.fail_saga = False
        self.fail_settle = False

    def start_booking(
        self,
        appointment_id: str,
        out_trade_no: str | None,
        reminders: list[Reminder],
        note: Notification,
        *,
        start: datetime,
    ) -> None:
        if self.fail_saga:
            raise RuntimeError("Step Functions unavailable")
        if appointment_id in self.saga_starts:
            return  # an execution is named after its booking: starting it again is a no-op
        self.sagas.append((appointment_id, out_trade_no, reminders, note))
        self.saga_starts[appointment_id] = start

    def schedule_reminder(self, appointment_id: str, name: str, at: datetime, payload: dict[str, Any]) -> None:
        self.scheduled.append((appointment_id, name, at, payload))

    def cancel_reminder(self, appointment_id: str, name: str) -> None:
        self.cancelled.append((appointment_id, name))

    def publish(self, note: Notification) -> None:
        self.published.append(note)

    def open_payment(self, appt: Appointment, description: str, payer_openid: str | None) -> dict[str, str]:
        assert appt.out_trade_no is not None
        self.payments.setdefault(appt.out_trade_no, FakePayment(appt.total_amount))
        return {"package": f"prepay_id=fake-{appt.out_trade_no}", "description": description}

    def settle_payment(self, out_trade_no: str, out_refund_no: str, amount_fen: int, reason: str) -> Settlement:
        if self.fail_settle:
            raise ConnectionError("WeChat Pay unreachable")
        self.settles.append(out_trade_no)
        payment = self.payments.get(out_trade_no)
        if payment is None:
            return Settlement(NO_PAYMENT)
        if payment.status == NOTPAY:
            payment.status = "CLOSED"
            return Settlement(CLOSED_UNPAID)
        if payment.status == REFUND:
            return Settlement(ALREADY_REFUNDED, "SUCCESS")
        if payment.status == SUCCESS:
            assert amount_fen <= payment.amount
            payment.status = REFUND
            payment.refunds.append(out_refund_no)
            return Settlement(REFUNDED, "SUCCESS")
        return Settlement(CLOSED_UNPAID)

    def settle_later(self, appointment_id: str, out_trade_no: str) -> None:
        self.settled_later.append((appointment_id, out_trade_no))

    def kinds(self) -> list[str]:
        return [n.kind for n in self.published]


class FixedPlaces:
    def __init__(self, places: dict[str, Place]) -> None:
        self.places = places
        self.reads: Counter[str] = Counter()

    def place_of(self, store_id: str) -> Place:
        self.reads[store_id] += 1
        return self.places[store_id]


# --- a small world: one store in Shanghai, a free and a paid service, two staff members -----------
MERCHANT = "m1"
STORE = "s1"
MONDAY_8AM = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai
WEEKDAYS = {d: [["09:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
LUNCH = {d: [["12:00", "13:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
CONSULT = Service("svc-consult", STORE, MERCHANT, "营养咨询", 30, 0, False)
HAIRCUT = Service("svc-haircut", STORE, MERCHANT, "精剪造型", 45, 8800, True, 15)
ZHANG = Staff("st-zhang", STORE, MERCHANT, "张顾问", ("svc-consult", "svc-haircut"), WEEKDAYS, LUNCH)
LI = Staff("st-li", STORE, MERCHANT, "李师傅", ("svc-haircut",), WEEKDAYS, LUNCH, ("2026-03-05",))


@dataclass
class World:
    repo: InMemoryRepository
    effects: RecordingEffects
    places: FixedPlaces

    @property
    def deps(self) -> Deps:
        return Deps(self.repo, self.effects, self.places)


def world() -> World:
    repo = InMemoryRepository()
    for service in (CONSULT, HAIRCUT):
        repo.services[service.id] = service
    for member in (ZHANG, LI):
        repo.staff[member.id] = member
    places = FixedPlaces({STORE: Place(SHANGHAI, "021-63500001", "南京东路店", 24.0)})
    return World(repo, RecordingEffects(), places)


def at(day: int, hhmm: str) -> datetime:
    """March `day` 2026 at local `hhmm` in Shanghai, as UTC."""
    hours, minutes = (int(p) for p in hhmm.split(":"))
    return datetime(2026, 3, day, hours, minutes, tzinfo=SHANGHAI).astimezone(UTC)


def hours(n: float) -> timedelta:
    return timedelta(hours=n)
