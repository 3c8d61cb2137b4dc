"""Analytics' answers in the client contract's field names."""

from __future__ import annotations

from typing import Any

from chalicelib.analytics.domain import Figures, StockForecast


def dashboard_view(figures: Figures, low_stock: list[StockForecast]) -> dict[str, Any]:
    return {
        "totals": dict(figures.totals),
        "byDay": [{"date": d.day, "counts": dict(d.counts)} for d in figures.by_day],
        "byHour": list(figures.by_hour),
        "peakHour": figures.peak_hour,
        "repurchaseRate": figures.repurchase_rate,
        "bestSellers": [{"skuId": s.sku_id, "units": s.units} for s in figures.best_sellers],
        "lowStock": [
            {"skuId": f.sku_id, "available": f.available, "dailySales": f.daily_sales, "daysOfCover": f.days_of_cover}
            for f in low_stock
        ],
    }
