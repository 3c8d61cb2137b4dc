"""What other areas may use of stores: the store record and its opening-hours rules."""

from __future__ import annotations

from chalicelib.stores.domain import OpeningHours, Store, is_open
from chalicelib.stores.models import get_store
from chalicelib.stores.service import require_store

__all__ = ["OpeningHours", "Store", "get_store", "is_open", "require_store"]
