"""Queue items and their data access.

- day counter  `STORE#<storeId>` / `QUEUEDAY#<day>`: last_number (atomic ADD), now_serving, served stats
- ticket       `QTICKET#<ticketId>` / `TICKET`
- waiting slot `STORE#<storeId>` / `QWAIT#<day>#<number:06d>`: exists exactly while the ticket waits,
  so one Query lists the waiting line in number order
- active guard `USER#<userId>` / `QACTIVE#<storeId>`: one active ticket per user per store
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from pynamodb.attributes import ListAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DeleteError, DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.data.table import ExpiringModel, cancellation_codes, key, transact
from chalicelib.storequeue.rules import QueueDay, Ticket, TicketStatus

DAY_PREFIX = "QUEUEDAY#"
WAIT_PREFIX = "QWAIT#"
GUARD_PREFIX = "QACTIVE#"


class QueueDayItem(ExpiringModel):
    last_number = NumberAttribute(null=True)
    now_serving = NumberAttribute(null=True)
    served_count = NumberAttribute(null=True)
    served_seconds = NumberAttribute(null=True)
    # Each completion's service seconds, in order (list_append): the learned average's recent window.
    recent_seconds = ListAttribute(of=NumberAttribute, null=True)


class TicketItem(ExpiringModel):
    store_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    day = UnicodeAttribute()
    number = NumberAttribute()
    status = UnicodeAttribute()
    created_at = UnicodeAttribute()
    called_at = UnicodeAttribute(null=True)
    finished_at = UnicodeAttribute(null=True)


class WaitingItem(ExpiringModel):
    ticket_id = UnicodeAttribute()
    user_id = UnicodeAttribute()


class ActiveGuardItem(ExpiringModel):
    ticket_id = UnicodeAttribute()
    day = UnicodeAttribute()


def day_key(store_id: str, day: str) -> tuple[str, str]:
    return key("STORE", store_id), DAY_PREFIX + day


def ticket_key(ticket_id: str) -> tuple[str, str]:
    return key("QTICKET", ticket_id), "TICKET"


def waiting_key(store_id: str, day: str, number: int) -> tuple[str, str]:
    return key("STORE", store_id), f"{WAIT_PREFIX}{day}#{number:06d}"


def guard_key(user_id: str, store_id: str) -> tuple[str, str]:
    return key("USER", user_id), GUARD_PREFIX + store_id


def _to_ticket(item: TicketItem) -> Ticket:
    return Ticket(
        id=item.pk.split("#", 1)[1],
        store_id=item.store_id,
        user_id=item.user_id,
        day=item.day,
        number=int(item.number),
        status=TicketStatus(item.status),
        created_at=item.created_at,
        called_at=item.called_at,
        finished_at=item.finished_at,
    )


def _transact(build: Callable[[TransactWrite], None]) -> list[str | None] | None:
    """Run one TransactWriteItems (conflicts retried by `transact`); None on success, else each
    action's cancellation code when a condition failed."""
    try:
        transact(build)
    except TransactWriteError as err:
        codes = cancellation_codes(err)
        if "ConditionalCheckFailed" in codes:
            return codes
        raise
    return None


def next_number(store_id: str, day: str, ttl: int) -> int:
    """Atomic ADD on the day's counter; DynamoDB returns the new value, unique per caller."""
    pk, sk = day_key(store_id, day)
    item = QueueDayItem(pk, sk)
    item.update(actions=[QueueDayItem.last_number.add(1), QueueDayItem.ttl.set(ttl)])
    return int(item.last_number)


def get_day(store_id: str, day: str) -> QueueDay:
    pk, sk = day_key(store_id, day)
    try:
        item = QueueDayItem.get(pk, sk, consistent_read=True)
    except DoesNotExist:
        return QueueDay()
    return QueueDay(
        last_number=int(item.last_number or 0),
        now_serving=int(item.now_serving) if item.now_serving is not None else None,
        served_count=int(item.served_count or 0),
        served_seconds=float(item.served_seconds or 0),
        recent_seconds=tuple(float(cast(Any, s)) for s in item.recent_seconds or []),
    )


def get_ticket(ticket_id: str) -> Ticket | None:
    pk, sk = ticket_key(ticket_id)
    try:
        return _to_ticket(TicketItem.get(pk, sk, consistent_read=True))
    except DoesNotExist:
        return None


def guarded_ticket_id(user_id: str, store_id: str) -> str | None:
    pk, sk = guard_key(user_id, store_id)
    try:
        return str(ActiveGuardItem.get(pk, sk, consistent_read=True).ticket_id)
    except DoesNotExist:
        return None


def guarded_ticket_ids(user_id: str) -> list[str]:
    """Every store's active-ticket guard of one user (one Query)."""
    items = ActiveGuardItem.query(
        key("USER", user_id), ActiveGuardItem.sk.startswith(GUARD_PREFIX), consistent_read=True
    )
    return [str(i.ticket_id) for i in items]


@dataclass(frozen=True)
class WaitingSlot:
    number: int
    ticket_id: str
    user_id: str


