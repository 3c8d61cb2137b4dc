"""Reservations against moto server: the last-units race, the per-user limit under concurrency,
and expiry through EventBridge Scheduler and the event runner with an injected clock."""

from __future__ import annotations

import dataclasses
import json
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import boto3
import pytest

from chalicelib.core.auth import Principal, Role
from chalicelib.core.clock import clock
from chalicelib.core.errors import Conflict
from chalicelib.core.resources import TIMERS_QUEUE
from chalicelib.notifications import models as notification_models
from chalicelib.reservations import models, service
from chalicelib.reservations.area import RESERVATION_EXPIRY
from chalicelib.reservations.domain import ReservationStatus
from devstack.event_runner import EventRunner
from tests.flows.reservations.support import PORTS, STORE, customer, put_product, units


def test_50_customers_race_for_10_units(shop) -> None:
    put_product("hot", 10)
    now = clock().now()

    def attempt(n: int) -> str:
        try:
            service.reserve(PORTS, customer(n), STORE, "hot", 1, None, now)
            return "ok"
        except Conflict as err:
            return err.code

    with ThreadPoolExecutor(max_workers=50) as pool:
        outcomes = list(pool.map(attempt, range(50)))

    assert outcomes.count("ok") == 10
    assert outcomes.count("OUT_OF_STOCK") == 40
    assert units("hot") == 0
    held = models.of_store(STORE, ReservationStatus.OPEN, 100)
    assert len(held) == 10 and len({r.user_id for r in held}) == 10


def test_one_customer_hammering_gets_only_the_limit(shop) -> None:
    put_product("plenty", 100)
    now = clock().now()

    def attempt(_: int) -> str:
        try:
            service.reserve(PORTS, customer("greedy"), STORE, "plenty", 1, None, now)
            return "ok"
        except Conflict as err:
            return err.code

    with ThreadPoolExecutor(max_workers=20) as pool:
        outcomes = list(pool.map(attempt, range(20)))
    assert outcomes.count("ok") == 2
    assert outcomes.count("RESERVATION_LIMIT") == 18
    assert units("plenty") == 98


def test_expiry_returns_stock_exactly_once(runner, manual_clock) -> None:
    put_product("milk", 5)
    held = service.reserve(PORTS, customer(1), STORE, "milk", 2, None, manual_clock.now())
    assert units("milk") == 3

    manual_clock.advance(timedelta(hours=23, minutes=59))
    runner.tick()
    assert models.get(held.id).status == "open"  # type: ignore[union-attr]

    manual_clock.advance(timedelta(minutes=1))
    runner.tick()
    expired = models.get(held.id)
    assert expired is not None and expired.status == "expired"
    assert units("milk") == 5
    assert service.of_user(PORTS, customer(1), None, ReservationStatus.EXPIRED, 10)[0].id == held.id
    inbox = notification_models.inbox("u1", 10)
    assert [(n.kind, n.data["reservationId"]) for n in inbox] == [("reservation_expired", held.id)]

    # The schedule fires again (EventBridge is at-least-once): nothing changes.
    sqs = boto3.client("sqs")
    message = json.dumps({"kind": RESERVATION_EXPIRY.name, "key": held.id, "payload": {}})
    sqs.send_message(QueueUrl=runner_queue(runner), MessageBody=message)
    sqs.send_message(QueueUrl=runner_queue(runner), MessageBody=message)
    runner.drain_queues()
    assert units("milk") == 5
    assert len(notification_models.inbox("u1", 10)) == 1
    # The hold was released: the customer may reserve twice again.
    service.reserve(PORTS, customer(1), STORE, "milk", 1, None, manual_clock.now())
    service.reserve(PORTS, customer(1), STORE, "milk", 1, None, manual_clock.now())


