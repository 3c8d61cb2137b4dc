"""Appointment items and their data access (the only module that touches them).

- service:  APPTSVC#<id> / META; gsi1 `APPTSVC` -> `<storeId>#<id>` (the bookable catalogue)
- staff:    APPTSTAFF#<id> / META; gsi1 `APPTSTAFF#<merchantId>` -> `<storeId>#<id>`
- unit:     SLOT#<staffId> / <unit start UTC ISO>, owner = appointment or block id (the claim)
- appt:     APPT#<id> / APPT; gsi1 `STAFFAPPT#<staffId>` -> `<start>#<id>`
- block:    APPTBLOCK#<id> / BLOCK; gsi1 `STAFFBLOCK#<staffId>` -> `<start>#<id>`
- prefs:    USER#<userId> / APPTPREFS
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from pynamodb.attributes import BooleanAttribute, JSONAttribute, ListAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.transactions import TransactWrite

from chalicelib.core.clock import from_iso, to_iso
from chalicelib.core.errors import Conflict
from chalicelib.data.table import ExpiringModel, TableModel, cancellation_codes, failed_conditions, key, transact

SERVICES_GSI = "APPTSVC"
UNIT_RETENTION = timedelta(days=30)  # past claims are history nobody books against


class Gsi1(GlobalSecondaryIndex[Any]):
    class Meta:
        index_name = "gsi1"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True)
    gsi1sk = UnicodeAttribute(range_key=True)


class ServiceItem(TableModel):
    store_id = UnicodeAttribute()
    merchant_id = UnicodeAttribute()
    name = UnicodeAttribute()
    description = UnicodeAttribute(null=True)
    duration = NumberAttribute()  # minutes
    buffer = NumberAttribute(default=0)  # minutes after, before the staff member's next booking
    price = NumberAttribute()  # fen
    requires_payment = BooleanAttribute(default=False)
    gsi1pk = UnicodeAttribute()
    gsi1sk = UnicodeAttribute()
    gsi1 = Gsi1()


class StaffItem(TableModel):
    store_id = UnicodeAttribute()
    merchant_id = UnicodeAttribute()
    name = UnicodeAttribute()
    title = UnicodeAttribute(null=True)
    user_id = UnicodeAttribute(null=True)
    service_ids = ListAttribute(of=UnicodeAttribute, default=list)
    hours = JSONAttribute(default=dict)
    breaks = JSONAttribute(default=dict)
    days_off = ListAttribute(of=UnicodeAttribute, default=list)
    gsi1pk = UnicodeAttribute()
    gsi1sk = UnicodeAttribute()
    gsi1 = Gsi1()


class UnitItem(ExpiringModel):
    owner = UnicodeAttribute()
    owner_kind = UnicodeAttribute()  # appointment | block


class AppointmentItem(TableModel):
    status = UnicodeAttribute()
    user_id = UnicodeAttribute()
    store_id = UnicodeAttribute()
    merchant_id = UnicodeAttribute()
    staff_id = UnicodeAttribute()
    staff_name = UnicodeAttribute()
    service_id = UnicodeAttribute()
    service_name = UnicodeAttribute()
    duration = NumberAttribute()
    buffer = NumberAttribute(default=0)
    start = UnicodeAttribute()
    end = UnicodeAttribute()
    total_amount = NumberAttribute()
    out_trade_no = UnicodeAttribute(null=True)
    customer = JSONAttribute(default=dict)
    reminder_names = ListAttribute(of=UnicodeAttribute, default=list)
    cancel_reason = UnicodeAttribute(null=True)
    refund_status = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    gsi1pk = UnicodeAttribute()
    gsi1sk = UnicodeAttribute()
    gsi1 = Gsi1()


class BlockItem(TableModel):
    staff_id = UnicodeAttribute()
    store_id = UnicodeAttribute()
    start = UnicodeAttribute()
    end = UnicodeAttribute()
    reason = UnicodeAttribute(null=True)
    blocked_by = UnicodeAttribute()
    created_at = UnicodeAttribute()
    gsi1pk = UnicodeAttribute()
    gsi1sk = UnicodeAttribute()
    gsi1 = Gsi1()


class PreferencesItem(TableModel):
    sms = BooleanAttribute(default=True)
    email = BooleanAttribute(default=True)
    push = BooleanAttribute(default=True)
    reminder_times = ListAttribute(of=UnicodeAttribute, default=list)
    updated_at = UnicodeAttribute()


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


@dataclass(frozen=True)
class Appointment:
    id: str
    status: str
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


@dataclass(frozen=True)
class Block:
    id: str
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
    reminder_times: tuple[str, ...] = ("24h", "2h")


def _tail(text: str) -> str:
    return text.split("#", 1)[1]


def _conditional_failure(err: TransactWriteError) -> bool:
    """A condition failed, or (on AWS) another transaction held one of the same items right now."""
    return any(code in ("ConditionalCheckFailed", "TransactionConflict") for code in cancellation_codes(err))


# --- services ---------------------------------------------------------------------------------
def _to_service(item: ServiceItem) -> Service:
    return Service(
        id=_tail(item.pk),
        store_id=item.store_id,
        merchant_id=item.merchant_id,
        name=item.name,
        description=item.description,
        duration=int(item.duration),
        buffer=int(item.buffer or 0),
        price=int(item.price),
        requires_payment=bool(item.requires_payment),
    )


def put_service(service: Service) -> None:
    ServiceItem(
        key("APPTSVC", service.id),
        "META",
        store_id=service.store_id,
        merchant_id=service.merchant_id,
        name=service.name,
        description=service.description,
        duration=service.duration,
        buffer=service.buffer,
        price=service.price,
        requires_payment=service.requires_payment,
        gsi1pk=SERVICES_GSI,
        gsi1sk=f"{service.store_id}#{service.id}",
    ).save()


def get_service(service_id: str) -> Service | None:
    try:
        return _to_service(ServiceItem.get(key("APPTSVC", service_id), "META"))
    except DoesNotExist:
        return None


def list_services(store_id: str | None) -> list[Service]:
    condition = ServiceItem.gsi1sk.startswith(f"{store_id}#") if store_id else None
    return [_to_service(i) for i in ServiceItem.gsi1.query(SERVICES_GSI, condition)]


# --- staff ------------------------------------------------------------------------------------
def _to_staff(item: StaffItem) -> Staff:
    return Staff(
        id=_tail(item.pk),
        store_id=item.store_id,
        merchant_id=item.merchant_id,
        name=item.name,
        title=item.title,
        user_id=item.user_id,
        service_ids=tuple(str(s) for s in item.service_ids or ()),
        hours=dict(item.hours or {}),
        breaks=dict(item.breaks or {}),
        days_off=tuple(str(d) for d in item.days_off or ()),
    )


def put_staff(staff: Staff) -> None:
    StaffItem(
        key("APPTSTAFF", staff.id),
        "META",
        store_id=staff.store_id,
        merchant_id=staff.merchant_id,
        name=staff.name,
        title=staff.title,
        user_id=staff.user_id,
        service_ids=list(staff.service_ids),
        hours=staff.hours,
        breaks=staff.breaks,
        days_off=list(staff.days_off),
        gsi1pk=key("APPTSTAFF", staff.merchant_id),
        gsi1sk=f"{staff.store_id}#{staff.id}",
    ).save()


def get_staff(staff_id: str, consistent: bool = False) -> Staff | None:
    try:
        return _to_staff(StaffItem.get(key("APPTSTAFF", staff_id), "META", consistent_read=consistent))
    except DoesNotExist:
        return None


def staff_of_merchant(merchant_id: str, store_id: str | None = None) -> list[Staff]:
    condition = StaffItem.gsi1sk.startswith(f"{store_id}#") if store_id else None
    return [_to_staff(i) for i in StaffItem.gsi1.query(key("APPTSTAFF", merchant_id), condition)]


def update_availability(
    staff_id: str, hours: dict[str, Any] | None, breaks: dict[str, Any] | None, days_off: list[str] | None
) -> None:
    actions: list[Action] = []
    if hours is not None:
        actions.append(StaffItem.hours.set(hours))
    if breaks is not None:
        actions.append(StaffItem.breaks.set(breaks))
    if days_off is not None:
        actions.append(StaffItem.days_off.set(cast(Any, days_off)))
    if actions:
        StaffItem(key("APPTSTAFF", staff_id), "META").update(actions=actions, condition=StaffItem.pk.exists())


# --- slot units -------------------------------------------------------------------------------
def unit_key(staff_id: str, unit: datetime) -> tuple[str, str]:
    return key("SLOT", staff_id), to_iso(unit)


def _unit(staff_id: str, unit: datetime, owner: str, kind: str) -> UnitItem:
    pk, sk = unit_key(staff_id, unit)
    return UnitItem(pk, sk, owner=owner, owner_kind=kind, ttl=int((unit + UNIT_RETENTION).timestamp()))


def _owned_by(owner: str) -> Condition:
    """Release only what this owner holds; a unit already gone is fine (repeats are no-ops)."""
    return UnitItem.pk.does_not_exist() | (UnitItem.owner == owner)


def claimed_units(staff_id: str, start: datetime, end: datetime) -> dict[datetime, tuple[str, str]]:
    """unit -> (owner, kind) for units in [start, end): one strongly consistent Query."""
    items = UnitItem.query(
        key("SLOT", staff_id),
        UnitItem.sk.between(to_iso(start), to_iso(end - timedelta(seconds=1))),
        consistent_read=True,
    )
    return {from_iso(i.sk): (i.owner, i.owner_kind) for i in items}


def unit_owner(staff_id: str, unit: datetime) -> str | None:
    pk, sk = unit_key(staff_id, unit)
    try:
        return str(UnitItem.get(pk, sk, consistent_read=True).owner)
    except DoesNotExist:
        return None


# --- appointments -----------------------------------------------------------------------------
def _to_appointment(item: AppointmentItem) -> Appointment:
    return Appointment(
        id=_tail(item.pk),
        status=item.status,
        user_id=item.user_id,
        store_id=item.store_id,
        merchant_id=item.merchant_id,
        staff_id=item.staff_id,
        staff_name=item.staff_name,
        service_id=item.service_id,
        service_name=item.service_name,
        duration=int(item.duration),
        buffer=int(item.buffer or 0),
        start=from_iso(item.start),
        end=from_iso(item.end),
        total_amount=int(item.total_amount),
        out_trade_no=item.out_trade_no,
        customer=dict(item.customer or {}),
        created_at=from_iso(item.created_at),
        updated_at=from_iso(item.updated_at),
        reminder_names=tuple(str(n) for n in item.reminder_names or ()),
        cancel_reason=item.cancel_reason,
        refund_status=item.refund_status,
    )


def appointment_key(appointment_id: str) -> tuple[str, str]:
    return key("APPT", appointment_id), "APPT"


def _appointment_item(appt: Appointment) -> AppointmentItem:
    pk, sk = appointment_key(appt.id)
    return AppointmentItem(
        pk,
        sk,
        status=appt.status,
        user_id=appt.user_id,
        store_id=appt.store_id,
        merchant_id=appt.merchant_id,
        staff_id=appt.staff_id,
        staff_name=appt.staff_name,
        service_id=appt.service_id,
        service_name=appt.service_name,
        duration=appt.duration,
        buffer=appt.buffer,
        start=to_iso(appt.start),
        end=to_iso(appt.end),
        total_amount=appt.total_amount,
        out_trade_no=appt.out_trade_no,
        customer=appt.customer,
        reminder_names=list(appt.reminder_names),
        cancel_reason=appt.cancel_reason,
        refund_status=appt.refund_status,
        created_at=to_iso(appt.created_at),
        updated_at=to_iso(appt.updated_at),
        gsi1pk=key("STAFFAPPT", appt.staff_id),
        gsi1sk=f"{to_iso(appt.start)}#{appt.id}",
    )


def get_appointment(appointment_id: str) -> Appointment | None:
    pk, sk = appointment_key(appointment_id)
    try:
        return _to_appointment(AppointmentItem.get(pk, sk, consistent_read=True))
    except DoesNotExist:
        return None


def staff_appointments(staff_id: str, start: datetime, end: datetime) -> list[Appointment]:
    """Appointments of one staff member starting in [start, end), by start."""
    items = AppointmentItem.gsi1.query(
        key("STAFFAPPT", staff_id), AppointmentItem.gsi1sk.between(to_iso(start), to_iso(end))
    )
    return [_to_appointment(i) for i in items if from_iso(i.start) < end]


def create_appointment(appt: Appointment, units: Iterable[datetime]) -> None:
    """Claim every unit and write the appointment in one transaction: all or nothing."""
    units = list(units)  # a retried transaction iterates them again
    try:

        def build(tx: TransactWrite) -> None:
            for unit in units:
                tx.save(_unit(appt.staff_id, unit, appt.id, "appointment"), condition=UnitItem.pk.does_not_exist())
            tx.save(_appointment_item(appt), condition=AppointmentItem.pk.does_not_exist())

        transact(build)
    except TransactWriteError as err:
        if _conditional_failure(err):
            raise Conflict("That time slot has just been taken.", code="SLOT_TAKEN") from None
        raise


def move_appointment(
    appt: Appointment, new_start: datetime, new_end: datetime, new_units: list[datetime], now: datetime
) -> None:
    """Claim the new units and release the old ones in one transaction (new claims conditional), so
    the booking is never without a slot and never holds two."""
    from chalicelib.appointments.availability import claim_units

    old_units = set(claim_units(appt.start, appt.duration, appt.buffer))
    wanted = set(new_units)
    pk, sk = appointment_key(appt.id)
    try:

        def build(tx: TransactWrite) -> None:
            for unit in sorted(wanted - old_units):
                tx.save(_unit(appt.staff_id, unit, appt.id, "appointment"), condition=UnitItem.pk.does_not_exist())
            for unit in sorted(old_units - wanted):
                upk, usk = unit_key(appt.staff_id, unit)
                tx.delete(UnitItem(upk, usk), condition=_owned_by(appt.id))
            tx.update(
                AppointmentItem(pk, sk),
                actions=[
                    AppointmentItem.start.set(to_iso(new_start)),
                    AppointmentItem.end.set(to_iso(new_end)),
                    AppointmentItem.gsi1sk.set(f"{to_iso(new_start)}#{appt.id}"),
                    AppointmentItem.updated_at.set(to_iso(now)),
                ],
                condition=(AppointmentItem.status == appt.status) & (AppointmentItem.start == to_iso(appt.start)),
            )

        transact(build)
    except TransactWriteError as err:
        if _conditional_failure(err):
            raise Conflict("That time slot is taken, or the booking changed meanwhile.", code="SLOT_TAKEN") from None
        raise


def finish_appointment(
    appt: Appointment,
    from_statuses: tuple[str, ...],
    to_status: str,
    now: datetime,
    release: bool,
    reason: str | None = None,
) -> bool:
    """Status change conditioned on the current status and on the start `appt` was read with (the
    units released are that start's), releasing the slot units in the same transaction when asked;
    False when the status was no longer one of `from_statuses` or the booking moved meanwhile."""
    from chalicelib.appointments.availability import claim_units

    pk, sk = appointment_key(appt.id)
    actions: list[Action] = [AppointmentItem.status.set(to_status), AppointmentItem.updated_at.set(to_iso(now))]
    if reason is not None:
        actions.append(AppointmentItem.cancel_reason.set(reason))
    condition = AppointmentItem.status.is_in(*from_statuses) & (AppointmentItem.start == to_iso(appt.start))
    try:

        def build(tx: TransactWrite) -> None:
            tx.update(AppointmentItem(pk, sk), actions=actions, condition=condition)
            if release:
                for unit in claim_units(appt.start, appt.duration, appt.buffer):
                    upk, usk = unit_key(appt.staff_id, unit)
                    tx.delete(UnitItem(upk, usk), condition=_owned_by(appt.id))

        transact(build)
    except TransactWriteError as err:
        # PynamoDB sends deletes before updates: the appointment's update is the last item.
        if failed_conditions(err)[-1:] == [True]:
            return False
        raise
    return True


def set_reminders(appointment_id: str, names: list[str]) -> None:
    pk, sk = appointment_key(appointment_id)
    AppointmentItem(pk, sk).update(
        actions=[AppointmentItem.reminder_names.set(cast(Any, names))], condition=AppointmentItem.pk.exists()
    )


def set_refund_status(appointment_id: str, status: str) -> None:
    pk, sk = appointment_key(appointment_id)
    try:
        AppointmentItem(pk, sk).update(
            actions=[AppointmentItem.refund_status.set(status)], condition=AppointmentItem.pk.exists()
        )
    except UpdateError as err:
        if err.cause_response_code != "ConditionalCheckFailedException":
            raise


# --- blocks -----------------------------------------------------------------------------------
def _to_block(item: BlockItem) -> Block:
    return Block(
        id=_tail(item.pk),
        staff_id=item.staff_id,
        store_id=item.store_id,
        start=from_iso(item.start),
        end=from_iso(item.end),
        reason=item.reason,
        blocked_by=item.blocked_by,
    )


def create_block(block: Block, units: list[datetime], now: datetime) -> None:
    item = BlockItem(
        key("APPTBLOCK", block.id),
        "BLOCK",
        staff_id=block.staff_id,
        store_id=block.store_id,
        start=to_iso(block.start),
        end=to_iso(block.end),
        reason=block.reason,
        blocked_by=block.blocked_by,
        created_at=to_iso(now),
        gsi1pk=key("STAFFBLOCK", block.staff_id),
        gsi1sk=f"{to_iso(block.start)}#{block.id}",
    )
    try:

        def build(tx: TransactWrite) -> None:
            for unit in units:
                tx.save(_unit(block.staff_id, unit, block.id, "block"), condition=UnitItem.pk.does_not_exist())
            tx.save(item, condition=BlockItem.pk.does_not_exist())

        transact(build)
    except TransactWriteError as err:
        if _conditional_failure(err):
            raise Conflict("That time already holds an appointment or a block.", code="SLOT_TAKEN") from None
        raise


def get_block(block_id: str) -> Block | None:
    try:
        return _to_block(BlockItem.get(key("APPTBLOCK", block_id), "BLOCK", consistent_read=True))
    except DoesNotExist:
        return None


def delete_block(block: Block, units: list[datetime]) -> None:
    def build(tx: TransactWrite) -> None:
        tx.delete(BlockItem(key("APPTBLOCK", block.id), "BLOCK"))
        for unit in units:
            upk, usk = unit_key(block.staff_id, unit)
            tx.delete(UnitItem(upk, usk), condition=_owned_by(block.id))

    transact(build)


def staff_blocks(staff_id: str, start: datetime, end: datetime) -> list[Block]:
    """Blocks overlapping [start, end): those starting up to a day before are checked too."""
    items = BlockItem.gsi1.query(
        key("STAFFBLOCK", staff_id), BlockItem.gsi1sk.between(to_iso(start - timedelta(days=1)), to_iso(end))
    )
    blocks = [_to_block(i) for i in items]
    return [b for b in blocks if b.start < end and b.end > start]


# --- preferences ------------------------------------------------------------------------------
def get_preferences(user_id: str) -> Preferences:
    try:
        item = PreferencesItem.get(key("USER", user_id), "APPTPREFS")
    except DoesNotExist:
        return Preferences()
    return Preferences(
        sms=bool(item.sms),
        email=bool(item.email),
        push=bool(item.push),
        reminder_times=tuple(str(t) for t in item.reminder_times),
    )


def put_preferences(user_id: str, prefs: Preferences, now: datetime) -> None:
    PreferencesItem(
        key("USER", user_id),
        "APPTPREFS",
        sms=prefs.sms,
        email=prefs.email,
        push=prefs.push,
        reminder_times=list(prefs.reminder_times),
        updated_at=to_iso(now),
    ).save()
