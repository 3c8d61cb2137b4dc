"""Reservation settings, read once from the environment (core holds no area's settings)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from chalicelib.core.config import env


@dataclass(frozen=True)
class ReservationSettings:
    # How long reserved units are held for pickup.
    hold_hours: int = 24
    # How many open reservations one customer may hold for one product.
    limit_per_product: int = 2


@lru_cache(maxsize=1)
def reservation_settings() -> ReservationSettings:
    return ReservationSettings(
        hold_hours=int(env("RESERVATION_HOLD_HOURS", "24")),
        limit_per_product=int(env("RESERVATION_LIMIT_PER_PRODUCT", "2")),
    )
