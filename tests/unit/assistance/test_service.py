"""Assistance use cases against in-memory ports (no AWS): who is told, who may move a request, how a
refused write explains itself, and the per-user limits."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.assistance import rules, service
from chalicelib.assistance.domain import Status
from chalicelib.core.auth import Principal, Role
from chalicelib.core.errors import Conflict, Forbidden, NotFound
from chalicelib.core.ids import stable_id
from chalicelib.core.ratelimit import RateLimited
from chalicelib.identity.domain import StoreStaff
from chalicelib.stores.domain import Store
from tests.fakes.assistance import FakeAssistanceWorld

NOW = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)  # Monday 12:00 in Shanghai
STORE = Store("s1", "m1", "协助店", "地址", "021", 31.2, 121.4, "Asia/Shanghai", {}, {})
CUSTOMER = Principal("u-c", Role.CUSTOMER)
TAKER = Principal("u-taker", Role.STAFF, "m1", frozenset({"s1"}))
COLLEAGUE = Principal("u-colleague", Role.STAFF, "m1", frozenset({"s1"}))
ADMIN = Principal("u-admin", Role.ADMIN, "m1")


@pytest.fixture
def world() -> FakeAssistanceWorld:
    found = FakeAssistanceWorld()
    found.stores[STORE.id] = STORE
    found.staff[STORE.id] = [StoreStaff("u-taker", None, "小王"), StoreStaff("u-colleague", {"mon": []})]
    return found


def raise_one(world: FakeAssistanceWorld, timestamp: int = 1, user_id: str = "u-c"):
    return service.create_request(world.ports, STORE, user_id, "找商品", "酸奶", timestamp, NOW)


def test_a_request_is_stored_once_and_tells_the_staff_on_shift(world) -> None:
    request = raise_one(world)
    assert request.merchant_id == "m1" and request.status is Status.PENDING
    assert [n.user_id for n in world.published] == ["u-taker"]  # the colleague has no shift on Monday
    assert raise_one(world) == request and len(world.published) == 1  # a retry notifies no one again
    world.repo.requests[stable_id("ar", STORE.id, "u-thief", "1")] = replace(request, user_id="u-c")
    with pytest.raises(Conflict) as taken:
        service.create_request(world.ports, STORE, "u-thief", "x", "", 1, NOW)
    assert taken.value.code == "DUPLICATE_REQUEST"


def test_the_request_limit_counts_new_requests_only(world) -> None:
    for timestamp in range(rules.REQUEST_LIMIT.limit):
        raise_one(world, timestamp)
    raise_one(world, 0)  # a retry of a stored one
    with pytest.raises(RateLimited) as refused:
        raise_one(world, 99)
    assert refused.value.retry_after_seconds == 600
    assert len(world.repo.requests) == rules.REQUEST_LIMIT.limit
    raise_one(world, 99, user_id="u-someone-else")  # the limit is per user
    with pytest.raises(RateLimited):
        service.create_request(world.ports, STORE, "u-c", "x", "", 101, NOW + timedelta(minutes=9))
    assert service.create_request(world.ports, STORE, "u-c", "x", "", 102, NOW + timedelta(minutes=10)).id


def test_the_status_is_the_requesters_and_the_stores_staff(world) -> None:
    request = raise_one(world)
    assert service.request_status(world.ports, request.id, CUSTOMER) == request
    assert service.request_status(world.ports, request.id, ADMIN) == request
    for outsider in (Principal("u-x", Role.CUSTOMER), Principal("u-far", Role.STAFF, "m1", frozenset({"s2"}))):
        with pytest.raises(Forbidden):
            service.request_status(world.ports, request.id, outsider)
    with pytest.raises(NotFound):
        service.request_status(world.ports, "ar_missing", CUSTOMER)


def test_moves_go_forward_by_whoever_took_the_request(world) -> None:
    request = raise_one(world)
    world.published.clear()
    with pytest.raises(Conflict) as early:
        service.change_status(world.ports, request.id, TAKER, Status.APPROACHING, NOW)
    assert early.value.code == "INVALID_TRANSITION"
    taken = service.change_status(world.ports, request.id, TAKER, Status.ASSIGNED, NOW)
    assert (taken.staff_id, taken.staff_name) == ("u-taker", "小王")
    reads = world.repo.reads
    assert service.change_status(world.ports, request.id, TAKER, Status.ASSIGNED, NOW) == taken
    assert world.repo.reads == reads + 1  # a repeat is answered from its one read, nothing written
    with pytest.raises(Conflict) as second:
        service.change_status(world.ports, request.id, COLLEAGUE, Status.ASSIGNED, NOW)
    assert second.value.code == "ALREADY_ASSIGNED"
    with pytest.raises(Forbidden):
        service.change_status(world.ports, request.id, COLLEAGUE, Status.APPROACHING, NOW)
    with pytest.raises(Forbidden):
        service.change_status(world.ports, request.id, CUSTOMER, Status.APPROACHING, NOW)
    done = service.change_status(world.ports, request.id, ADMIN, Status.COMPLETED, NOW)  # admins may finish it
    assert done.status is Status.COMPLETED
    assert [(n.user_id, n.data["status"]) for n in world.published] == [("u-c", "assigned"), ("u-c", "completed")]


def test_a_request_taken_meanwhile_is_explained_by_the_refused_write(world) -> None:
    """Read pending, then a colleague takes it before our write: the write's answer says so."""
    request = raise_one(world)
    real_move = world.repo.move

    def colleague_first(*args, **kwargs):
        real_move(
            request,
            Status.ASSIGNED,
            frozenset({Status.PENDING}),
            "t",
            staff_id="u-colleague",
            staff_name="",
            require_assignee=True,
        )
        return real_move(*args, **kwargs)

    world.repo.move = colleague_first
    with pytest.raises(Conflict) as lost:
        service.change_status(world.ports, request.id, TAKER, Status.ASSIGNED, NOW)
    assert lost.value.code == "ALREADY_ASSIGNED"


