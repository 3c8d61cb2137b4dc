"""What the reports use cases need from the world, as ports. AWS adapters are `adapters.py`; the
in-memory fakes are `tests/fakes/reports.py`.

`ReportFigures` is the report's view of the analytics counters: the figures of one period, as plain
frozen values. The live adapter to the analytics area is wired after it lands (`adapters.py`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from chalicelib.reports.domain import Period, ReportKind, ReportSettings


@dataclass(frozen=True)
class Totals:
    """One period's totals. Money in fen."""

    revenue_fen: int = 0
    orders: int = 0
    customers: int = 0
    new_customers: int = 0
    reservations: int = 0
    queue_tickets: int = 0

    @property
    def average_order_fen(self) -> int:
        return self.revenue_fen // self.orders if self.orders else 0


@dataclass(frozen=True)
class DayRevenue:
    day: str  # YYYY-MM-DD, local
    revenue_fen: int
    orders: int


@dataclass(frozen=True)
class TopProduct:
    name: str
    quantity: int
    revenue_fen: int


@dataclass(frozen=True)
class LowStock:
    store_name: str
    product_name: str
    on_hand: int
    days_of_cover: float | None = None


@dataclass(frozen=True)
class Bookings:
    made: int = 0
    completed: int = 0
    no_shows: int = 0
    cancelled: int = 0


@dataclass(frozen=True)
class PeriodFigures:
    """Everything one report shows: this period, the one before it for comparison, and details."""

    totals: Totals
    previous_totals: Totals
    revenue_by_day: tuple[DayRevenue, ...]
    traffic_by_hour: tuple[int, ...]  # 24 values, local hours (orders + visits)
    top_products: tuple[TopProduct, ...]
    low_stock: tuple[LowStock, ...]
    bookings: Bookings
    previous_bookings: Bookings


class ReportFigures(Protocol):
    def figures(self, merchant_id: str, period: Period) -> PeriodFigures: ...


class SettingsStore(Protocol):
    def get(self, merchant_id: str) -> ReportSettings | None: ...

    def put(self, settings: ReportSettings, now_iso: str) -> None: ...

    def disable(self, merchant_id: str, kind: ReportKind, now_iso: str) -> ReportSettings | None:
        """Turn the kind off; None when the merchant has no settings."""
        ...


class Schedules(Protocol):
    def put(self, merchant_id: str, kind: ReportKind, cron: str, timezone: str) -> None:
        """Create or update the recurring schedule (idempotent)."""
        ...

    def delete(self, merchant_id: str, kind: ReportKind) -> None:
        """Delete it if it exists (idempotent)."""
        ...


class JobQueue(Protocol):
    def send(self, message: dict[str, object]) -> None: ...


class SentMarkers(Protocol):
    """One marker per merchant, kind and period (or per preview): claimed before a send, marked sent
    after it. A claim is refused while another one is live or once the report was sent."""

    def claim(self, merchant_id: str, marker: str, token: str, now_iso: str, lease_until_iso: str) -> bool: ...

    def mark_sent(self, merchant_id: str, marker: str, token: str, message_id: str, now_iso: str) -> None: ...

    def release(self, merchant_id: str, marker: str, token: str) -> None: ...


class Mailer(Protocol):
    def send_raw(self, to: str, raw: bytes) -> str:
        """Returns the provider's message id."""
        ...
