"""What analytics publishes to other areas: a merchant's (or one store's) figures over local days.

The report emails call `figures`; it reads one counter item per day (BatchGetItem), whatever the
history behind them.
"""

from __future__ import annotations

from datetime import date

from chalicelib.analytics.domain import DayFigures, Figures, Seller

__all__ = ["DayFigures", "Figures", "Seller", "figures"]


def figures(merchant_id: str, start: date, end: date, store_id: str | None = None) -> Figures:
    """Totals per metric, per day and per local hour, best sellers by units picked up. Raises
    ValueError for a range running backwards or longer than domain.MAX_DAYS."""
    from chalicelib.analytics import service
    from chalicelib.analytics.adapters import live_ports

    return service.figures(live_ports(), merchant_id, store_id, start, end)
