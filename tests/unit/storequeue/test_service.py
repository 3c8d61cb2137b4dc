"""Queue use cases against in-memory ports (no AWS): joins that never burn a number, the one-ticket
guard, leaving, calling and finishing, each answered without reading an item twice."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.core.auth import Principal, Role
from chalicelib.core.errors import Conflict, Forbidden, NotFound
from chalicelib.core.ratelimit import RateLimited
from chalicelib.storequeue import rules, service
from chalicelib.storequeue.domain import Guard, Ticket, TicketStatus
from chalicelib.stores.domain import Store
from tests.fakes.storequeue import FakeQueueWorld

NOON = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)  # Monday 12:00 in Shanghai
DAY = "2026-11-23"
ALWAYS = {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
STORE = Store("s1", "m1", "店", "地址", "021", 31.2, 121.4, "Asia/Shanghai", ALWAYS, {"averageServiceMinutes": 4})
STAFF = Principal("u-staff", Role.STAFF, "m1", frozenset({"s1"}))


@pytest.fixture
def world() -> FakeQueueWorld:
    found = FakeQueueWorld()
    found.stores[STORE.id] = STORE
    return found


def customer(user_id: str) -> Principal:
    return Principal(user_id, Role.CUSTOMER)


def test_joins_number_the_line_and_a_repeat_returns_the_held_ticket(world) -> None:
    first = service.join(world.ports, STORE, "u1", NOON)
    second = service.join(world.ports, STORE, "u2", NOON)
    assert (first.number, second.number, first.merchant_id) == (1, 2, "m1")
    assert service.join(world.ports, STORE, "u1", NOON) == first
    assert world.repo.numbers_drawn == 2
    place = service.place(world.ports, second, STORE, NOON)
    assert (place.waiting_numbers, place.average_minutes) == ([1, 2], 4.0)


def test_a_join_waits_for_a_racing_join_of_the_same_user_instead_of_drawing_a_number(world) -> None:
    """Another request of the user holds the claim but has not written its ticket yet."""
    racing = Guard("u1", STORE.id, "qt_racing", DAY, "2026-11-23T04:00:00Z")
    world.repo.guards_by_key[("u1", STORE.id)] = racing

    def the_other_request_finishes() -> None:
        if world.repo.get_ticket("qt_racing") is None and len(world.pauses) == 3:
            ticket = Ticket(
                "qt_racing",
                STORE.id,
                "u1",
                DAY,
                world.repo.next_number(STORE.id, DAY, 0),
                TicketStatus.WAITING,
                "2026-11-23T04:00:00Z",
                merchant_id="m1",
            )
            assert world.repo.create_ticket(ticket, 0)

    world.meanwhile = the_other_request_finishes
    ticket = service.join(world.ports, STORE, "u1", NOON)
    assert ticket.id == "qt_racing" and world.repo.numbers_drawn == 1
    assert world.pauses == [rules.claim_wait_seconds(i) for i in range(3)]


def test_a_claim_abandoned_by_a_dead_request_is_taken_over(world) -> None:
    stale_claim = NOON - rules.CLAIM_ABANDONED_AFTER
    world.repo.guards_by_key[("u1", STORE.id)] = Guard(
        "u1", STORE.id, "qt_dead", DAY, stale_claim.strftime("%Y-%m-%dT%H:%M:%SZ")
    )
    ticket = service.join(world.ports, STORE, "u1", NOON)
    assert ticket.id != "qt_dead" and ticket.number == 1 and world.pauses == []


def test_a_racing_join_that_never_finishes_answers_busy_after_bounded_waits(world) -> None:
    world.repo.guards_by_key[("u1", STORE.id)] = Guard("u1", STORE.id, "qt_slow", DAY, "2026-11-23T04:00:00Z")
    with pytest.raises(Conflict) as busy:
        service.join(world.ports, STORE, "u1", NOON)
    assert busy.value.code == "QUEUE_BUSY"
    assert world.repo.numbers_drawn == 0 and sum(world.pauses) < 5


def test_yesterdays_ticket_is_void_and_its_guard_replaced(world) -> None:
    old = service.join(world.ports, STORE, "u1", NOON)
    tomorrow = NOON + timedelta(days=1)
    new = service.join(world.ports, STORE, "u1", tomorrow)
    assert new.id != old.id and (new.day, new.number) == ("2026-11-24", 1)
    assert service.active_tickets(world.ports, "u1", tomorrow) == [(new, STORE)]


def test_a_closed_store_issues_nothing_but_shows_the_ticket_already_held(world) -> None:
    daytime = replace(STORE, opening_hours={d: [["07:00", "22:00"]] for d in ALWAYS})
    ticket = service.join(world.ports, daytime, "u1", NOON)
    night = NOON + timedelta(hours=11)  # 23:00 in Shanghai, same business day
    assert service.join(world.ports, daytime, "u1", night) == ticket
    with pytest.raises(Conflict) as closed:
        service.join(world.ports, daytime, "u2", night)
    assert closed.value.code == "STORE_CLOSED" and world.repo.numbers_drawn == 1


def test_the_join_limit_refuses_before_any_number_is_drawn(world) -> None:
    for _ in range(rules.JOIN_LIMIT.limit):
        ticket = service.join(world.ports, STORE, "u1", NOON)
        service.leave(world.ports, ticket.id, customer("u1"), NOON)
    with pytest.raises(RateLimited) as refused:
        service.join(world.ports, STORE, "u1", NOON + timedelta(minutes=15))
    assert refused.value.retry_after_seconds == 45 * 60
    assert world.repo.numbers_drawn == rules.JOIN_LIMIT.limit
    assert world.repo.get_guard("u1", STORE.id) is None
    assert service.join(world.ports, STORE, "u1", NOON + timedelta(hours=1)).number == rules.JOIN_LIMIT.limit + 1


def test_leave_is_the_holders_and_repeatable(world) -> None:
    ticket = service.join(world.ports, STORE, "u1", NOON)
    with pytest.raises(Forbidden):
        service.leave(world.ports, ticket.id, customer("u2"), NOON)
    left = service.leave(world.ports, ticket.id, customer("u1"), NOON)
    assert left.status is TicketStatus.LEFT and world.repo.get_guard("u1", STORE.id) is None
    assert service.leave(world.ports, ticket.id, customer("u1"), NOON) == left
    with pytest.raises(NotFound):
        service.leave(world.ports, "qt_missing", customer("u1"), NOON)


def test_a_called_ticket_cannot_be_left(world) -> None:
    ticket = service.join(world.ports, STORE, "u1", NOON)
    service.call_next(world.ports, STORE, NOON)
    with pytest.raises(Conflict) as serving:
        service.leave(world.ports, ticket.id, customer("u1"), NOON)
    assert serving.value.code == "TICKET_NOT_WAITING"


def test_call_next_skips_a_ticket_another_caller_took_and_answers_from_its_one_read(world) -> None:
    tickets = [service.join(world.ports, STORE, f"u{i}", NOON) for i in range(3)]
    world.repo.calls_lost.add(tickets[0].id)
    called, state = service.call_next(world.ports, STORE, NOON)
    assert called == world.repo.get_ticket(tickets[1].id)
    assert called is not None and called.status is TicketStatus.SERVING
    assert (state.line.numbers, state.line.day.now_serving, state.line.day.last_number) == ([3], 2, 3)
    assert [(n.id, n.user_id) for n in world.published] == [(f"queue-called-{tickets[1].id}", "u1")]
    world.repo.calls_lost.clear()
    service.call_next(world.ports, STORE, NOON)
    nobody, empty = service.call_next(world.ports, STORE, NOON)
    assert nobody is None and empty.line.waiting == ()


def test_finish_is_for_the_stores_staff_and_a_repeat_answers_the_same(world) -> None:
    ticket = service.join(world.ports, STORE, "u1", NOON)
    with pytest.raises(Conflict) as waiting:
        service.finish(world.ports, ticket.id, TicketStatus.COMPLETED, STAFF, NOON)
    assert waiting.value.code == "TICKET_NOT_SERVING"
    service.call_next(world.ports, STORE, NOON)
    elsewhere = Principal("u-far", Role.STAFF, "m1", frozenset({"s2"}))
    with pytest.raises(Forbidden):
        service.finish(world.ports, ticket.id, TicketStatus.COMPLETED, elsewhere, NOON)
    later = NOON + timedelta(minutes=3)
    done = service.finish(world.ports, ticket.id, TicketStatus.COMPLETED, STAFF, later)
    assert done.status is TicketStatus.COMPLETED and world.repo.get_guard("u1", STORE.id) is None
    assert service.finish(world.ports, ticket.id, TicketStatus.COMPLETED, STAFF, later) == done
    with pytest.raises(Conflict):
        service.finish(world.ports, ticket.id, TicketStatus.NO_SHOW, STAFF, later)
    assert world.repo.line(STORE.id, DAY).day.recent_seconds == (180.0,)
    admin = Principal("u-admin", Role.ADMIN, "m1")
    legacy = replace(service.join(world.ports, STORE, "u2", NOON), merchant_id=None)  # no merchant on it
    world.repo.tickets[legacy.id] = legacy
    service.call_next(world.ports, STORE, NOON)
    assert service.finish(world.ports, legacy.id, TicketStatus.NO_SHOW, admin, NOON).status is TicketStatus.NO_SHOW
