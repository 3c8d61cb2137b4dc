"""Stock as other areas see it: plain values, no storage."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StockKey:
    """One SKU at one location. A location is a store (its store id) or a warehouse; the stock does
    not care which. Today's products are one SKU each, so catalog uses the product id as the SKU id."""

    sku_id: str
    location_id: str


@dataclass(frozen=True)
class StockLevel:
    key: StockKey
    # Units that can be sold or set aside now: what a store page shows as `stock`.
    available: int
    # Units set aside for someone (an open pickup reservation) that are still at the location.
    held: int

    @property
    def on_hand(self) -> int:
        """What a stocktake counts at the location."""
        return self.available + self.held
