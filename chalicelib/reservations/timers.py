"""The reservation expiry timer's handler (declared in area.py); run by the timers consumer, never the API."""

from __future__ import annotations

from typing import Any

from chalicelib.core.clock import clock
from chalicelib.reservations import service
from chalicelib.reservations.adapters import aws_ports


def on_expiry(reservation_id: str, payload: dict[str, Any]) -> None:
    service.expire(aws_ports(), reservation_id, clock().now())
