"""Indoor navigation: the store's map, where a product is, and how to walk there.

For signed-in callers (any role): only login, stores and the catalog are public.
"""

from __future__ import annotations

from typing import Any

from chalicelib.catalog import api as catalog
from chalicelib.core.http import ApiBlueprint, current_principal, json_response, query
from chalicelib.navigation import models, service
from chalicelib.stores.api import require_store

bp = ApiBlueprint(__name__)


def _layout(store_id: str) -> dict[str, Any]:
    found = models.get_layout(store_id)
    if found is None:
        require_store(store_id)
    return service.require_layout(found, store_id)


@bp.route("/api/stores/{store_id}/layout", methods=["GET"])
def layout(store_id: str) -> object:
    current_principal(bp.request)
    return json_response({"layout": _layout(store_id)})


@bp.route("/api/stores/{store_id}/products/{product_id}/location", methods=["GET"])
def product_location(store_id: str, product_id: str) -> object:
    current_principal(bp.request)
    return json_response(service.product_location(catalog.require_product(store_id, product_id)))


@bp.route("/api/stores/{store_id}/route", methods=["GET"])
def route(store_id: str) -> object:
    current_principal(bp.request)
    params = query(bp.request)
    from_x = params.number("fromX", required=True)
    from_y = params.number("fromY", required=True)
    product_id = params.require_text("productId", max_length=64)
    assert from_x is not None and from_y is not None
    plan = service.plan_route(_layout(store_id), catalog.require_product(store_id, product_id), from_x, from_y)
    return json_response({"storeId": store_id, **plan})
