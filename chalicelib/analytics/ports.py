"""What analytics' use cases need from the world: the counter items and the stock levels."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from chalicelib.analytics.domain import DayCounters, DayUpdate


class CounterStore(Protocol):
    def apply(self, record_id: str, updates: Sequence[DayUpdate]) -> bool:
        """Adds every update and marks the record applied, all or nothing; False (nothing added) when
        the record was applied before (a redelivered stream record)."""
        ...

    def days(self, merchant_id: str, scope: str, days: Sequence[str]) -> dict[str, DayCounters]:
        """The day items that exist among `days` (one read per item, batched)."""
        ...


@dataclass(frozen=True)
class AnalyticsPorts:
    counters: CounterStore
    # (merchant_id, store_id, sku ids) -> units available now per SKU (inventory's figure).
    available: Callable[[str, str, Sequence[str]], Mapping[str, int]]
    # merchant_id -> its timezone name.
    timezone_of: Callable[[str], str]
