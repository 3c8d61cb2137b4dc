"""The store as other areas see it, and its opening-hours rule: plain values, no storage."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.stores.hours import OpeningHours, is_open

__all__ = ["OpeningHours", "Store", "is_open"]


@dataclass(frozen=True)
class Store:
    id: str
    merchant_id: str
    name: str
    address: str
    phone: str
    latitude: float
    longitude: float
    timezone: str
    opening_hours: OpeningHours
    settings: dict[str, Any]
