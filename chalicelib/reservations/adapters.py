"""The reservation ports on AWS: this area's items, EventBridge Scheduler timers, and the published
interfaces of catalog, stores, inventory and notifications."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from chalicelib.catalog import api as catalog
from chalicelib.core import timers
from chalicelib.inventory import api as inventory
from chalicelib.notifications import api as notifications
from chalicelib.reservations import models
from chalicelib.reservations.area import RESERVATION_EXPIRY
from chalicelib.reservations.ports import Ports
from chalicelib.reservations.settings import reservation_settings
from chalicelib.stores import api as stores


class SchedulerTimers:
    """Looks `core.timers` up on each call, so a test can stand in for the Scheduler there."""

    def schedule(self, reservation_id: str, at: datetime) -> None:
        timers.schedule_timer(RESERVATION_EXPIRY, reservation_id, at)

    def cancel(self, reservation_id: str) -> None:
        timers.cancel_timer(RESERVATION_EXPIRY, reservation_id)


@lru_cache(maxsize=1)
def aws_ports() -> Ports:
    return Ports(
        reservations=models,  # the module's functions are the store (mypy checks it against the protocol)
        timers=SchedulerTimers(),
        require_product=catalog.require_product,
        require_store=stores.require_store,
        available=inventory.available,
        publish=notifications.publish,
        settings=reservation_settings(),
    )
