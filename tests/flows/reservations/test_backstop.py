"""The TTL backstop for reservation expiry, through the event runner with a manual clock: a lost
timer still returns the stock (once), a closed reservation leaves nothing for TTL, and the timer
and the backstop racing return the stock once."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import boto3

from chalicelib.core.auth import Principal, Role
from chalicelib.core.streams import entity_type
from chalicelib.core.timers import timer_name
from chalicelib.notifications import models as notification_models
from chalicelib.reservations import models, service
from chalicelib.reservations.area import RESERVATION_EXPIRY
from chalicelib.reservations.rules import SENTINEL_AFTER_EXPIRY
from devstack.event_runner import EventRunner, lambda_context
from tests.flows.reservations.support import PORTS, STORE, customer, put_product, units

HOLD = timedelta(hours=PORTS.settings.hold_hours)


class Spy:
    """Records every event the runner hands the stream handler, then passes it on."""

    def __init__(self, runner: EventRunner) -> None:
        (self.binding,) = runner.streams
        self.handler = self.binding.handler
        self.events: list[dict[str, Any]] = []
        self.binding.handler = self

    def __call__(self, event: dict[str, Any], context: Any) -> Any:
        self.events.append(event)
        return self.handler(event, context)

    def ttl_records(self) -> list[dict[str, Any]]:
        return [r for e in self.events for r in e["Records"] if "userIdentity" in r]


def status(reservation_id: str) -> str:
    reservation = models.get(reservation_id)
    assert reservation is not None
    return reservation.status


def has_sentinel(reservation_id: str) -> bool:
    try:
        models.ExpirySentinel.get(*models.sentinel_key(reservation_id), consistent_read=True)
    except models.ExpirySentinel.DoesNotExist:
        return False
    return True


def lose_timer(aws: Any, reservation_id: str) -> None:
    boto3.client("scheduler").delete_schedule(
        Name=timer_name(RESERVATION_EXPIRY, reservation_id), GroupName=aws.scheduler_group
    )


def test_lost_timer_is_backed_up_by_ttl_exactly_once(aws, runner, manual_clock) -> None:
    spy = Spy(runner)
    put_product("milk", 5)
    held = service.reserve(PORTS, customer(1), STORE, "milk", 2, None, manual_clock.now())
    assert units("milk") == 3 and has_sentinel(held.id)
    lose_timer(aws, held.id)

    manual_clock.advance(HOLD + SENTINEL_AFTER_EXPIRY - timedelta(minutes=1))
    runner.tick()
    assert status(held.id) == "open" and units("milk") == 3  # no timer, and TTL is not due yet

    manual_clock.advance(timedelta(minutes=1))
    runner.tick()
    runner.tick()  # the notification the expiry published
    assert status(held.id) == "expired"
    assert units("milk") == 5
    assert not has_sentinel(held.id)
    assert [n.kind for n in notification_models.inbox("u1", 10)] == ["reservation_expired"]

    (ttl_record,) = spy.ttl_records()
    assert ttl_record["eventName"] == "REMOVE"
    assert ttl_record["userIdentity"] == {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
    assert ttl_record["eventSourceARN"] == aws.table_stream_arn
    assert ttl_record["dynamodb"]["Keys"] == {"pk": {"S": f"RESEXPIRY#{held.id}"}, "sk": {"S": "SENTINEL"}}
    assert ttl_record["dynamodb"]["OldImage"]["reservation_id"] == {"S": held.id}

    # Lambda delivers stream records at least once: the same record twice more changes nothing.
    for _ in range(2):
        result = spy.handler({"Records": [ttl_record]}, lambda_context("table_stream_consumer"))
        assert result == {"batchItemFailures": []}
    runner.tick()
    assert units("milk") == 5 and status(held.id) == "expired"
    assert len(notification_models.inbox("u1", 10)) == 1
    # The hold count was released once: the customer may hold two again, not three.
    service.reserve(PORTS, customer(1), STORE, "milk", 1, None, manual_clock.now())
    service.reserve(PORTS, customer(1), STORE, "milk", 1, None, manual_clock.now())
    assert units("milk") == 3


def test_closed_reservations_leave_nothing_for_ttl(aws, runner, manual_clock) -> None:
    spy = Spy(runner)
    put_product("bread", 4)
    picked = service.reserve(PORTS, customer(1), STORE, "bread", 1, None, manual_clock.now())
    cancelled = service.reserve(PORTS, customer(2), STORE, "bread", 1, None, manual_clock.now())
    staff = Principal(user_id="staff", role=Role.STAFF, merchant_id="m1", store_ids=frozenset({STORE}))
    service.pickup(PORTS, staff, picked.id, picked.pickup_code, manual_clock.now())
    service.cancel(PORTS, customer(2), cancelled.id, manual_clock.now())
    assert not has_sentinel(picked.id) and not has_sentinel(cancelled.id)
    assert units("bread") == 3

    manual_clock.advance(HOLD + SENTINEL_AFTER_EXPIRY + timedelta(hours=1))
    runner.tick()
    assert runner.sweep_ttl() == 0
    assert spy.ttl_records() == []
    assert status(picked.id) == "picked_up" and status(cancelled.id) == "cancelled"
    assert units("bread") == 3
    # None of the writes above (inserts, updates, our own sentinel deletes) got past the backstop's
    # filter, as deployed: the only records delivered are the reservations' own changes, which
    # analytics' counter feed subscribes to (no sentinel, no hold, no stock record).
    delivered = {entity_type(r) for e in spy.events for r in e["Records"]}
    assert delivered <= {"Reservation"}


def test_timer_and_backstop_racing_return_stock_once(aws, runner, manual_clock) -> None:
    spy = Spy(runner)
    put_product("egg", 3)
    held = service.reserve(PORTS, customer(1), STORE, "egg", 3, None, manual_clock.now())
    runner.deliver_stream_records()  # the reservation's own writes, out of the way
    manual_clock.advance(HOLD + SENTINEL_AFTER_EXPIRY + timedelta(minutes=5))  # e.g. a Scheduler outage

    assert runner.deliver_due_schedules() == 1  # the timer's message is on the queue
    assert runner.sweep_ttl() == 1  # and TTL took the sentinel: both are about to run
    start = threading.Barrier(2)

    def timer() -> None:
        start.wait()
        runner.drain_queues()

    def backstop() -> None:
        start.wait()
        runner.deliver_stream_records()

    threads = [threading.Thread(target=timer), threading.Thread(target=backstop)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    runner.tick()

    assert len(spy.ttl_records()) == 1
    assert status(held.id) == "expired"
    assert units("egg") == 3
    assert len(notification_models.inbox("u1", 10)) == 1
    service.reserve(PORTS, customer(1), STORE, "egg", 1, None, manual_clock.now())
    service.reserve(PORTS, customer(1), STORE, "egg", 1, None, manual_clock.now())
