"""The report's HTML, text and CSV from a period's figures: pure shaping, no AWS, no charts.

Charts are referenced by Content-ID (`cid:`), so the HTML works in every mail client that shows
inline images; `mime.py` attaches the PNGs under those ids."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from html import escape

from chalicelib.reports.domain import Period, change_ratio
from chalicelib.reports.ports import PeriodFigures

CHARTS = ("revenue-by-day", "traffic-by-hour")
CHART_TITLES = {"revenue-by-day": "Revenue by day", "traffic-by-hour": "Traffic by hour"}


@dataclass(frozen=True)
class KeyFigure:
    name: str
    label: str
    value: int
    previous: int
    money: bool = False

    def shown(self, value: int) -> str:
        return money(value) if self.money else f"{value:,}"

    def change(self) -> str:
        ratio = change_ratio(self.value, self.previous)
        if ratio is None:
            return "new" if self.value else "–"
        return f"{ratio:+.1%}"


def money(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}¥{yuan:,}.{cents:02d}"


def key_figures(figures: PeriodFigures) -> list[KeyFigure]:
    now, before = figures.totals, figures.previous_totals
    booked, booked_before = figures.bookings, figures.previous_bookings
    return [
        KeyFigure("revenue", "Revenue", now.revenue_fen, before.revenue_fen, money=True),
        KeyFigure("orders", "Orders", now.orders, before.orders),
        KeyFigure("average-order", "Average order", now.average_order_fen, before.average_order_fen, money=True),
        KeyFigure("customers", "Customers", now.customers, before.customers),
        KeyFigure("new-customers", "New customers", now.new_customers, before.new_customers),
        KeyFigure("reservations", "Reservations", now.reservations, before.reservations),
        KeyFigure("queue-tickets", "Queue tickets", now.queue_tickets, before.queue_tickets),
        KeyFigure("bookings", "Bookings", booked.made, booked_before.made),
        KeyFigure("no-shows", "No-shows", booked.no_shows, booked_before.no_shows),
        KeyFigure("cancellations", "Cancellations", booked.cancelled, booked_before.cancelled),
    ]


def subject(merchant_name: str, period: Period) -> str:
    kind = "Daily" if period.kind.value == "daily" else "Weekly"
    return f"{kind} report · {merchant_name} · {period.label()}"


_STYLE = (
    "body{font-family:Arial,Helvetica,sans-serif;color:#222;max-width:720px;margin:0 auto;padding:16px}"
    "table{border-collapse:collapse;width:100%;margin:8px 0 20px}"
    "th,td{border-bottom:1px solid #ddd;padding:6px 8px;text-align:left}"
    "td.num{text-align:right}.up{color:#1a7f37}.down{color:#cf222e}"
    "img{display:block;max-width:100%;margin:8px 0 20px}.muted{color:#777;font-size:12px}"
)


def html(
    figures: PeriodFigures, merchant_name: str, period: Period, unsubscribe_url: str, chart_src: dict[str, str]
) -> str:
    """`chart_src`: chart name -> image source (`cid:...` in the email)."""
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>{escape(subject(merchant_name, period))}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{escape(merchant_name)}</h1>",
        f"<p id='period'>{'Daily' if period.kind.value == 'daily' else 'Weekly'} report for "
        f"<b>{escape(period.label())}</b>, compared with {escape(period.previous().label())}.</p>",
        "<h2>Key figures</h2><table id='key-figures'><tr><th>Figure</th><th>This period</th>"
        "<th>Previous</th><th>Change</th></tr>",
    ]
    for figure in key_figures(figures):
        change = figure.change()
        css = "up" if change.startswith("+") else "down" if change.startswith("-") else ""
        parts.append(
            f"<tr data-figure='{figure.name}'><td>{escape(figure.label)}</td>"
            f"<td class='num value'>{escape(figure.shown(figure.value))}</td>"
            f"<td class='num previous'>{escape(figure.shown(figure.previous))}</td>"
            f"<td class='num change {css}'>{escape(change)}</td></tr>"
        )
    parts.append("</table>")
    for name in CHARTS:
        parts.append(
            f"<h2>{CHART_TITLES[name]}</h2><img id='chart-{name}' alt='{CHART_TITLES[name]}' "
            f"width='640' height='280' src='{escape(chart_src[name], quote=True)}'>"
        )
    parts.append("<h2>Top products</h2><table id='top-products'><tr><th>Product</th><th>Sold</th><th>Revenue</th></tr>")
    for product in figures.top_products:
        parts.append(
            f"<tr><td>{escape(product.name)}</td><td class='num'>{product.quantity:,}</td>"
            f"<td class='num'>{escape(money(product.revenue_fen))}</td></tr>"
        )
    if not figures.top_products:
        parts.append("<tr><td colspan='3' class='muted'>No sales in this period.</td></tr>")
    parts.append("</table><h2>Low stock</h2><table id='low-stock'><tr><th>Store</th><th>Product</th>")
    parts.append("<th>On hand</th><th>Days of cover</th></tr>")
    for row in figures.low_stock:
        cover = "–" if row.days_of_cover is None else f"{row.days_of_cover:.1f}"
        parts.append(
            f"<tr><td>{escape(row.store_name)}</td><td>{escape(row.product_name)}</td>"
            f"<td class='num'>{row.on_hand:,}</td><td class='num'>{cover}</td></tr>"
        )
    if not figures.low_stock:
        parts.append("<tr><td colspan='4' class='muted'>Nothing is running low.</td></tr>")
    booked = figures.bookings
    parts += [
        "</table><h2>Bookings</h2><table id='bookings'>",
        f"<tr><td>Made</td><td class='num' data-bookings='made'>{booked.made:,}</td></tr>",
        f"<tr><td>Completed</td><td class='num' data-bookings='completed'>{booked.completed:,}</td></tr>",
        f"<tr><td>No-shows</td><td class='num' data-bookings='no-shows'>{booked.no_shows:,}</td></tr>",
        f"<tr><td>Cancelled</td><td class='num' data-bookings='cancelled'>{booked.cancelled:,}</td></tr>",
        "</table>",
        "<p class='muted'>The figures are attached as CSV. "
        f"<a id='unsubscribe' href='{escape(unsubscribe_url, quote=True)}'>Unsubscribe from this report</a>.</p>",
        "</body></html>",
    ]
    return "".join(parts)


def text(figures: PeriodFigures, merchant_name: str, period: Period, unsubscribe_url: str) -> str:
    """The plain-text alternative: the key figures and the unsubscribe link."""
    lines = [subject(merchant_name, period), ""]
    for figure in key_figures(figures):
        lines.append(f"{figure.label}: {figure.shown(figure.value)} ({figure.change()})")
    lines += ["", f"Unsubscribe: {unsubscribe_url}"]
    return "\n".join(lines)


def csv_bytes(figures: PeriodFigures, period: Period) -> bytes:
    """Every figure in the report, one section per table; money in fen (machine-readable). UTF-8 with
    a BOM, so spreadsheet apps read Chinese product names right."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "name", "value", "previous"])
    for figure in key_figures(figures):
        writer.writerow(["key_figures", figure.name, figure.value, figure.previous])
    for day in figures.revenue_by_day:
        writer.writerow(["revenue_by_day", day.day, day.revenue_fen, ""])
    for hour, visits in enumerate(figures.traffic_by_hour):
        writer.writerow(["traffic_by_hour", f"{hour:02d}", visits, ""])
    for product in figures.top_products:
        writer.writerow(["top_products", product.name, product.quantity, product.revenue_fen])
    for row in figures.low_stock:
        writer.writerow(["low_stock", f"{row.store_name} / {row.product_name}", row.on_hand, ""])
    writer.writerow(["period", period.kind.value, period.start.isoformat(), period.end.isoformat()])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