def test_expiry_notice_survives_a_failed_first_publish(runner, manual_clock) -> None:
    put_product("eggs", 3)
    held = service.reserve(PORTS, customer(3), STORE, "eggs", 1, None, manual_clock.now())
    real_publish = PORTS.publish
    queue_down = iter([True])

    def publish_once_failing(note: Any) -> None:
        if next(queue_down, False):
            raise RuntimeError("notifications queue unavailable")
        real_publish(note)

    ports = dataclasses.replace(PORTS, publish=publish_once_failing)
    manual_clock.advance(timedelta(hours=24))
    with pytest.raises(RuntimeError):  # the timer message fails and SQS redelivers it
        service.expire(ports, held.id, manual_clock.now())
    service.expire(ports, held.id, manual_clock.now())  # the redelivery
    runner.drain_queues()
    assert units("eggs") == 3
    inbox = notification_models.inbox("u3", 10)
    assert [(n.kind, n.data["reservationId"]) for n in inbox] == [("reservation_expired", held.id)]


def runner_queue(runner: EventRunner) -> str:
    return next(b.url for b in runner.queues if b.queue_name.endswith(TIMERS_QUEUE.suffix))


def test_timer_after_pickup_or_cancel_does_nothing(runner, manual_clock) -> None:
    put_product("bread", 4)
    picked = service.reserve(PORTS, customer(1), STORE, "bread", 1, None, manual_clock.now())
    cancelled = service.reserve(PORTS, customer(2), STORE, "bread", 1, None, manual_clock.now())
    staff = Principal(user_id="staff", role=Role.STAFF, merchant_id="m1", store_ids=frozenset({STORE}))
    service.pickup(PORTS, staff, picked.id, picked.pickup_code, manual_clock.now())
    service.cancel(PORTS, customer(2), cancelled.id, manual_clock.now())
    assert units("bread") == 3

    # Even if the schedules were still there (deleting them is best effort), their firing is a no-op.
    sqs = boto3.client("sqs")
    for reservation_id in (picked.id, cancelled.id):
        body = json.dumps({"kind": RESERVATION_EXPIRY.name, "key": reservation_id, "payload": {}})
        sqs.send_message(QueueUrl=runner_queue(runner), MessageBody=body)
    manual_clock.advance(timedelta(hours=25))
    runner.tick()
    assert units("bread") == 3
    assert models.get(picked.id).status == "picked_up"  # type: ignore[union-attr]
    assert models.get(cancelled.id).status == "cancelled"  # type: ignore[union-attr]


def test_early_fire_reschedules_instead_of_expiring(runner, manual_clock) -> None:
    put_product("tea", 2)
    held = service.reserve(PORTS, customer(1), STORE, "tea", 1, None, manual_clock.now())
    body = json.dumps({"kind": RESERVATION_EXPIRY.name, "key": held.id, "payload": {}})
    boto3.client("sqs").send_message(QueueUrl=runner_queue(runner), MessageBody=body)
    runner.drain_queues()
    assert models.get(held.id).status == "open"  # type: ignore[union-attr]
    assert units("tea") == 1
    manual_clock.advance(timedelta(hours=24))
    runner.tick()
    assert models.get(held.id).status == "expired"  # type: ignore[union-attr]
    assert units("tea") == 2


def test_concurrent_cancel_and_expiry_return_stock_once(runner, manual_clock) -> None:
    put_product("egg", 3)
    held = service.reserve(PORTS, customer(1), STORE, "egg", 3, None, manual_clock.now())
    manual_clock.advance(timedelta(hours=24))

    def cancel() -> str:
        try:
            service.cancel(PORTS, customer(1), held.id, manual_clock.now())
            return "cancelled"
        except Conflict:
            return "lost"

    def expire() -> str:
        return "expired" if service.expire(PORTS, held.id, manual_clock.now()) else "lost"

    with ThreadPoolExecutor(max_workers=10) as pool:
        outcomes = [f.result() for f in [pool.submit(cancel if i % 2 else expire) for i in range(10)]]
    assert len([o for o in outcomes if o != "lost"]) == 1
    assert units("egg") == 3
