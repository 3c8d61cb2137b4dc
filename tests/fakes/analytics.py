"""In-memory analytics ports: the counter items as dicts, applied records as a set."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from chalicelib.analytics.domain import DayCounters, DayUpdate
from chalicelib.analytics.ports import AnalyticsPorts


class FakeCounters:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str, str], dict[str, int]] = {}
        self.applied: set[str] = set()
        self.reads: list[tuple[str, str, str]] = []

    def apply(self, record_id: str, updates: Sequence[DayUpdate]) -> bool:
        if record_id in self.applied:
            return False
        self.applied.add(record_id)
        for update in updates:
            item = self.items.setdefault((update.merchant_id, update.scope, update.day), {})
            for name, amount in update.adds.items():
                item[name] = item.get(name, 0) + amount
        return True

    def days(self, merchant_id: str, scope: str, days: Sequence[str]) -> dict[str, DayCounters]:
        found = {}
        for day in days:
            self.reads.append((merchant_id, scope, day))
            if (merchant_id, scope, day) in self.items:
                found[day] = DayCounters(day, dict(self.items[(merchant_id, scope, day)]))
        return found


def fake_ports(
    stock: Mapping[str, int] | None = None, timezones: Mapping[str, str] | None = None
) -> tuple[AnalyticsPorts, FakeCounters]:
    counters = FakeCounters()
    zones = dict(timezones or {})

    def available(merchant_id: str, store_id: str, skus: Sequence[str]) -> Mapping[str, int]:
        return {sku: (stock or {}).get(sku, 0) for sku in skus}

    return AnalyticsPorts(counters, available, lambda m: zones.get(m, "Asia/Shanghai")), counters
