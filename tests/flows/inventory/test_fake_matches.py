"""The in-memory inventory (tests/fakes/inventory.py) behaves as the real one on moto server: one
script of stocktakes and movements, refused and accepted alike, gives the same levels on both."""

from __future__ import annotations

from collections.abc import Callable

from chalicelib.core.errors import Conflict
from chalicelib.data.table import Transaction, TransactionCancelled, transact
from chalicelib.inventory import api as inventory
from chalicelib.inventory.api import StockKey, StockLevel
from tests.fakes.inventory import FakeInventory

A, B = StockKey("m1", "a", "s1"), StockKey("m1", "b", "w1")
# (movement, stock, quantity); "count" is a stocktake.
SCRIPT: list[tuple[str, StockKey, int]] = [
    ("hold", A, 1),  # no stock item yet: refused
    ("count", A, 5),
    ("hold", A, 3),
    ("hold", A, 3),  # only 2 available: refused
    ("take", A, 2),
    ("take", A, 1),  # nothing available: refused
    ("count", A, 2),  # 3 are held: refused
    ("count", A, 4),
    ("release", A, 1),
    ("take held", A, 2),
    ("release", B, 1),  # no stock item: refused
    ("count", B, 0),
    ("take", B, 1),  # refused
]


def real_step(movement: str, stock: StockKey, quantity: int) -> bool:
    pieces: dict[str, Callable[[Transaction], None]] = {
        "hold": lambda tx: inventory.hold(tx, stock, quantity),
        "release": lambda tx: inventory.release(tx, stock, quantity),
        "take": lambda tx: inventory.take(tx, stock, quantity),
        "take held": lambda tx: inventory.take(tx, stock, quantity, held=True),
    }
    try:
        if movement == "count":
            inventory.set_on_hand(stock, quantity)
        else:
            transact(pieces[movement])
    except TransactionCancelled as err:
        assert inventory.short_of(err) == [stock]
        return False
    except Conflict:
        return False
    return True


def fake_step(fake: FakeInventory, movement: str, stock: StockKey, quantity: int) -> bool:
    if movement == "count":
        try:
            fake.set_on_hand(stock, quantity)
        except Conflict:
            return False
        return True
    if not fake.can(stock, quantity, needs_available=movement in ("hold", "take")):
        return False
    if movement == "hold":
        fake.hold(stock, quantity)
    elif movement == "release":
        fake.release(stock, quantity)
    else:
        fake.take(stock, quantity, held=movement == "take held")
    return True


def test_the_fake_inventory_matches_the_real_one(aws) -> None:
    fake = FakeInventory()
    for step in SCRIPT:
        levels = (inventory.level(A), inventory.level(B)), (fake.level(A), fake.level(B))
        assert levels[0] == levels[1], step
        assert real_step(*step) == fake_step(fake, *step), step
    assert inventory.level(A) == fake.level(A) == StockLevel(A, available=2, held=0)
    assert inventory.level(B) == fake.level(B) == StockLevel(B, available=0, held=0)
