"""Reservation use cases against in-memory ports (no AWS): what is written, scheduled and answered
in each case, including retries, races and the Scheduler being down. The transactions themselves
are proved on moto server (tests/flows/reservations/test_flow.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.catalog.api import Product
from chalicelib.core.auth import Principal, Role
from chalicelib.core.clock import to_iso
from chalicelib.core.errors import Conflict, Forbidden, NotFound, UpstreamUnavailable
from chalicelib.inventory.api import StockKey, StockLevel
from chalicelib.reservations import service
from chalicelib.reservations.domain import ReservationStatus
from chalicelib.stores.api import Store
from tests.fakes.reservations import FakeWorld

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
STORE = "s1"
MERCHANT = "m1"
MILK = StockKey(MERCHANT, "p1", STORE)
ALICE = Principal(user_id="alice", role=Role.CUSTOMER)
BOB = Principal(user_id="bob", role=Role.CUSTOMER)
STAFF = Principal(user_id="staff", role=Role.STAFF, merchant_id="m1", store_ids=frozenset({STORE}))
OTHER_STAFF = Principal(user_id="other", role=Role.STAFF, merchant_id="m1", store_ids=frozenset({"s2"}))


def store(store_id: str) -> Store:
    return Store(store_id, "m1", "店", "上海", "021", 31.2, 121.4, "Asia/Shanghai", {}, {})


@pytest.fixture
def world() -> FakeWorld:
    found = FakeWorld()
    found.stores = {STORE: store(STORE), "s2": store("s2")}
    found.shelve(
        Product(store_id=STORE, id="p1", name="纯牛奶", category_id="dairy", price=350, merchant_id=MERCHANT), 5
    )
    return found


def reserve(world: FakeWorld, who: Principal = ALICE, quantity: int = 1, key: str | None = None, product: str = "p1"):
    return service.reserve(world.ports, who, STORE, product, quantity, key, NOW)


def code_of(conflict: pytest.ExceptionInfo[Conflict]) -> str:
    return conflict.value.code


def test_reserve_holds_the_units_and_schedules_expiry(world) -> None:
    made = reserve(world, quantity=2)
    assert made.status is ReservationStatus.OPEN and made.sku_id == "p1" and made.product_name == "纯牛奶"
    assert made.expires_at == to_iso(NOW + timedelta(hours=world.settings.hold_hours))
    assert len(made.pickup_code) == 6 and made.pickup_code.isdigit()
    assert world.inventory.level(MILK) == StockLevel(MILK, available=3, held=2)
    assert world.timers.scheduled == {made.id: NOW + timedelta(hours=24)}
    assert world.reservations.sentinels[made.id] > int((NOW + timedelta(hours=24)).timestamp())


def test_sold_out_is_refused_before_the_scheduler_is_asked(world) -> None:
    with pytest.raises(Conflict) as refused:
        reserve(world, quantity=6)
    assert code_of(refused) == "OUT_OF_STOCK"
    assert world.timers.calls == [] and world.reservations.items == {}


def test_a_keyed_request_lets_the_transaction_decide_and_drops_its_timer(world) -> None:
    with pytest.raises(Conflict) as refused:
        reserve(world, quantity=6, key="tap")
    assert code_of(refused) == "OUT_OF_STOCK"
    (scheduled, cancelled) = world.timers.calls
    assert scheduled[0] == "schedule" and cancelled == ("cancel", scheduled[1])
    assert world.timers.scheduled == {} and world.inventory.available(MILK) == 5


def test_scheduler_down_writes_nothing(world) -> None:
    world.timers.down = True
    with pytest.raises(UpstreamUnavailable):
        reserve(world)
    assert world.reservations.items == {} and world.inventory.available(MILK) == 5


def test_unknown_product_or_store_is_a_404_naming_it(world) -> None:
    with pytest.raises(NotFound) as product:
        reserve(world, product="p9")
    assert product.value.code == "PRODUCT_NOT_FOUND"
    with pytest.raises(NotFound) as missing_store:
        service.reserve(world.ports, ALICE, "s-nowhere", "p1", 1, None, NOW)
    assert missing_store.value.code == "STORE_NOT_FOUND"


def test_the_per_product_limit_drops_the_refused_attempts_timer(world) -> None:
    reserve(world)
    reserve(world)
    with pytest.raises(Conflict) as over:
        reserve(world)
    assert code_of(over) == "RESERVATION_LIMIT"
    assert len(world.timers.scheduled) == 2 and world.inventory.available(MILK) == 3
    reserve(world, who=BOB)  # another customer is not limited by it


def test_a_retried_key_returns_the_same_reservation_and_keeps_its_expiry(world) -> None:
    first = reserve(world, key="tap-1")
    again = service.reserve(world.ports, ALICE, STORE, "p1", 1, "tap-1", NOW + timedelta(minutes=5))
    assert again == first
    assert world.inventory.level(MILK) == StockLevel(MILK, available=4, held=1)
    # The retry's own schedule replaced the timer: it is put back at the first one's expiry.
    assert world.timers.scheduled == {first.id: NOW + timedelta(hours=24)}


def test_a_retried_key_of_a_closed_reservation_returns_it_and_leaves_no_timer(world) -> None:
    first = reserve(world, key="tap-2")
    service.cancel(world.ports, ALICE, first.id, NOW)
    again = reserve(world, key="tap-2")
    assert again.id == first.id and again.status is ReservationStatus.CANCELLED
    assert world.timers.scheduled == {} and world.inventory.available(MILK) == 5


def test_a_key_reused_for_another_product_is_a_duplicate_request(world) -> None:
    world.shelve(
        Product(store_id=STORE, id="p2", name="面包", category_id="bakery", price=500, merchant_id=MERCHANT), 5
    )
    reserve(world, key="tap-3")
    with pytest.raises(Conflict) as reused:
        reserve(world, key="tap-3", product="p2")
    assert code_of(reused) == "DUPLICATE_REQUEST"
    assert world.inventory.available(StockKey(MERCHANT, "p2", STORE)) == 5


def test_cancel_releases_once_and_only_for_the_owner(world) -> None:
    made = reserve(world, quantity=2)
    with pytest.raises(NotFound):
        service.cancel(world.ports, BOB, made.id, NOW)  # someone else's reads as absent
    later = NOW + timedelta(minutes=1)
    cancelled = service.cancel(world.ports, ALICE, made.id, later)
    assert cancelled.status is ReservationStatus.CANCELLED and cancelled.updated_at == to_iso(later)
    assert world.inventory.level(MILK) == StockLevel(MILK, available=5, held=0)
    assert world.timers.scheduled == {}
    with pytest.raises(Conflict) as twice:
        service.cancel(world.ports, ALICE, made.id, NOW)
    assert code_of(twice) == "RESERVATION_NOT_OPEN" and "cancelled" in str(twice.value)
    assert world.inventory.available(MILK) == 5


def test_a_cancel_that_loses_a_race_names_the_status_that_won(world) -> None:
    made = reserve(world)
    world.reservations.race[made.id] = ReservationStatus.EXPIRED
    with pytest.raises(Conflict) as lost:
        service.cancel(world.ports, ALICE, made.id, NOW)
    assert code_of(lost) == "RESERVATION_NOT_OPEN" and "expired" in str(lost.value)
    assert world.timers.scheduled == {made.id: NOW + timedelta(hours=24)}  # the winner's business, not ours


def test_pickup_by_the_stores_staff_with_the_code_sells_the_held_units(world) -> None:
    made = reserve(world, quantity=2)
    with pytest.raises(Forbidden):
        service.pickup(world.ports, OTHER_STAFF, made.id, made.pickup_code, NOW)
    with pytest.raises(Forbidden):
        service.pickup(world.ports, ALICE, made.id, made.pickup_code, NOW)
    wrong = "000000" if made.pickup_code != "000000" else "111111"
    with pytest.raises(Conflict) as bad_code:
        service.pickup(world.ports, STAFF, made.id, wrong, NOW)
    assert code_of(bad_code) == "INVALID_PICKUP_CODE"
    done = service.pickup(world.ports, STAFF, made.id, made.pickup_code, NOW)
    assert done.status is ReservationStatus.PICKED_UP
    assert world.inventory.level(MILK) == StockLevel(MILK, available=3, held=0)  # sold: on hand 5 -> 3
    assert world.timers.scheduled == {}
    with pytest.raises(Conflict) as again:
        service.pickup(world.ports, STAFF, made.id, made.pickup_code, NOW)
    assert code_of(again) == "RESERVATION_NOT_OPEN"
    with pytest.raises(NotFound):
        service.pickup(world.ports, STAFF, "r_missing", "1", NOW)


def test_expiry_early_reschedules_on_time_releases_and_tells_the_customer_once(world) -> None:
    made = reserve(world, quantity=2)
    due = NOW + timedelta(hours=24)
    world.timers.scheduled.clear()
    assert service.expire(world.ports, made.id, due - timedelta(seconds=1)) is False
    assert world.timers.scheduled == {made.id: due}  # fired early: back on for its real time
    assert world.inventory.level(MILK) == StockLevel(MILK, available=3, held=2)

    assert service.expire(world.ports, made.id, due) is True
    assert world.reservations.items[made.id].status is ReservationStatus.EXPIRED
    assert world.inventory.level(MILK) == StockLevel(MILK, available=5, held=0)
    assert [(n.id, n.user_id, n.kind) for n in world.published] == [
        (f"reservation-expired-{made.id}", "alice", "reservation_expired")
    ]
    # A redelivered timer (or the TTL backstop) republishes the same notice id, and moves nothing.
    assert service.expire(world.ports, made.id, due) is False
    assert [n.id for n in world.published] == [f"reservation-expired-{made.id}"] * 2
    assert world.inventory.level(MILK) == StockLevel(MILK, available=5, held=0)


def test_expiry_after_pickup_or_of_nothing_does_nothing(world) -> None:
    made = reserve(world)
    service.pickup(world.ports, STAFF, made.id, made.pickup_code, NOW)
    assert service.expire(world.ports, made.id, NOW + timedelta(days=2)) is False
    assert service.expire(world.ports, "r_missing", NOW) is False
    assert world.published == [] and world.inventory.level(MILK) == StockLevel(MILK, available=4, held=0)


def test_expiry_losing_a_race_to_a_cancel_publishes_nothing(world) -> None:
    made = reserve(world)
    world.reservations.race[made.id] = ReservationStatus.CANCELLED
    assert service.expire(world.ports, made.id, NOW + timedelta(hours=24)) is False
    assert world.published == []


def test_lists_check_who_asks(world) -> None:
    made = reserve(world)
    reserve(world, who=BOB)
    assert [r.id for r in service.of_user(world.ports, ALICE, None, None, 10)] == [made.id]
    with pytest.raises(Forbidden):
        service.of_user(world.ports, ALICE, "bob", None, 10)
    assert len(service.of_store(world.ports, STAFF, STORE, ReservationStatus.OPEN, 10)) == 2
    with pytest.raises(Forbidden):
        service.of_store(world.ports, OTHER_STAFF, STORE, None, 10)
    with pytest.raises(NotFound):
        service.of_store(world.ports, STAFF, "s-nowhere", None, 10)
