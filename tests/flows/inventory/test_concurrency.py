"""Inventory's transaction pieces against moto server: 50 concurrent takes or holds of 10 units never
oversell, a multi-SKU transaction takes all or nothing and names what it lacked, and a stocktake
keeps what is held."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from chalicelib.core.errors import Conflict
from chalicelib.data.table import Transaction, TransactionCancelled, transact
from chalicelib.inventory import api as inventory
from chalicelib.inventory.api import StockKey
from chalicelib.inventory.models import StockItem, stock_key

HOT = StockKey("m1", "hot", "s1")


def attempt(build: Callable[[Transaction], None]) -> str:
    try:
        transact(build)
        return "ok"
    except TransactionCancelled as err:
        return "OUT_OF_STOCK" if inventory.short_of(err) else "other"


@pytest.mark.parametrize("trial", range(3))
def test_50_concurrent_takes_of_10_units(aws, trial: int) -> None:
    inventory.set_on_hand(HOT, 10)

    with ThreadPoolExecutor(max_workers=50) as pool:
        outcomes = list(pool.map(lambda _: attempt(lambda tx: inventory.take(tx, HOT, 1)), range(50)))

    assert outcomes.count("ok") == 10
    assert outcomes.count("OUT_OF_STOCK") == 40
    assert inventory.level(HOT) == inventory.StockLevel(HOT, available=0, held=0)


def test_50_concurrent_holds_of_10_units_then_release_and_take_from_hold(aws) -> None:
    inventory.set_on_hand(HOT, 10)

    with ThreadPoolExecutor(max_workers=50) as pool:
        outcomes = list(pool.map(lambda _: attempt(lambda tx: inventory.hold(tx, HOT, 1)), range(50)))

    assert outcomes.count("ok") == 10 and outcomes.count("OUT_OF_STOCK") == 40
    assert inventory.level(HOT) == inventory.StockLevel(HOT, available=0, held=10)
    transact(lambda tx: inventory.release(tx, HOT, 3))
    transact(lambda tx: inventory.take(tx, HOT, 2, held=True))
    level = inventory.level(HOT)
    assert level == inventory.StockLevel(HOT, available=3, held=5) and level.on_hand == 8


def test_taking_unknown_stock_is_out_of_stock_not_a_new_item(aws) -> None:
    ghost = StockKey("m1", "ghost", "s1")
    for build in (
        lambda tx: inventory.take(tx, ghost, 1),
        lambda tx: inventory.hold(tx, ghost, 1),
        lambda tx: inventory.release(tx, ghost, 1),
        lambda tx: inventory.take(tx, ghost, 1, held=True),
    ):
        assert attempt(build) == "OUT_OF_STOCK"
    assert inventory.level(ghost) is None
    assert inventory.available(ghost) == 0


def test_a_multi_sku_take_is_all_or_nothing_and_names_what_it_lacked(aws) -> None:
    milk, eggs, tea = StockKey("m1", "milk", "w1"), StockKey("m1", "eggs", "w1"), StockKey("m1", "tea", "w1")
    inventory.set_on_hand(milk, 5)
    inventory.set_on_hand(eggs, 1)
    inventory.set_on_hand(tea, 9)

    def order(tx: Transaction) -> None:
        inventory.take(tx, milk, 2)
        inventory.take(tx, eggs, 2)
        inventory.take(tx, tea, 10)

    with pytest.raises(TransactionCancelled) as cancelled:
        transact(order)
    assert set(inventory.short_of(cancelled.value)) == {eggs, tea}
    assert inventory.available_at("m1", "w1", ["milk", "eggs", "tea", "none"]) == {
        "milk": 5,
        "eggs": 1,
        "tea": 9,
        "none": 0,
    }


def test_concurrent_multi_sku_orders_never_oversell_either_sku(aws) -> None:
    """Each order takes one of A and one of B; A has 10, B has 6: exactly 6 orders win, and the
    4 that found A but no B took nothing."""
    a, b = StockKey("m1", "a", "w1"), StockKey("m1", "b", "w1")
    inventory.set_on_hand(a, 10)
    inventory.set_on_hand(b, 6)

    def order(tx: Transaction) -> None:
        inventory.take(tx, a, 1)
        inventory.take(tx, b, 1)

    with ThreadPoolExecutor(max_workers=30) as pool:
        outcomes = list(pool.map(lambda _: attempt(order), range(30)))
    assert outcomes.count("ok") == 6 and outcomes.count("OUT_OF_STOCK") == 24
    assert inventory.available_at("m1", "w1", ["a", "b"]) == {"a": 4, "b": 0}


def test_stocktake_keeps_what_is_held(aws) -> None:
    inventory.set_on_hand(HOT, 10)
    transact(lambda tx: inventory.hold(tx, HOT, 4))
    counted = inventory.set_on_hand(HOT, 7)  # three sold at the till since
    assert counted == inventory.StockLevel(HOT, available=3, held=4)
    with pytest.raises(Conflict) as below:
        inventory.set_on_hand(HOT, 3)
    assert below.value.code == "BELOW_HELD"
    assert inventory.level(HOT) == counted
    fresh = inventory.set_on_hand(StockKey("m1", "new", "s1"), 0)
    assert fresh.available == 0 and fresh.held == 0
    # Created by an UpdateItem, it still says what it is (stream routing and exports read `et`).
    assert StockItem.get(*stock_key(StockKey("m1", "new", "s1"))).et == "Stock"
