"""Appointment items as stored (PynamoDB), their keys, and their conversion to domain values.
Only the repository (repo.py) and the demo seed use them.

- service:  APPTSVC#<id> / META; gsi1 `APPTSVC#<merchantId>` -> `<storeId>#<id>` (a merchant's bookable catalogue)
- staff:    APPTSTAFF#<id> / META; gsi1 `APPTSTAFF#<merchantId>` -> `<storeId>#<id>`
- unit:     SLOT#<staffId> / <unit start UTC ISO>, owner = appointment or block id (the claim), merchant_id
- appt:     APPT#<id> / APPT; gsi1 `STAFFAPPT#<staffId>` -> `<start>#<id>`;
            gsi2 `APPTS#<merchantId>` -> `<createdAt>#<id>` (a merchant's bookings in the order made: exports)
- block:    APPTBLOCK#<id> / BLOCK (merchant_id); gsi1 `STAFFBLOCK#<staffId>` -> `<start>#<id>`
- prefs:    USER#<userId> / APPTPREFS
- open:     USER#<userId> / APPTOPEN#<merchantId>, open = the customer's open bookings there (the cap)
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pynamodb.attributes import BooleanAttribute, JSONAttribute, ListAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from chalicelib.appointments.domain import Appointment, Block, Preferences, Service, Staff, Status
from chalicelib.core.clock import from_iso, to_iso
from chalicelib.data.table import ExpiringModel, TableModel, key

SERVICES_GSI = "APPTSVC"  # + "#<merchantId>": one partition per merchant's catalogue
UNIT_RETENTION = timedelta(days=30)  # past claims are history nobody books against
# The appointment item's key; the booking saga's Confirm state addresses it too.
APPOINTMENT_PK_PREFIX = "APPT"
APPOINTMENT_SK = "APPT"


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
    merchant_id = UnicodeAttribute()
    owner = UnicodeAttribute()
    owner_kind = UnicodeAttribute()  # appointment | block


class Gsi2(GlobalSecondaryIndex[Any]):
    class Meta:
        index_name = "gsi2"
        projection = AllProjection()

    gsi2pk = UnicodeAttribute(hash_key=True)
    gsi2sk = UnicodeAttribute(range_key=True)


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
    counted = BooleanAttribute(null=True)  # added one to the customer's open count (see OpenBookingsItem)
    # The start its reminders were scheduled for; the saga's RecordReminders state sets it too.
    reminders_start = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    gsi1pk = UnicodeAttribute()
    gsi1sk = UnicodeAttribute()
    gsi1 = Gsi1()
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)
    gsi2 = Gsi2()


class BlockItem(TableModel):
    merchant_id = UnicodeAttribute()
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


class OpenBookingsItem(TableModel):
    """How many bookings a customer holds open at a merchant: the booking transaction adds one only
    while it is under the cap; the status change that closes a counted booking takes it back."""

    open = NumberAttribute(default=0)


def _tail(text: str) -> str:
    return text.split("#", 1)[1]


def service_key(service_id: str) -> tuple[str, str]:
    return key("APPTSVC", service_id), "META"


def staff_key(staff_id: str) -> tuple[str, str]:
    return key("APPTSTAFF", staff_id), "META"


def unit_key(staff_id: str, unit: datetime) -> tuple[str, str]:
    return key("SLOT", staff_id), to_iso(unit)


def appointment_key(appointment_id: str) -> tuple[str, str]:
    return key(APPOINTMENT_PK_PREFIX, appointment_id), APPOINTMENT_SK


def block_key(block_id: str) -> tuple[str, str]:
    return key("APPTBLOCK", block_id), "BLOCK"


def preferences_key(user_id: str) -> tuple[str, str]:
    return key("USER", user_id), "APPTPREFS"


def open_bookings_key(user_id: str, merchant_id: str) -> tuple[str, str]:
    return key("USER", user_id), key("APPTOPEN", merchant_id)


def to_service(item: ServiceItem) -> Service:
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


def service_item(service: Service) -> ServiceItem:
    return ServiceItem(
        *service_key(service.id),
        store_id=service.store_id,
        merchant_id=service.merchant_id,
        name=service.name,
        description=service.description,
        duration=service.duration,
        buffer=service.buffer,
        price=service.price,
        requires_payment=service.requires_payment,
        gsi1pk=services_partition(service.merchant_id),
        gsi1sk=f"{service.store_id}#{service.id}",
    )


def to_staff(item: StaffItem) -> Staff:
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


def staff_item(staff: Staff) -> StaffItem:
    return StaffItem(
        *staff_key(staff.id),
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
    )


def services_partition(merchant_id: str) -> str:
    return key(SERVICES_GSI, merchant_id)


def unit_item(merchant_id: str, staff_id: str, unit: datetime, owner: str, kind: str) -> UnitItem:
    pk, sk = unit_key(staff_id, unit)
    return UnitItem(
        pk, sk, merchant_id=merchant_id, owner=owner, owner_kind=kind, ttl=int((unit + UNIT_RETENTION).timestamp())
    )


def to_appointment(item: AppointmentItem) -> Appointment:
    return Appointment(
        id=_tail(item.pk),
        status=Status(item.status),
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
        counted=bool(item.counted),
        reminders_start=from_iso(item.reminders_start) if item.reminders_start else None,
    )


def appointment_item(appt: Appointment) -> AppointmentItem:
    return AppointmentItem(
        *appointment_key(appt.id),
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
        counted=appt.counted or None,
        reminders_start=to_iso(appt.reminders_start) if appt.reminders_start else None,
        created_at=to_iso(appt.created_at),
        updated_at=to_iso(appt.updated_at),
        gsi1pk=key("STAFFAPPT", appt.staff_id),
        gsi1sk=f"{to_iso(appt.start)}#{appt.id}",
        gsi2pk=key("APPTS", appt.merchant_id),
        gsi2sk=f"{to_iso(appt.created_at)}#{appt.id}",
    )


def to_block(item: BlockItem) -> Block:
    return Block(
        id=_tail(item.pk),
        merchant_id=item.merchant_id,
        staff_id=item.staff_id,
        store_id=item.store_id,
        start=from_iso(item.start),
        end=from_iso(item.end),
        reason=item.reason,
        blocked_by=item.blocked_by,
    )


def block_item(block: Block, now: datetime) -> BlockItem:
    return BlockItem(
        *block_key(block.id),
        merchant_id=block.merchant_id,
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


def to_preferences(item: PreferencesItem) -> Preferences:
    return Preferences(
        sms=bool(item.sms),
        email=bool(item.email),
        push=bool(item.push),
        reminder_times=tuple(str(t) for t in item.reminder_times),
    )
