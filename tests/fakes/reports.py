"""In-memory fakes of the reports ports (chalicelib/reports/ports.py), and a known data set."""

from __future__ import annotations

from dataclasses import dataclass, field

from chalicelib.reports.domain import Period, ReportKind, ReportSettings
from chalicelib.reports.ports import Bookings, DayRevenue, LowStock, PeriodFigures, TopProduct, Totals


class InMemorySettings:
    def __init__(self) -> None:
        self.items: dict[str, ReportSettings] = {}

    def get(self, merchant_id: str) -> ReportSettings | None:
        return self.items.get(merchant_id)

    def put(self, settings: ReportSettings, now_iso: str) -> None:
        self.items[settings.merchant_id] = settings

    def disable(self, merchant_id: str, kind: ReportKind, now_iso: str) -> ReportSettings | None:
        if merchant_id not in self.items:
            return None
        self.items[merchant_id] = self.items[merchant_id].without(kind)
        return self.items[merchant_id]


class InMemorySchedules:
    def __init__(self) -> None:
        self.schedules: dict[tuple[str, ReportKind], tuple[str, str]] = {}  # -> (cron, timezone)

    def put(self, merchant_id: str, kind: ReportKind, cron: str, timezone: str) -> None:
        self.schedules[(merchant_id, kind)] = (cron, timezone)

    def delete(self, merchant_id: str, kind: ReportKind) -> None:
        self.schedules.pop((merchant_id, kind), None)


class InMemoryQueue:
    def __init__(self) -> None:
        self.messages: list[dict[str, object]] = []

    def send(self, message: dict[str, object]) -> None:
        self.messages.append(message)


@dataclass
class Marker:
    status: str
    token: str
    lease_until: str | None
    message_id: str | None = None


class InMemoryMarkers:
    """The same conditions as the table's: a claim needs no marker, or a `sending` one whose lease ran out."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], Marker] = {}

    def claim(self, merchant_id: str, marker: str, token: str, now_iso: str, lease_until_iso: str) -> bool:
        current = self.items.get((merchant_id, marker))
        if current is not None and not (
            current.status == "sending" and current.lease_until is not None and current.lease_until < now_iso
        ):
            return False
        self.items[(merchant_id, marker)] = Marker("sending", token, lease_until_iso)
        return True

    def mark_sent(self, merchant_id: str, marker: str, token: str, message_id: str, now_iso: str) -> None:
        current = self.items[(merchant_id, marker)]
        if current.token != token:
            raise RuntimeError("condition failed: another claim owns the marker")
        self.items[(merchant_id, marker)] = Marker("sent", token, None, message_id)

    def release(self, merchant_id: str, marker: str, token: str) -> None:
        current = self.items.get((merchant_id, marker))
        if current is not None and current.token == token and current.status == "sending":
            del self.items[(merchant_id, marker)]


@dataclass
class RecordingMailer:
    sent: list[tuple[str, bytes]] = field(default_factory=list)
    failures_left: int = 0

    def send_raw(self, to: str, raw: bytes) -> str:
        if self.failures_left:
            self.failures_left -= 1
            raise ConnectionError("SES unavailable")
        self.sent.append((to, raw))
        return f"msg-{len(self.sent)}"


def known_figures(period: Period) -> PeriodFigures:
    """A fixed, recognisable data set: revenue rises by day, traffic peaks at noon and 18:00."""
    days = period.days
    return PeriodFigures(
        totals=Totals(
            revenue_fen=1_234_567, orders=89, customers=61, new_customers=12, reservations=7, queue_tickets=40
        ),
        previous_totals=Totals(
            revenue_fen=1_000_000, orders=100, customers=61, new_customers=0, reservations=7, queue_tickets=50
        ),
        revenue_by_day=tuple(
            DayRevenue(day=(d).isoformat(), revenue_fen=10_000 * (i + 1), orders=i + 1) for i, d in enumerate(days)
        ),
        traffic_by_hour=tuple(30 if h in (12, 18) else (5 if 9 <= h <= 21 else 0) for h in range(24)),
        top_products=(
            TopProduct("珍珠奶茶 Pearl milk tea", 42, 42 * 1800),
            TopProduct("Matcha <latte>", 17, 17 * 2200),
        ),
        low_stock=(LowStock("Jing'an store", "Oat milk 1L", 3, 1.5),),
        bookings=Bookings(made=20, completed=15, no_shows=3, cancelled=2),
        previous_bookings=Bookings(made=16, completed=14, no_shows=1, cancelled=1),
    )


@dataclass
class KnownFigures:
    """The known data set for any merchant and period; records what was asked."""

    asked: list[tuple[str, Period]] = field(default_factory=list)

    def figures(self, merchant_id: str, period: Period) -> PeriodFigures:
        self.asked.append((merchant_id, period))
        return known_figures(period)
