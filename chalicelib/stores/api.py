"""What other areas may use of stores: the store record and its opening-hours rules.

A store read in a request is remembered for the rest of it and names the request's tenant (its
merchant; `core/tenancy.py`), so no route reads a store twice and every use case after it knows
whose data it is answering with."""

from __future__ import annotations

from chalicelib.core import tenancy
from chalicelib.core.errors import NotFound
from chalicelib.stores.domain import OpeningHours, Store, is_open

__all__ = ["OpeningHours", "Store", "get_store", "is_open", "require_store"]


def get_store(store_id: str) -> Store | None:
    """The store (one GetItem per request), or None."""
    from chalicelib.stores import models

    store = tenancy.memo(("store", store_id), lambda: models.get_store(store_id))
    if store is not None:
        tenancy.note_tenant(store.merchant_id, "store")
    return store


def require_store(store_id: str) -> Store:
    """The store (one GetItem per request), or a 404 naming it."""
    store = get_store(store_id)
    if store is None:
        raise NotFound(f"Store '{store_id}' does not exist.", code="STORE_NOT_FOUND", field="storeId")
    return store