def test_feedback_once_by_the_requester_after_completion(world) -> None:
    request = raise_one(world)
    with pytest.raises(Conflict) as early:
        service.give_feedback(world.ports, request.id, CUSTOMER, 5, "", NOW)
    assert early.value.code == "NOT_COMPLETED"
    service.change_status(world.ports, request.id, TAKER, Status.ASSIGNED, NOW)
    service.change_status(world.ports, request.id, TAKER, Status.COMPLETED, NOW)
    with pytest.raises(Forbidden):
        service.give_feedback(world.ports, request.id, TAKER, 5, "", NOW)
    rated = service.give_feedback(world.ports, request.id, CUSTOMER, 4, "很快", NOW)
    assert (rated.rating, rated.comment) == (4, "很快")
    with pytest.raises(Conflict) as again:
        service.give_feedback(world.ports, request.id, CUSTOMER, 1, "", NOW)
    assert again.value.code == "FEEDBACK_ALREADY_GIVEN"
    with pytest.raises(NotFound):
        service.give_feedback(world.ports, "ar_missing", CUSTOMER, 1, "", NOW)


def test_messages_store_once_notify_the_customer_of_staff_replies_and_are_limited(world) -> None:
    mine = service.send_message(world.ports, STORE, CUSTOMER, None, "在吗", 1, NOW)
    assert service.send_message(world.ports, STORE, CUSTOMER, None, "在吗", 1, NOW) == mine
    reply = service.send_message(world.ports, STORE, TAKER, "u-c", "在的", 2, NOW)
    assert reply.from_staff and [n.kind for n in world.published] == ["staff_message"]
    assert service.conversation(world.ports, STORE, CUSTOMER, None, 10) == [mine, reply]
    with pytest.raises(Forbidden):
        service.send_message(world.ports, STORE, Principal("u-x", Role.CUSTOMER), "u-c", "hi", 3, NOW)
    for timestamp in range(rules.MESSAGE_LIMIT.limit - 1):
        service.send_message(world.ports, STORE, CUSTOMER, None, "hello", 100 + timestamp, NOW)
    with pytest.raises(RateLimited):
        service.send_message(world.ports, STORE, CUSTOMER, None, "hello", 9999, NOW)
