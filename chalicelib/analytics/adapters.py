"""The real ports of analytics' use cases."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache

from chalicelib.analytics.models import CounterTable
from chalicelib.analytics.ports import AnalyticsPorts

DEFAULT_TIMEZONE = "Asia/Shanghai"


@lru_cache(maxsize=256)
def timezone_of(merchant_id: str) -> str:
    """A merchant's timezone, read once per merchant per function instance: it is set when the
    merchant is onboarded and practically never changes (a change reaches counting as instances
    recycle). An unknown merchant counts in the platform's default timezone."""
    from chalicelib.merchants.api import get_merchant

    merchant = get_merchant(merchant_id)
    return merchant.timezone if merchant is not None else DEFAULT_TIMEZONE


def _available(merchant_id: str, store_id: str, sku_ids: Sequence[str]) -> Mapping[str, int]:
    from chalicelib.inventory.api import available_at

    return available_at(merchant_id, store_id, sku_ids)


def live_ports() -> AnalyticsPorts:
    return AnalyticsPorts(counters=CounterTable(), available=_available, timezone_of=timezone_of)
