"""Analytics' plain values and rules: where an increment lands, and figures from day counters.

A counter lives in one item per merchant, scope (the whole merchant, or one store) and local day:
`c:<metric>` the day's total, `h:<metric>:<HH>` its local hours, `d:<metric>:<dimension>` the day's
split by dimension (e.g. units per SKU). No storage here: `models.py` keeps the items.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from chalicelib.core.counters import ACTIVITY, ORDERS, REPEAT_ORDERS, UNITS_SOLD, Increment

MERCHANT_SCOPE = "all"
# Longest range one request may ask for: bounds its reads (one item per day).
MAX_DAYS = 366
# Recent sales velocity for the out-of-stock forecast.
VELOCITY_DAYS = 14
TOP = 10


def total_attr(metric: str) -> str:
    return f"c:{metric}"


def hour_attr(metric: str, hour: int) -> str:
    return f"h:{metric}:{hour:02d}"


def dimension_attr(metric: str, dimension: str) -> str:
    return f"d:{metric}:{dimension}"


@dataclass(frozen=True)
class DayUpdate:
    """What one stream record adds to one day item."""

    merchant_id: str
    scope: str
    day: str
    adds: Mapping[str, int]


def local_slot(at: str, timezone: str) -> tuple[str, int]:
    """The local day (YYYY-MM-DD) and hour of a UTC ISO-8601 instant."""
    moment = datetime.fromisoformat(at.replace("Z", "+00:00")).astimezone(ZoneInfo(timezone))
    return moment.date().isoformat(), moment.hour


def day_updates(increments: Iterable[Increment], timezone_of: Callable[[str], str]) -> list[DayUpdate]:
    """Increments grouped into one update per day item: the merchant's scope always, the store's
    scope too when the increment names one. Zero amounts vanish."""
    grouped: dict[tuple[str, str, str], dict[str, int]] = {}
    for inc in increments:
        if inc.amount == 0:
            continue
        day, hour = local_slot(inc.at, timezone_of(inc.merchant_id))
        scopes = [MERCHANT_SCOPE] + ([inc.store_id] if inc.store_id else [])
        for scope in scopes:
            adds = grouped.setdefault((inc.merchant_id, scope, day), {})
            names = [total_attr(inc.metric), hour_attr(inc.metric, hour)]
            if inc.dimension:
                names.append(dimension_attr(inc.metric, inc.dimension))
            for name in names:
                adds[name] = adds.get(name, 0) + inc.amount
    return [
        DayUpdate(merchant_id, scope, day, adds)
        for (merchant_id, scope, day), adds in grouped.items()
        if any(adds.values())
    ]


@dataclass(frozen=True)
class DayCounters:
    """One day item as read back: attribute name -> count (absent: 0)."""

    day: str
    values: Mapping[str, int] = field(default_factory=dict)

    def total(self, metric: str) -> int:
        return int(self.values.get(total_attr(metric), 0))

    def totals(self) -> dict[str, int]:
        return {name[2:]: int(v) for name, v in self.values.items() if name.startswith("c:")}

    def hours(self) -> dict[str, list[int]]:
        found: dict[str, list[int]] = {}
        for name, value in self.values.items():
            if name.startswith("h:"):
                metric, hour = name[2:].rsplit(":", 1)
                found.setdefault(metric, [0] * 24)[int(hour)] += int(value)
        return found

    def dimensions(self, metric: str) -> dict[str, int]:
        prefix = f"d:{metric}:"
        return {name[len(prefix) :]: int(v) for name, v in self.values.items() if name.startswith(prefix)}


def days_between(start: date, end: date) -> list[str]:
    if end < start:
        raise ValueError("from is after to")
    count = (end - start).days + 1
    if count > MAX_DAYS:
        raise ValueError(f"at most {MAX_DAYS} days")
    return [(start + timedelta(days=n)).isoformat() for n in range(count)]


@dataclass(frozen=True)
class DayFigures:
    day: str
    counts: Mapping[str, int]


@dataclass(frozen=True)
class Seller:
    sku_id: str
    units: int


@dataclass(frozen=True)
class StockForecast:
    sku_id: str
    available: int
    daily_sales: float
    days_of_cover: float | None  # None: no recent sales, no forecast


@dataclass(frozen=True)
class Figures:
    """What a merchant (or one store) did over a range of local days: totals per metric, per day,
    customer actions per local hour, best sellers by units sold, the repurchase rate once there
    are orders."""

    merchant_id: str
    store_id: str | None
    start: str
    end: str
    totals: Mapping[str, int]
    by_day: tuple[DayFigures, ...]
    by_hour: tuple[int, ...]
    best_sellers: tuple[Seller, ...]
    repurchase_rate: float | None = None

    @property
    def peak_hour(self) -> int | None:
        return max(range(24), key=lambda h: self.by_hour[h]) if any(self.by_hour) else None


SALES_METRIC = UNITS_SOLD


def figures(merchant_id: str, store_id: str | None, days: list[str], counters: Mapping[str, DayCounters]) -> Figures:
    """Figures from the day items of the range; a day without an item counted nothing. Only the shared
    metrics of core.counters mean something here (hours of customer actions, units sold per SKU,
    orders); every area's own metric is totalled per day and over the range, whatever it is."""
    totals: dict[str, int] = {}
    by_day: list[DayFigures] = []
    by_hour = [0] * 24
    sellers: dict[str, int] = {}
    for day in days:
        found = counters.get(day, DayCounters(day))
        day_totals = found.totals()
        by_day.append(DayFigures(day, day_totals))
        for metric, value in day_totals.items():
            totals[metric] = totals.get(metric, 0) + value
        for metric, hours in found.hours().items():
            if metric == ACTIVITY:
                by_hour = [a + b for a, b in zip(by_hour, hours, strict=True)]
        for sku, units in found.dimensions(SALES_METRIC).items():
            sellers[sku] = sellers.get(sku, 0) + units
    best = sorted(sellers.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP]
    orders = totals.get(ORDERS, 0)
    return Figures(
        merchant_id=merchant_id,
        store_id=store_id,
        start=days[0],
        end=days[-1],
        totals=totals,
        by_day=tuple(by_day),
        by_hour=tuple(by_hour),
        best_sellers=tuple(Seller(sku, units) for sku, units in best),
        repurchase_rate=round(totals.get(REPEAT_ORDERS, 0) / orders, 4) if orders else None,
    )


def forecast(sold_recently: Mapping[str, int], available: Mapping[str, int], days: int) -> list[StockForecast]:
    """Days of cover per SKU from its sales velocity over the last `days` days, fewest first; SKUs
    that sold nothing recently have no forecast and come last."""
    result = []
    for sku, units in available.items():
        velocity = sold_recently.get(sku, 0) / days if days else 0.0
        cover = round(units / velocity, 1) if velocity > 0 else None
        result.append(StockForecast(sku, units, round(velocity, 2), cover))
    return sorted(result, key=lambda f: (f.days_of_cover is None, f.days_of_cover or 0.0, f.sku_id))
