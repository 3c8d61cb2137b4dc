"""Indoor navigation: the store's map, where a product is, and how to walk there.

For signed-in callers (any role): only login, stores and the catalog are public.
"""

from __future__ import annotations

from typing import Any

from chalicelib.catalog import api as catalog
from chalicelib.core.contract import RouteContract
from chalicelib.core.http import ApiBlueprint, current_principal, json_response
from chalicelib.core.tenancy import note_tenant
from chalicelib.navigation import models, service
from chalicelib.navigation.requests import LayoutAnswer, ProductLocationAnswer, RouteAnswer, RouteQuery
from chalicelib.stores.api import require_store

bp = ApiBlueprint(__name__)


def _layout(store_id: str) -> dict[str, Any]:
    found = models.get_layout(store_id)
    if found is None:
        require_store(store_id)
        return service.require_layout(None, store_id)
    layout, merchant_id = found
    note_tenant(merchant_id, "store")  # the store's merchant: the request's tenant, checked once
    return service.require_layout(layout, store_id)


@bp.route(
    "/api/stores/{store_id}/layout",
    methods=["GET"],
    contract=RouteContract(answers={200: LayoutAnswer}, summary="The store's map"),
)
def layout(store_id: str) -> object:
    current_principal(bp.request)
    return json_response({"layout": _layout(store_id)})


@bp.route(
    "/api/stores/{store_id}/products/{product_id}/location",
    methods=["GET"],
    contract=RouteContract(answers={200: ProductLocationAnswer}, summary="Where a product is"),
)
def product_location(store_id: str, product_id: str) -> object:
    current_principal(bp.request)
    return json_response(service.product_location(catalog.require_product(store_id, product_id)))


@bp.route(
    "/api/stores/{store_id}/route",
    methods=["GET"],
    contract=RouteContract(
        query=RouteQuery, answers={200: RouteAnswer}, errors=(409,), summary="A walking route to a product"
    ),
)
def route(store_id: str) -> object:
    current_principal(bp.request)
    wanted = bp.query(RouteQuery)
    layout = _layout(store_id)
    product = catalog.require_product(store_id, wanted.product_id.strip())
    plan = service.plan_route(layout, product, wanted.from_x, wanted.from_y)
    return json_response({"storeId": store_id, **plan})
