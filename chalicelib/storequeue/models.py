"""Queue items and their data access (the only module that touches them; `QueueTable` is the
`ports.QueueRepository` adapter).

- day counter  `STORE#<storeId>` / `QUEUEDAY#<day>`: last_number (atomic ADD), now_serving, served stats
- waiting slot `STORE#<storeId>` / `QUEUEDAY#<day>#W#<number:06d>`: exists exactly while the ticket
  waits; it sorts right after its day's counter, so one Query reads the counter and the line in order
- ticket       `QTICKET#<ticketId>` / `TICKET`
- active guard `USER#<userId>` / `QACTIVE#<storeId>`: one active ticket per user per store
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any, cast

from pynamodb.attributes import ListAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from chalicelib.core.ratelimit import Charge
from chalicelib.data import ratelimit
from chalicelib.data.conditional import failed_item
from chalicelib.data.table import ExpiringModel, failed_conditions, key, transact
from chalicelib.storequeue.domain import Guard, QueueDay, QueueLine, Ticket, TicketStatus, WaitingSlot

DAY_PREFIX = "QUEUEDAY#"
TICKET_PREFIX = "QTICKET#"
GUARD_PK_PREFIX = "USER#"
WAITING_MARK = "#W#"
GUARD_PREFIX = "QACTIVE#"
ALL_OLD = "ALL_OLD"


class QueueDayItem(ExpiringModel):
    last_number = NumberAttribute(null=True)
    now_serving = NumberAttribute(null=True)
    served_count = NumberAttribute(null=True)
    served_seconds = NumberAttribute(null=True)
    # Each completion's service seconds, in order (list_append): the learned average's recent window.
    recent_seconds = ListAttribute(of=NumberAttribute, null=True)


class TicketItem(ExpiringModel):
    store_id = UnicodeAttribute()
    merchant_id = UnicodeAttribute(null=True)
    user_id = UnicodeAttribute()
    day = UnicodeAttribute()
    number = NumberAttribute()
    status = UnicodeAttribute()
    created_at = UnicodeAttribute()
    called_at = UnicodeAttribute(null=True)
    finished_at = UnicodeAttribute(null=True)


class WaitingItem(ExpiringModel):
    merchant_id = UnicodeAttribute(null=True)
    ticket_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    created_at = UnicodeAttribute(null=True)  # the ticket's, so a call answers without reading it


class ActiveGuardItem(ExpiringModel):
    merchant_id = UnicodeAttribute(null=True)  # set with the ticket
    ticket_id = UnicodeAttribute()
    day = UnicodeAttribute()
    claimed_at = UnicodeAttribute(null=True)
    number = NumberAttribute(null=True)  # set with the ticket; absent while a join is issuing it


def day_key(store_id: str, day: str) -> tuple[str, str]:
    return key("STORE", store_id), DAY_PREFIX + day


def ticket_key(ticket_id: str) -> tuple[str, str]:
    return key("QTICKET", ticket_id), "TICKET"


def waiting_key(store_id: str, day: str, number: int) -> tuple[str, str]:
    return key("STORE", store_id), f"{DAY_PREFIX}{day}{WAITING_MARK}{number:06d}"


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
        merchant_id=item.merchant_id,
    )


def _to_day(item: QueueDayItem) -> QueueDay:
    return QueueDay(
        last_number=int(item.last_number or 0),
        now_serving=int(item.now_serving) if item.now_serving is not None else None,
        served_count=int(item.served_count or 0),
        served_seconds=float(item.served_seconds or 0),
        recent_seconds=tuple(float(cast(Any, s)) for s in item.recent_seconds or []),
    )


def _to_slot(item: WaitingItem) -> WaitingSlot:
    return WaitingSlot(int(item.sk.rsplit("#", 1)[1]), str(item.ticket_id), str(item.user_id), item.created_at or "")


def _to_guard(item: ActiveGuardItem) -> Guard:
    return Guard(
        user_id=item.pk.split("#", 1)[1],
        store_id=item.sk[len(GUARD_PREFIX) :],
        ticket_id=str(item.ticket_id),
        day=str(item.day),
        claimed_at=item.claimed_at or "1970-01-01T00:00:00Z",
        number=int(item.number) if item.number is not None else None,
    )


def _guard_deleted(tx: TransactWrite, ticket: Ticket) -> None:
    """Drop the guard if it is this ticket's (or gone); a guard a newer ticket holds fails the condition."""
    gpk, gsk = guard_key(ticket.user_id, ticket.store_id)
    tx.delete(
        ActiveGuardItem(gpk, gsk),
        condition=ActiveGuardItem.pk.does_not_exist() | (ActiveGuardItem.ticket_id == ticket.id),
    )


