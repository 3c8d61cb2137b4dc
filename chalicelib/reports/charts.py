"""The report's charts as PNG bytes (matplotlib, Agg backend). Only the report function imports this
module, on its first report: the API function never pays for matplotlib."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure

from chalicelib.reports.ports import PeriodFigures

BAR = "#1f6feb"
LINE = "#d4541c"
SIZE = (6.4, 2.8)  # inches at 100 dpi: the HTML's 640x280


def _png(figure: Figure) -> bytes:
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=100)
    return out.getvalue()


def revenue_by_day(figures: PeriodFigures) -> bytes:
    figure = Figure(figsize=SIZE)
    axes = figure.add_subplot()
    days = [d.day[5:] for d in figures.revenue_by_day]
    axes.bar(days, [d.revenue_fen / 100 for d in figures.revenue_by_day], color=BAR)
    axes.set_ylabel("Revenue (yuan)")
    axes.set_title("Revenue by day")
    figure.tight_layout()
    return _png(figure)


def traffic_by_hour(figures: PeriodFigures) -> bytes:
    figure = Figure(figsize=SIZE)
    axes = figure.add_subplot()
    hours = list(range(24))
    axes.bar(hours, list(figures.traffic_by_hour) or [0] * 24, color=LINE)
    axes.set_xticks(range(0, 24, 3))
    axes.set_xlabel("Hour (local time)")
    axes.set_title("Traffic by hour")
    figure.tight_layout()
    return _png(figure)


def render_all(figures: PeriodFigures) -> dict[str, bytes]:
    return {"revenue-by-day": revenue_by_day(figures), "traffic-by-hour": traffic_by_hour(figures)}
