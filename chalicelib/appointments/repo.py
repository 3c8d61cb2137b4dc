"""The appointments repository on the one table: every read and conditional write of the area's
items (the only module besides items.py that touches them). `TableRepository` implements
`ports.Repository`; tests of the use cases use an in-memory one instead."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, cast

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from chalicelib.appointments import items
from chalicelib.appointments.availability import claim_units
from chalicelib.appointments.domain import (
    DEFAULT_REMINDERS,
    Appointment,
    Block,
    Preferences,
    Service,
    SlotTaken,
    Staff,
    Status,
    StatusChange,
    TooManyOpenBookings,
)
from chalicelib.appointments.items import (
    AppointmentItem,
    BlockItem,
    OpenBookingsItem,
    PreferencesItem,
    ServiceItem,
    StaffItem,
    UnitItem,
)
from chalicelib.core.clock import from_iso, to_iso
from chalicelib.core.errors import Conflict
from chalicelib.data.conditional import failed_item
from chalicelib.data.table import Transaction, TransactionCancelled, cancellation_codes, condition_failed, key, transact

ALL_OLD = "ALL_OLD"
OPEN_COUNT = "open-count"
APPOINTMENT = "appointment"  # the label of the customer's open-bookings counter in a transaction


def _conditional_failure(err: TransactWriteError) -> bool:
    """A condition failed, or (on AWS) another transaction held one of the same items right now."""
    return any(code in ("ConditionalCheckFailed", "TransactionConflict") for code in cancellation_codes(err))


def _owned_by(owner: str) -> Condition:
    """Release only what this owner holds; a unit already gone is fine (repeats are no-ops)."""
    return UnitItem.pk.does_not_exist() | (UnitItem.owner == owner)


def _count_open(tx: Transaction, appt: Appointment, step: int, cap: int | None = None) -> None:
    """One more (under `cap`) or one fewer of the customer's open bookings at the merchant."""
    counter = OpenBookingsItem(*items.open_bookings_key(appt.user_id, appt.merchant_id))
    actions: list[Action] = [
        OpenBookingsItem.open.add(step),
        OpenBookingsItem.et.set(OpenBookingsItem.et | OpenBookingsItem.entity_type()),
    ]
    condition = None if cap is None else OpenBookingsItem.open.does_not_exist() | (OpenBookingsItem.open < cap)
    tx.update(counter, actions=actions, condition=condition, label=OPEN_COUNT)


def _release(tx: Transaction, staff_id: str, owner: str, units: Iterable[datetime]) -> None:
    for unit in units:
        tx.delete(UnitItem(*items.unit_key(staff_id, unit)), condition=_owned_by(owner))


