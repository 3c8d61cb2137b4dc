"""Counter feeds: how an area tells the analytics pipeline what its changes count, as data.

A feed is a pure function of one stream record's old and new images (plain Python values, `None`
for a missing side) returning the counter increments that change means. An area declares its feeds
in its `area.py` (`Area.feeds`) and writes the functions in its `domain.py`; the composition root
subscribes the analytics consumer to each feed's entity type, so the pipeline never knows what a
reservation or a ticket is, and a new area adds counters without touching it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

METRIC = re.compile(r"^[a-z][a-z0-9_]{0,39}$")

# The shared vocabulary the dashboard reads across areas; every other metric is an area's own and
# only totalled. A customer acting (reserving, joining a queue, booking): the dashboard's hours.
ACTIVITY = "customer_actions"
# Units sold, with the SKU as dimension: best sellers and the out-of-stock forecast (reservation
# pick-ups until the mall lands).
UNITS_SOLD = "units_sold"
# Orders, and those of customers who had ordered before: the repurchase rate (the mall's).
ORDERS = "orders"
REPEAT_ORDERS = "repeat_orders"

Image = Mapping[str, Any]


@dataclass(frozen=True)
class Increment:
    """`amount` added to `metric` for the merchant (and its store, when named) in the local day and
    hour of `at` (UTC ISO-8601 of the event). `dimension` splits the metric further (e.g. a SKU id),
    kept per day only, not per hour."""

    metric: str
    merchant_id: str
    at: str
    store_id: str | None = None
    amount: int = 1
    dimension: str | None = None

    def __post_init__(self) -> None:
        if not METRIC.match(self.metric):
            raise ValueError(f"metric names are [a-z][a-z0-9_]*, not {self.metric!r}")


Feed = Callable[[Image | None, Image | None], Iterable[Increment]]


@dataclass(frozen=True)
class CounterFeed:
    """An area's feed: records of items of `entity_type` go through `function` ("module:function")."""

    entity_type: str
    function: str
