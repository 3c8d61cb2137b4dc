"""Analytics' requests parsed into typed values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated

import msgspec
from msgspec import Meta

from chalicelib.analytics.domain import MAX_DAYS, days_between
from chalicelib.core.contract import Date, Model
from chalicelib.core.errors import ValidationError

OptionalId = Annotated[str, Meta(max_length=64)]


class DashboardParams(Model):
    start: Date = msgspec.field(name="from")
    end: Date = msgspec.field(name="to")
    store_id: OptionalId | None = None


class DayAnswer(Model):
    date: str
    counts: dict[str, int]


class SellerAnswer(Model):
    sku_id: str
    units: int


class StockAnswer(Model):
    sku_id: str
    available: int
    daily_sales: float
    days_of_cover: float | None


class DashboardAnswer(Model):
    totals: dict[str, int]
    by_day: list[DayAnswer]
    by_hour: Annotated[list[int], Meta(min_length=24, max_length=24)]
    peak_hour: int | None
    repurchase_rate: float | None
    best_sellers: list[SellerAnswer]
    low_stock: list[StockAnswer]


def _day(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError(f"'{name}' must be YYYY-MM-DD.", field=name) from None


@dataclass(frozen=True)
class DashboardQuery:
    start: date
    end: date
    store_id: str | None

    @classmethod
    def of(cls, params: DashboardParams) -> DashboardQuery:
        start, end = _day(params.start, "from"), _day(params.end, "to")
        try:
            days_between(start, end)
        except ValueError:
            raise ValidationError(f"'from' must not be after 'to', at most {MAX_DAYS} days.", field="to") from None
        return cls(start, end, (params.store_id or "").strip() or None)
