"""What other areas may use of inventory: stock keys and levels, the pieces they add to their own
transactions (take, hold, release; `short_of` names what a cancelled one lacked), reads, stocktake."""

from __future__ import annotations

from chalicelib.inventory.domain import StockKey, StockLevel
from chalicelib.inventory.models import available, available_at, hold, level, release, set_on_hand, short_of, take

__all__ = [
    "StockKey",
    "StockLevel",
    "available",
    "available_at",
    "hold",
    "level",
    "release",
    "set_on_hand",
    "short_of",
    "take",
]
