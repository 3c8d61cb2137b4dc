"""Stock as other areas see it: plain values, no storage."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StockKey:
    """One SKU of one merchant at one location. A location is a store (its store id) or a warehouse;
    the stock does not care which. Today's products are one SKU each, so catalog uses the product id as
    the SKU id. SKU ids are the merchant's own, so the merchant is part of the key: one merchant's
    product id can never address another's stock (the mall's merchant-wide catalogue needs this)."""

    merchant_id: str
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
