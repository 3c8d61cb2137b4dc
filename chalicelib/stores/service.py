"""Store locator rules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.core.errors import ValidationError
from chalicelib.stores import geo, hours
from chalicelib.stores.domain import Store

MAX_RADIUS_M = 50_000
DEFAULT_RADIUS_M = 5_000
DEFAULT_LIMIT = 20
MAX_LIMIT = 100


@dataclass(frozen=True)
class NearbyStore:
    store: Store
    distance_m: float


def find_nearby(
    latitude: float,
    longitude: float,
    radius_m: float,
    *,
    cell_query: Callable[[int, str], list[Store]],
    limit: int | None = None,
) -> list[NearbyStore]:
    """The `limit` nearest stores (all of them without one) within the radius, nearest first, in at most
    geo.MAX_CELLS queries whatever the input: a circle that holds a pole would need every longitude's
    cell, so it is refused."""
    precision, cells = geo.covering_cells(latitude, longitude, radius_m)
    if len(cells) > geo.MAX_CELLS:
        raise ValidationError(
            "Searches whose circle reaches a pole are not supported.", code="SEARCH_AREA_UNSUPPORTED", field="latitude"
        )
    found: dict[str, NearbyStore] = {}
    for cell in cells:
        for store in cell_query(precision, cell):
            distance = geo.distance_m(latitude, longitude, store.latitude, store.longitude)
            if distance <= radius_m:
                found[store.id] = NearbyStore(store, distance)
    return sorted(found.values(), key=lambda s: (s.distance_m, s.store.id))[:limit]


def require_store(store_id: str) -> Store:
    """The store (one GetItem per request), or a 404 naming it; it names the request's tenant."""
    from chalicelib.stores.api import require_store as required

    return required(store_id)


def store_view(store: Store, now: datetime, distance_m: float | None = None) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": store.id,
        "name": store.name,
        "address": store.address,
        "phone": store.phone,
        "latitude": store.latitude,
        "longitude": store.longitude,
        "timezone": store.timezone,
        "openingHours": store.opening_hours,
        "isOpen": hours.is_open(store.opening_hours, store.timezone, now),
        "merchantId": store.merchant_id,
    }
    if distance_m is not None:
        view["distance"] = round(distance_m)
    return view