def waiting_line(store_id: str, day: str) -> list[WaitingSlot]:
    """The day's waiting tickets, lowest number first (one Query)."""
    items = WaitingItem.query(
        key("STORE", store_id), WaitingItem.sk.startswith(f"{WAIT_PREFIX}{day}#"), consistent_read=True
    )
    return [WaitingSlot(int(i.sk.rsplit("#", 1)[1]), str(i.ticket_id), str(i.user_id)) for i in items]


def create_ticket(ticket: Ticket, ttl: int, replacing_ticket_id: str | None) -> bool:
    """Guard + ticket + waiting slot in one transaction. False when the user already holds a guard
    (other than the stale one the caller saw, which it may replace)."""
    gpk, gsk = guard_key(ticket.user_id, ticket.store_id)
    tpk, tsk = ticket_key(ticket.id)
    wpk, wsk = waiting_key(ticket.store_id, ticket.day, ticket.number)
    guard_free = ActiveGuardItem.pk.does_not_exist()
    if replacing_ticket_id is not None:
        guard_free = guard_free | (ActiveGuardItem.ticket_id == replacing_ticket_id)

    def build(tx: TransactWrite) -> None:
        tx.save(ActiveGuardItem(gpk, gsk, ticket_id=ticket.id, day=ticket.day, ttl=ttl), condition=guard_free)
        tx.save(
            TicketItem(
                tpk,
                tsk,
                store_id=ticket.store_id,
                user_id=ticket.user_id,
                day=ticket.day,
                number=ticket.number,
                status=ticket.status.value,
                created_at=ticket.created_at,
                ttl=ttl,
            ),
            condition=TicketItem.pk.does_not_exist(),
        )
        tx.save(
            WaitingItem(wpk, wsk, ticket_id=ticket.id, user_id=ticket.user_id, ttl=ttl),
            condition=WaitingItem.pk.does_not_exist(),
        )

    return _transact(build) is None


def call(store_id: str, day: str, slot: WaitingSlot, called_at: str) -> bool:
    """Waiting -> serving, its slot removed, and the day's now_serving raised to its number.
    False when someone else already moved this ticket."""
    tpk, tsk = ticket_key(slot.ticket_id)
    wpk, wsk = waiting_key(store_id, day, slot.number)
    dpk, dsk = day_key(store_id, day)

    def build(tx: TransactWrite, raise_now_serving: bool) -> None:
        tx.update(
            TicketItem(tpk, tsk),
            actions=[TicketItem.status.set(TicketStatus.SERVING.value), TicketItem.called_at.set(called_at)],
            condition=TicketItem.status == TicketStatus.WAITING.value,
        )
        tx.delete(WaitingItem(wpk, wsk), condition=WaitingItem.pk.exists())
        if raise_now_serving:
            tx.update(
                QueueDayItem(dpk, dsk),
                actions=[QueueDayItem.now_serving.set(slot.number)],
                condition=QueueDayItem.now_serving.does_not_exist() | (QueueDayItem.now_serving < slot.number),
            )

    reasons = _transact(lambda tx: build(tx, True))
    if reasons is None:
        return True
    if any(code == "ConditionalCheckFailed" for code in reasons[:2]):
        return False
    # Only now_serving was already past this number (a later ticket was called first): keep it.
    return _transact(lambda tx: build(tx, False)) is None


def finish(ticket: Ticket, status: TicketStatus, finished_at: str, served_seconds: float | None) -> bool:
    """Serving -> completed / no-show; a completion feeds the day's service-time stats.
    False when the ticket was not serving (already finished by an earlier request)."""
    tpk, tsk = ticket_key(ticket.id)
    dpk, dsk = day_key(ticket.store_id, ticket.day)

    def build(tx: TransactWrite) -> None:
        tx.update(
            TicketItem(tpk, tsk),
            actions=[TicketItem.status.set(status.value), TicketItem.finished_at.set(finished_at)],
            condition=TicketItem.status == TicketStatus.SERVING.value,
        )
        if served_seconds is not None:
            tx.update(
                QueueDayItem(dpk, dsk),
                actions=[
                    QueueDayItem.served_count.add(1),
                    QueueDayItem.served_seconds.add(round(served_seconds)),
                    QueueDayItem.recent_seconds.set((QueueDayItem.recent_seconds | []).append([round(served_seconds)])),
                ],
            )

    return _transact(build) is None


def leave(ticket: Ticket, left_at: str) -> bool:
    """Waiting -> left and its slot removed; False when the ticket was no longer waiting."""
    tpk, tsk = ticket_key(ticket.id)
    wpk, wsk = waiting_key(ticket.store_id, ticket.day, ticket.number)

    def build(tx: TransactWrite) -> None:
        tx.update(
            TicketItem(tpk, tsk),
            actions=[TicketItem.status.set(TicketStatus.LEFT.value), TicketItem.finished_at.set(left_at)],
            condition=TicketItem.status == TicketStatus.WAITING.value,
        )
        tx.delete(WaitingItem(wpk, wsk))

    return _transact(build) is None


def release_guard(user_id: str, store_id: str, ticket_id: str) -> None:
    """Drop the guard only if it still points at this ticket (a newer ticket keeps its own)."""
    pk, sk = guard_key(user_id, store_id)
    try:
        ActiveGuardItem(pk, sk).delete(condition=ActiveGuardItem.ticket_id == ticket_id)
    except DeleteError as err:
        if err.cause_response_code != "ConditionalCheckFailedException":
            raise
