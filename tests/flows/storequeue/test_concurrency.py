"""Queue invariants under concurrency against moto server, and the called customer's notification."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib.core.clock import ManualClock
from chalicelib.notifications import models as inbox
from chalicelib.storequeue import service, views
from chalicelib.storequeue.adapters import live_ports
from chalicelib.storequeue.domain import Ticket, TicketStatus
from chalicelib.storequeue.models import QueueTable
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
    return [slot.user_id for slot in QueueTable().line(store.id, DAY).waiting]


def join(store: stores.Store, user_id: str) -> Ticket:
    return service.join(live_ports(), store, user_id, NOON)


def details(ticket: Ticket, store: stores.Store) -> dict[str, Any]:
    return views.place_view(service.place(live_ports(), ticket, store, NOON))


def info(store: stores.Store) -> dict[str, Any]:
    return views.queue_view(service.queue_info(live_ports(), store, NOON))


def test_30_concurrent_joins_get_numbers_1_to_30(store) -> None:
    users = [f"u{i}" for i in range(30)]
    with ThreadPoolExecutor(max_workers=30) as pool:
        tickets = list(pool.map(lambda u: join(store, u), users))
    assert sorted(t.number for t in tickets) == list(range(1, 31))
    assert len({t.id for t in tickets}) == 30
    by_number = {t.number: t.user_id for t in tickets}
    assert waiting_users(store) == [by_number[n] for n in range(1, 31)]
    last = max(tickets, key=lambda t: t.number)
    assert details(last, store)["position"] == 29


def test_one_user_joining_ten_times_at_once_gets_one_ticket(store) -> None:
    with ThreadPoolExecutor(max_workers=10) as pool:
        tickets = list(pool.map(lambda _: join(store, "u-eager"), range(10)))
    assert len({t.id for t in tickets}) == 1
    assert [s.ticket_id for s in QueueTable().line(store.id, DAY).waiting] == [tickets[0].id]
    assert info(store)["lastIssued"] == 1  # the nine that lost the claim drew no number


def test_concurrent_joins_and_leaves_keep_positions_consistent(store) -> None:
    first = [f"a{i}" for i in range(16)]
    later = [f"b{i}" for i in range(16)]
    early_tickets = {t.user_id: t for t in (join(store, u) for u in first)}
    leaving = first[::2]

    def act(user_id: str) -> None:
        if user_id in early_tickets:
            ticket = early_tickets[user_id]
            service.leave(live_ports(), ticket.id, _principal(user_id), NOON)
        else:
            join(store, user_id)

    with ThreadPoolExecutor(max_workers=32) as pool:
        list(pool.map(act, leaving + later))

    line = waiting_users(store)
    assert len(line) == len(set(line)) == 24
    assert set(line) == (set(first) - set(leaving)) | set(later)
    assert line[:8] == [u for u in first if u not in leaving]  # those who stayed keep their place, in order
    for user_id in (line[0], line[12], line[-1]):
        ticket, shop = service.active_tickets(live_ports(), user_id, NOON, store.id)[0]
        assert details(ticket, shop)["position"] == line.index(user_id)
    assert info(store)["queueLength"] == 24


def test_two_staff_calling_at_once_never_serve_a_ticket_twice(store) -> None:
    for i in range(10):
        join(store, f"c{i}")
    with ThreadPoolExecutor(max_workers=16) as pool:
        called = list(pool.map(lambda _: service.call_next(live_ports(), store, NOON)[0], range(16)))
    served = [t for t in called if t is not None]
    assert len(served) == 10 and len({t.id for t in served}) == 10
    assert all(t.status is TicketStatus.SERVING for t in served)
    assert all(live_ports().repo.get_ticket(t.id) == t for t in served)  # answered without a re-read, yet exact
    after = info(store)
    assert after["queueLength"] == 0 and after["nowServing"] == 10


def test_called_customer_is_notified_once(store, aws) -> None:
    from app import app

    runner = EventRunner(app, ManualClock(NOON), [aws.scheduler_group], REGION)
    ticket = join(store, "u-called")
    assert service.call_next(live_ports(), store, NOON)[0] is not None
    runner.drain_queues()
    entries = inbox.inbox("u-called", 10)
    assert [(e.id, e.kind, e.data["number"]) for e in entries] == [(f"queue-called-{ticket.id}", "queue_called", 1)]


def _principal(user_id: str):
    from chalicelib.core.auth import Principal, Role

    return Principal(user_id=user_id, role=Role.CUSTOMER)


def _http(url: str, method: str, headers: dict[str, str], body: object = None) -> tuple[int, dict[str, Any]]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json", **headers}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_forty_concurrent_joins_by_one_user_burn_no_queue_number(store, api_url, login) -> None:
    """Over real HTTP (the app's threaded server): the number is drawn only after the one-ticket
    guard is claimed, so the 39 joins that lose the claim draw none (it was 17 -> 46 before)."""
    eager = login()
    join_url = f"{api_url}/api/queue/join"
    with ThreadPoolExecutor(max_workers=40) as pool:
        answers = list(pool.map(lambda _: _http(join_url, "POST", eager, {"storeId": store.id}), range(40)))
    assert {status for status, _ in answers} == {200}, answers
    assert len({body["ticket"]["id"] for _, body in answers}) == 1
    _, state = _http(f"{api_url}/api/stores/{store.id}/queue", "GET", eager)
    assert (state["lastIssued"], state["queueLength"]) == (1, 1)
    _, second = _http(join_url, "POST", login(), {"storeId": store.id})
    assert second["ticket"]["number"] == 2