class TableRepository:
    # --- services and staff ---------------------------------------------------------------------
    def put_service(self, service: Service) -> None:
        items.service_item(service).save()

    def get_service(self, service_id: str) -> Service | None:
        try:
            return items.to_service(ServiceItem.get(*items.service_key(service_id)))
        except DoesNotExist:
            return None

    def list_services(self, merchant_id: str, store_id: str | None) -> list[Service]:
        condition = ServiceItem.gsi1sk.startswith(f"{store_id}#") if store_id else None
        partition = items.services_partition(merchant_id)
        return [items.to_service(i) for i in ServiceItem.gsi1.query(partition, condition)]

    def put_staff(self, staff: Staff) -> None:
        items.staff_item(staff).save()

    def get_staff(self, staff_id: str) -> Staff | None:
        try:
            return items.to_staff(StaffItem.get(*items.staff_key(staff_id)))
        except DoesNotExist:
            return None

    def staff_of_merchant(self, merchant_id: str, store_id: str | None = None) -> list[Staff]:
        condition = StaffItem.gsi1sk.startswith(f"{store_id}#") if store_id else None
        return [items.to_staff(i) for i in StaffItem.gsi1.query(key("APPTSTAFF", merchant_id), condition)]

    def update_availability(
        self,
        staff_id: str,
        hours: dict[str, Any] | None,
        breaks: dict[str, Any] | None,
        days_off: list[str] | None,
    ) -> Staff | None:
        """Sets what is given; returns the staff member as stored afterwards (None: no such member)."""
        actions: list[Action] = []
        if hours is not None:
            actions.append(StaffItem.hours.set(hours))
        if breaks is not None:
            actions.append(StaffItem.breaks.set(breaks))
        if days_off is not None:
            actions.append(StaffItem.days_off.set(cast(Any, days_off)))
        item = StaffItem(*items.staff_key(staff_id))
        try:
            item.update(actions=actions, condition=StaffItem.pk.exists())
        except UpdateError as err:
            if condition_failed(err):
                return None
            raise
        return items.to_staff(item)

    # --- slot units -----------------------------------------------------------------------------
    def claimed_units(self, staff_id: str, start: datetime, end: datetime) -> dict[datetime, tuple[str, str]]:
        """unit -> (owner, kind) for units in [start, end): one strongly consistent Query."""
        found = UnitItem.query(
            key("SLOT", staff_id),
            UnitItem.sk.between(to_iso(start), to_iso(end - timedelta(seconds=1))),
            consistent_read=True,
        )
        return {from_iso(i.sk): (i.owner, i.owner_kind) for i in found}

    # --- appointments ---------------------------------------------------------------------------
    def get_appointment(self, appointment_id: str) -> Appointment | None:
        try:
            return items.to_appointment(
                AppointmentItem.get(*items.appointment_key(appointment_id), consistent_read=True)
            )
        except DoesNotExist:
            return None

    def staff_appointments(self, staff_id: str, start: datetime, end: datetime) -> list[Appointment]:
        """Appointments of one staff member starting in [start, end), by start."""
        found = AppointmentItem.gsi1.query(
            key("STAFFAPPT", staff_id), AppointmentItem.gsi1sk.between(to_iso(start), to_iso(end))
        )
        return [items.to_appointment(i) for i in found if from_iso(i.start) < end]

    def create_appointment(self, appt: Appointment, units: Iterable[datetime], cap: int) -> None:
        """Claim every unit, count a `counted` booking among the customer's open ones (only while
        fewer than `cap`) and write the appointment in one transaction: all or nothing. A taken unit
        raises SlotTaken naming its holder (the failed claim returns the unit it ran into), so a
        client's retry is recognised even at the cap; else a full count raises TooManyOpenBookings."""
        units = list(units)  # a retried transaction iterates them again
        try:

            def build(tx: Transaction) -> None:
                for unit in units:
                    tx.save(
                        items.unit_item(appt.merchant_id, appt.staff_id, unit, appt.id, "appointment"),
                        condition=UnitItem.pk.does_not_exist(),
                        return_values=ALL_OLD,
                    )
                tx.save(items.appointment_item(appt), condition=AppointmentItem.pk.does_not_exist())
                if appt.counted:
                    _count_open(tx, appt, 1, cap)

            transact(build)
        except TransactWriteError as err:
            holder = failed_item(err, "SLOT#")
            if holder is not None:
                raise SlotTaken("That time slot has just been taken.", UnitItem.from_raw_data(holder).owner) from None
            if isinstance(err, TransactionCancelled) and err.failed(OPEN_COUNT):
                raise TooManyOpenBookings(cap) from None
            if _conditional_failure(err):
                raise SlotTaken("That time slot has just been taken.") from None
            raise

    def move_appointment(
        self,
        appt: Appointment,
        new_start: datetime,
        new_end: datetime,
        new_units: list[datetime],
        reminder_names: list[str],
        now: datetime,
    ) -> None:
        """Claim the new units, release the old ones and move the booking (with the reminder names it
        will have) in one transaction, new claims conditional, so the booking is never without a slot
        and never holds two."""
        old_units = set(claim_units(appt.start, appt.duration, appt.buffer))
        wanted = set(new_units)
        try:

            def build(tx: Transaction) -> None:
                for unit in sorted(wanted - old_units):
                    tx.save(
                        items.unit_item(appt.merchant_id, appt.staff_id, unit, appt.id, "appointment"),
                        condition=UnitItem.pk.does_not_exist(),
                    )
                _release(tx, appt.staff_id, appt.id, sorted(old_units - wanted))
                tx.update(
                    AppointmentItem(*items.appointment_key(appt.id)),
                    actions=[
                        AppointmentItem.start.set(to_iso(new_start)),
                        AppointmentItem.end.set(to_iso(new_end)),
                        AppointmentItem.gsi1sk.set(f"{to_iso(new_start)}#{appt.id}"),
                        AppointmentItem.reminder_names.set(cast(Any, reminder_names)),
                        AppointmentItem.reminders_start.remove(),  # not yet scheduled for the new start
                        AppointmentItem.updated_at.set(to_iso(now)),
                    ],
                    condition=(AppointmentItem.status == appt.status) & (AppointmentItem.start == to_iso(appt.start)),
                )

            transact(build)
        except TransactWriteError as err:
            if _conditional_failure(err):
                raise Conflict(
                    "That time slot is taken, or the booking changed meanwhile.", code="SLOT_TAKEN"
                ) from None
            raise

    def finish_appointment(
        self,
        appt: Appointment,
        from_statuses: tuple[str, ...],
        to_status: Status,
        now: datetime,
        release: bool,
        reason: str | None = None,
    ) -> StatusChange:
        """Status change conditioned on the current status and on the start `appt` was read with (the
        units released are that start's), releasing the slot units in the same transaction when
        asked, and taking a counted booking back from the customer's open count (every status change
        here leaves "open", and its condition lets exactly one happen). When the condition fails the
        booking as stored comes back with the failure (ALL_OLD), so the caller decides again without
        reading it."""
        actions: list[Action] = [AppointmentItem.status.set(to_status), AppointmentItem.updated_at.set(to_iso(now))]
        if reason is not None:
            actions.append(AppointmentItem.cancel_reason.set(reason))
        condition = AppointmentItem.status.is_in(*from_statuses) & (AppointmentItem.start == to_iso(appt.start))
        try:

            def build(tx: Transaction) -> None:
                tx.update(
                    AppointmentItem(*items.appointment_key(appt.id)),
                    actions=actions,
                    condition=condition,
                    return_values=ALL_OLD,
                    label=APPOINTMENT,
                )
                if release:
                    _release(tx, appt.staff_id, appt.id, claim_units(appt.start, appt.duration, appt.buffer))
                if appt.counted:
                    _count_open(tx, appt, -1)

            transact(build)
        except TransactionCancelled as err:
            if not err.failed(APPOINTMENT):
                raise
            stored = failed_item(err, f"{items.APPOINTMENT_PK_PREFIX}#")
            return StatusChange(False, items.to_appointment(AppointmentItem.from_raw_data(stored)) if stored else None)
        return StatusChange(True, appt)

    def set_reminders(self, appointment_id: str, names: list[str]) -> None:
        AppointmentItem(*items.appointment_key(appointment_id)).update(
            actions=[AppointmentItem.reminder_names.set(cast(Any, names))], condition=AppointmentItem.pk.exists()
        )

    def mark_reminders_scheduled(self, appointment_id: str, start: datetime) -> None:
        """Records that its reminders are scheduled for `start`, unless it moved meanwhile."""
        try:
            AppointmentItem(*items.appointment_key(appointment_id)).update(
                actions=[AppointmentItem.reminders_start.set(to_iso(start))],
                condition=AppointmentItem.start == to_iso(start),
            )
        except UpdateError as err:
            if not condition_failed(err):
                raise

    def set_refund_status(self, appointment_id: str, status: str) -> None:
        try:
            AppointmentItem(*items.appointment_key(appointment_id)).update(
                actions=[AppointmentItem.refund_status.set(status)], condition=AppointmentItem.pk.exists()
            )
        except UpdateError as err:
            if not condition_failed(err):
                raise

    # --- blocks ---------------------------------------------------------------------------------
    def create_block(self, block: Block, units: list[datetime], now: datetime) -> None:
        try:

            def build(tx: Transaction) -> None:
                for unit in units:
                    tx.save(
                        items.unit_item(block.merchant_id, block.staff_id, unit, block.id, "block"),
                        condition=UnitItem.pk.does_not_exist(),
                    )
                tx.save(items.block_item(block, now), condition=BlockItem.pk.does_not_exist())

            transact(build)
        except TransactWriteError as err:
            if _conditional_failure(err):
                raise SlotTaken("That time already holds an appointment or a block.") from None
            raise

    def get_block(self, block_id: str) -> Block | None:
        try:
            return items.to_block(BlockItem.get(*items.block_key(block_id), consistent_read=True))
        except DoesNotExist:
            return None

    def delete_block(self, block: Block, units: list[datetime]) -> None:
        def build(tx: Transaction) -> None:
            tx.delete(BlockItem(*items.block_key(block.id)))
            _release(tx, block.staff_id, block.id, units)

        transact(build)

    def staff_blocks(self, staff_id: str, start: datetime, end: datetime) -> list[Block]:
        """Blocks overlapping [start, end): those starting up to a day before are checked too."""
        found = BlockItem.gsi1.query(
            key("STAFFBLOCK", staff_id), BlockItem.gsi1sk.between(to_iso(start - timedelta(days=1)), to_iso(end))
        )
        blocks = [items.to_block(i) for i in found]
        return [b for b in blocks if b.start < end and b.end > start]

    # --- preferences ----------------------------------------------------------------------------
    def get_preferences(self, user_id: str) -> Preferences:
        try:
            return items.to_preferences(PreferencesItem.get(*items.preferences_key(user_id)))
        except DoesNotExist:
            return Preferences()

    def update_preferences(self, user_id: str, changes: dict[str, Any], now: datetime) -> Preferences:
        """Sets the given fields (sms, email, push, reminder_times), keeps the others (defaults for a
        first save), and returns what is stored: one UpdateItem, no read, no lost concurrent update."""
        item = PreferencesItem(*items.preferences_key(user_id))
        defaults: dict[str, Any] = {"sms": True, "email": True, "push": True, "reminder_times": list(DEFAULT_REMINDERS)}
        actions: list[Action] = []
        for name, default in defaults.items():
            attribute = getattr(PreferencesItem, name)
            actions.append(attribute.set(cast(Any, changes[name]) if name in changes else attribute | default))
        actions.append(PreferencesItem.et.set(PreferencesItem.et | PreferencesItem.entity_type()))
        actions.append(PreferencesItem.updated_at.set(to_iso(now)))
        item.update(actions=actions)
        return items.to_preferences(item)
