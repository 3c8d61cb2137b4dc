"""Queue invariants under concurrency against moto server, and the called customer's notification."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest

from chalicelib.core.clock import ManualClock
from chalicelib.notifications import models as inbox
from chalicelib.storequeue import models, service
from chalicelib.storequeue.rules import TicketStatus
from chalicelib.stores import models as stores
from devstack.event_runner import EventRunner
from devstack.stack import REGION

NOON = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)  # Monday 12:00 in Shanghai
DAY = "2026-11-23"
ALWAYS_OPEN = {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


@pytest.fixture
def store(aws) -> stores.Store:
    shop = stores.Store(
        "s-q",
        "m-q",
        "排队测试店",
        "地址",
        "021-1",
        31.2,
        121.4,
        "Asia/Shanghai",
        ALWAYS_OPEN,
        {"averageServiceMinutes": 3},
    )
    stores.put_store(shop)
    return shop


def waiting_users(store: stores.Store) -> list[str]:
    """Users of the waiting line in number order (one Query, as position lookups use)."""
    return [slot.user_id for slot in models.waiting_line(store.id, DAY)]


def test_30_concurrent_joins_get_numbers_1_to_30(store) -> None:
    users = [f"u{i}" for i in range(30)]
    with ThreadPoolExecutor(max_workers=30) as pool:
        tickets = list(pool.map(lambda u: service.join(store, u, NOON), users))
    assert sorted(t.number for t in tickets) == list(range(1, 31))
    assert len({t.id for t in tickets}) == 30
    by_number = {t.number: t.user_id for t in tickets}
    assert waiting_users(store) == [by_number[n] for n in range(1, 31)]
    last = max(tickets, key=lambda t: t.number)
    assert service.ticket_details(last, store, NOON)["position"] == 29


def test_one_user_joining_ten_times_at_once_gets_one_ticket(store) -> None:
    with ThreadPoolExecutor(max_workers=10) as pool:
        tickets = list(pool.map(lambda _: service.join(store, "u-eager", NOON), range(10)))
    assert len({t.id for t in tickets}) == 1
    assert [s.ticket_id for s in models.waiting_line(store.id, DAY)] == [tickets[0].id]


def test_concurrent_joins_and_leaves_keep_positions_consistent(store) -> None:
    first = [f"a{i}" for i in range(16)]
    later = [f"b{i}" for i in range(16)]
    early_tickets = {t.user_id: t for t in (service.join(store, u, NOON) for u in first)}
    leaving = first[::2]

    def act(user_id: str) -> None:
        if user_id in early_tickets:
            ticket = early_tickets[user_id]
            service.leave(ticket, _principal(user_id), NOON)
        else:
            service.join(store, user_id, NOON)

    with ThreadPoolExecutor(max_workers=32) as pool:
        list(pool.map(act, leaving + later))

    line = waiting_users(store)
    assert len(line) == len(set(line)) == 24
    assert set(line) == (set(first) - set(leaving)) | set(later)
    assert line[:8] == [u for u in first if u not in leaving]  # those who stayed keep their place, in order
    for user_id in (line[0], line[12], line[-1]):
        ticket, shop = service.active_tickets(user_id, NOON, store.id)[0]
        assert service.ticket_details(ticket, shop, NOON)["position"] == line.index(user_id)
    assert service.queue_info(store, NOON)["queueLength"] == 24


def test_two_staff_calling_at_once_never_serve_a_ticket_twice(store) -> None:
    for i in range(10):
        service.join(store, f"c{i}", NOON)
    with ThreadPoolExecutor(max_workers=16) as pool:
        called = list(pool.map(lambda _: service.call_next(store, NOON), range(16)))
    served = [t for t in called if t is not None]
    assert len(served) == 10 and len({t.id for t in served}) == 10
    assert all(t.status is TicketStatus.SERVING for t in served)
    info = service.queue_info(store, NOON)
    assert info["queueLength"] == 0 and info["nowServing"] == 10


def test_called_customer_is_notified_once(store, aws) -> None:
    from app import app

    runner = EventRunner(app, ManualClock(NOON), [aws.scheduler_group], REGION)
    ticket = service.join(store, "u-called", NOON)
    assert service.call_next(store, NOON) is not None
    runner.drain_queues()
    entries = inbox.inbox("u-called", 10)
    assert [(e.id, e.kind, e.data["number"]) for e in entries] == [(f"queue-called-{ticket.id}", "queue_called", 1)]


def _principal(user_id: str):
    from chalicelib.core.auth import Principal, Role

    return Principal(user_id=user_id, role=Role.CUSTOMER)
