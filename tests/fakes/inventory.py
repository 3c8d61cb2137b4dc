"""Inventory in memory: the same counters and conditions as `chalicelib.inventory.models`
(tests/flows/inventory/test_fake_matches.py runs one script against both)."""

from __future__ import annotations

from chalicelib.core.errors import Conflict
from chalicelib.inventory.api import StockKey, StockLevel


class FakeInventory:
    def __init__(self) -> None:
        self.levels: dict[StockKey, StockLevel] = {}

    def set_on_hand(self, stock: StockKey, on_hand: int) -> StockLevel:
        held = self.levels[stock].held if stock in self.levels else 0
        if held > on_hand:
            raise Conflict("More units than that are held.", code="BELOW_HELD", field="quantity")
        self.levels[stock] = StockLevel(stock, available=on_hand - held, held=held)
        return self.levels[stock]

    def level(self, stock: StockKey) -> StockLevel | None:
        return self.levels.get(stock)

    def available(self, stock: StockKey) -> int:
        return self.levels[stock].available if stock in self.levels else 0

    # Each movement: can it happen (the piece's condition), and what it does. Callers check every
    # action of their "transaction" before applying any, as DynamoDB does.
    def can(self, stock: StockKey, quantity: int, *, needs_available: bool) -> bool:
        if stock not in self.levels:
            return False
        return not needs_available or self.levels[stock].available >= quantity

    def _move(self, stock: StockKey, available: int, held: int) -> None:
        level = self.levels[stock]
        self.levels[stock] = StockLevel(stock, level.available + available, level.held + held)

    def hold(self, stock: StockKey, quantity: int) -> None:
        self._move(stock, -quantity, quantity)

    def release(self, stock: StockKey, quantity: int) -> None:
        self._move(stock, quantity, -quantity)

    def take(self, stock: StockKey, quantity: int, *, held: bool = False) -> None:
        self._move(stock, 0 if held else -quantity, -quantity if held else 0)