def _settle(build: Callable[..., None], after: Ticket) -> Ticket:
    """Run a ticket's closing transaction, the guard's delete first (PynamoDB sends deletes first, so its
    reason comes first). A guard a newer ticket holds keeps it: retry without it. A ticket whose
    condition failed comes back as it stands."""
    for with_guard in (True, False):
        try:
            transact(functools.partial(build, with_guard=with_guard))
            return after
        except TransactWriteError as err:
            current = failed_item(err, TICKET_PREFIX)
            if current is not None:
                return _to_ticket(TicketItem.from_raw_data(current))
            if not (with_guard and failed_conditions(err)[:1] == [True]):
                raise
    raise AssertionError("unreachable: the second attempt has no guard to fail on")


class QueueTable:
    """DynamoDB access for the queue's items."""

    def line(self, store_id: str, day: str) -> QueueLine:
        counter = QueueDay()
        waiting: list[WaitingSlot] = []
        pk, counter_sk = day_key(store_id, day)
        for raw in _query_prefix(pk, counter_sk):
            if raw["sk"]["S"] == counter_sk:
                counter = _to_day(QueueDayItem.from_raw_data(raw))
            elif WAITING_MARK in raw["sk"]["S"]:
                waiting.append(_to_slot(WaitingItem.from_raw_data(raw)))
        return QueueLine(counter, tuple(waiting))

    def get_ticket(self, ticket_id: str) -> Ticket | None:
        try:
            return _to_ticket(TicketItem.get(*ticket_key(ticket_id), consistent_read=True))
        except DoesNotExist:
            return None

    def get_guard(self, user_id: str, store_id: str) -> Guard | None:
        try:
            return _to_guard(ActiveGuardItem.get(*guard_key(user_id, store_id), consistent_read=True))
        except DoesNotExist:
            return None

    def guards(self, user_id: str) -> list[Guard]:
        items = ActiveGuardItem.query(
            key("USER", user_id), ActiveGuardItem.sk.startswith(GUARD_PREFIX), consistent_read=True
        )
        return [_to_guard(i) for i in items]

    def claim(self, guard: Guard, replacing: str | None, ttl: int, charge: Charge) -> Guard | None:
        gpk, gsk = guard_key(guard.user_id, guard.store_id)
        free = ActiveGuardItem.pk.does_not_exist()
        if replacing is not None:
            free = free | (ActiveGuardItem.ticket_id == replacing)
        item = ActiveGuardItem(gpk, gsk, ticket_id=guard.ticket_id, day=guard.day, claimed_at=guard.claimed_at, ttl=ttl)

        def build(tx: TransactWrite) -> None:
            tx.save(item, condition=free, return_values=ALL_OLD)
            ratelimit.add_charge(tx, charge)

        try:
            transact(build)
        except TransactWriteError as err:
            holder = failed_item(err, GUARD_PK_PREFIX)
            if holder is not None:
                return _to_guard(ActiveGuardItem.from_raw_data(holder))
            if ratelimit.refused(err):
                raise charge.refused() from None
            raise
        return None

    def next_number(self, store_id: str, day: str, ttl: int) -> int:
        item = QueueDayItem(*day_key(store_id, day))
        item.update(
            actions=[
                QueueDayItem.last_number.add(1),
                QueueDayItem.ttl.set(ttl),
                QueueDayItem.et.set(QueueDayItem.entity_type()),  # an UpdateItem creates it: name its type
            ]
        )
        return int(item.last_number)

    def create_ticket(self, ticket: Ticket, ttl: int) -> bool:
        gpk, gsk = guard_key(ticket.user_id, ticket.store_id)
        tpk, tsk = ticket_key(ticket.id)
        wpk, wsk = waiting_key(ticket.store_id, ticket.day, ticket.number)

        def build(tx: TransactWrite) -> None:
            tx.save(
                TicketItem(
                    tpk,
                    tsk,
                    store_id=ticket.store_id,
                    merchant_id=ticket.merchant_id,
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
                WaitingItem(
                    wpk,
                    wsk,
                    merchant_id=ticket.merchant_id,
                    ticket_id=ticket.id,
                    user_id=ticket.user_id,
                    created_at=ticket.created_at,
                    ttl=ttl,
                ),
                condition=WaitingItem.pk.does_not_exist(),
            )
            guard_actions: list[Action] = [ActiveGuardItem.number.set(ticket.number)]
            if ticket.merchant_id:
                guard_actions.append(ActiveGuardItem.merchant_id.set(ticket.merchant_id))
            tx.update(
                ActiveGuardItem(gpk, gsk), actions=guard_actions, condition=ActiveGuardItem.ticket_id == ticket.id
            )

        try:
            transact(build)
        except TransactWriteError as err:
            if "ConditionalCheckFailed" in {r.code for r in err.cancellation_reasons or [] if r is not None}:
                return False
            raise
        return True

    def call(self, store_id: str, day: str, slot: WaitingSlot, called_at: str) -> bool:
        tpk, tsk = ticket_key(slot.ticket_id)
        wpk, wsk = waiting_key(store_id, day, slot.number)
        dpk, dsk = day_key(store_id, day)

        def build(tx: TransactWrite, raise_now_serving: bool) -> None:
            tx.delete(WaitingItem(wpk, wsk), condition=WaitingItem.pk.exists())
            tx.update(
                TicketItem(tpk, tsk),
                actions=[TicketItem.status.set(TicketStatus.SERVING.value), TicketItem.called_at.set(called_at)],
                condition=TicketItem.status == TicketStatus.WAITING.value,
            )
            if raise_now_serving:
                tx.update(
                    QueueDayItem(dpk, dsk),
                    actions=[QueueDayItem.now_serving.set(slot.number)],
                    condition=QueueDayItem.now_serving.does_not_exist() | (QueueDayItem.now_serving < slot.number),
                )

        try:
            transact(lambda tx: build(tx, True))
            return True
        except TransactWriteError as err:
            if any(failed_conditions(err)[:2]):  # slot or ticket: someone else moved this ticket
                return False
            if not any(failed_conditions(err)):
                raise
        # Only now_serving was already past this number (a later ticket was called first): keep it.
        try:
            transact(lambda tx: build(tx, False))
        except TransactWriteError as err:
            if any(failed_conditions(err)):
                return False
            raise
        return True

    def finish(self, ticket: Ticket, status: TicketStatus, finished_at: str, served_seconds: float | None) -> Ticket:
        tpk, tsk = ticket_key(ticket.id)
        dpk, dsk = day_key(ticket.store_id, ticket.day)

        def build(tx: TransactWrite, *, with_guard: bool) -> None:
            if with_guard:
                _guard_deleted(tx, ticket)
            tx.update(
                TicketItem(tpk, tsk),
                actions=[TicketItem.status.set(status.value), TicketItem.finished_at.set(finished_at)],
                condition=TicketItem.status == TicketStatus.SERVING.value,
                return_values=ALL_OLD,
            )
            if served_seconds is not None:
                seconds = round(served_seconds)
                tx.update(
                    QueueDayItem(dpk, dsk),
                    actions=[
                        QueueDayItem.served_count.add(1),
                        QueueDayItem.served_seconds.add(seconds),
                        QueueDayItem.recent_seconds.set((QueueDayItem.recent_seconds | []).append([seconds])),
                    ],
                )

        return _settle(build, replace(ticket, status=status, finished_at=finished_at))

    def leave(self, ticket: Ticket, left_at: str) -> Ticket:
        tpk, tsk = ticket_key(ticket.id)
        wpk, wsk = waiting_key(ticket.store_id, ticket.day, ticket.number)

        def build(tx: TransactWrite, *, with_guard: bool) -> None:
            if with_guard:
                _guard_deleted(tx, ticket)
            tx.delete(WaitingItem(wpk, wsk))
            tx.update(
                TicketItem(tpk, tsk),
                actions=[TicketItem.status.set(TicketStatus.LEFT.value), TicketItem.finished_at.set(left_at)],
                condition=TicketItem.status == TicketStatus.WAITING.value,
                return_values=ALL_OLD,
            )

        return _settle(build, replace(ticket, status=TicketStatus.LEFT, finished_at=left_at))


def _query_prefix(pk: str, prefix: str) -> Iterator[dict[str, Any]]:
    """Every item of `pk` whose sort key starts with `prefix`, raw (they are of several types), in order."""
    connection = QueueDayItem._get_connection()
    start: dict[str, Any] | None = None
    while True:
        page = connection.query(
            pk,
            range_key_condition=QueueDayItem.sk.startswith(prefix),
            consistent_read=True,
            exclusive_start_key=start,
        )
        yield from page.get("Items", [])
        start = page.get("LastEvaluatedKey")
        if not start:
            return
