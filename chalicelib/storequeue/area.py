"""How storequeue plugs into the deployment (see core/areas.py). Cheap to import: constants only."""

from __future__ import annotations

from chalicelib.core.areas import Area
from chalicelib.core.counters import CounterFeed

AREA = Area(
    name="storequeue",
    routes="chalicelib.storequeue.routes",
    feeds=(CounterFeed("Ticket", "chalicelib.storequeue.domain:ticket_counters"),),
)
