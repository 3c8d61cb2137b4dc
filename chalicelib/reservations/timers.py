"""Registers the reservation expiry timer; imported by the timers consumer, never by the API."""

from __future__ import annotations

from typing import Any

from chalicelib.core.clock import clock
from chalicelib.core.timers import register_timer
from chalicelib.reservations import service


def on_expiry(reservation_id: str, payload: dict[str, Any]) -> None:
    service.expire(reservation_id, clock().now())


register_timer(service.EXPIRY_TIMER, on_expiry)
