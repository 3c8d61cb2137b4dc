"""What other areas may use of stores: the store record, its opening-hours rules, whether a merchant exists."""

from __future__ import annotations

from chalicelib.stores.domain import OpeningHours, Store, is_open
from chalicelib.stores.models import get_store, merchant_exists
from chalicelib.stores.service import require_store

__all__ = ["OpeningHours", "Store", "get_store", "is_open", "merchant_exists", "require_store"]
