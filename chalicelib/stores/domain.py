"""The store as other areas see it, and its weekly-hours rules: plain values, no storage."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.stores.hours import DAYS, OpeningHours, is_open, minutes_of
from chalicelib.stores.hours import validate as validate_hours

__all__ = ["DAYS", "OpeningHours", "Store", "is_open", "minutes_of", "validate_hours"]


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
