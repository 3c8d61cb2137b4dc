"""Analytics' use cases: count a stream record once, and read a range's figures back."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from chalicelib.analytics import domain
from chalicelib.analytics.domain import MERCHANT_SCOPE, Figures, StockForecast
from chalicelib.analytics.ports import AnalyticsPorts
from chalicelib.core.counters import Increment


def record(ports: AnalyticsPorts, record_id: str, increments: Iterable[Increment]) -> bool:
    """Counts one stream record's increments exactly once (False: it had been counted, or counts nothing)."""
    updates = domain.day_updates(increments, ports.timezone_of)
    if not updates:
        return False
    return ports.counters.apply(record_id, updates)


def figures(ports: AnalyticsPorts, merchant_id: str, store_id: str | None, start: date, end: date) -> Figures:
    """A merchant's (or one store's) figures over local days start..end: one item read per day."""
    days = domain.days_between(start, end)
    found = ports.counters.days(merchant_id, store_id or MERCHANT_SCOPE, days)
    return domain.figures(merchant_id, store_id, days, found)


def dashboard(
    ports: AnalyticsPorts, merchant_id: str, store_id: str | None, start: date, end: date, today: date
) -> tuple[Figures, list[StockForecast]]:
    """The range's figures and, for a store, the out-of-stock forecast of what it sold in the last
    VELOCITY_DAYS days (pick-ups stand for sales until the mall lands), fewest days of cover first.
    The range's days and the recent days are read in one go (no day item read twice), then the stock
    of at most 2 * TOP SKUs."""
    days = domain.days_between(start, end)
    recent = domain.days_between(date.fromordinal(today.toordinal() - domain.VELOCITY_DAYS + 1), today)
    wanted = list(dict.fromkeys(days + (recent if store_id else [])))
    found = ports.counters.days(merchant_id, store_id or MERCHANT_SCOPE, wanted)
    result = domain.figures(merchant_id, store_id, days, found)
    if store_id is None:
        return result, []
    sold: dict[str, int] = {}
    for day in recent:
        for sku, units in found.get(day, domain.DayCounters(day)).dimensions(domain.SALES_METRIC).items():
            sold[sku] = sold.get(sku, 0) + units
    if not sold:
        return result, []
    top = sorted(sold, key=lambda sku: (-sold[sku], sku))[: domain.TOP * 2]
    available = ports.available(merchant_id, store_id, top)
    return result, domain.forecast(sold, available, domain.VELOCITY_DAYS)[: domain.TOP]
