"""Public catalog: categories, inventory pages with filters, product detail. Stock comes from inventory."""

from __future__ import annotations

from typing import Any

from chalicelib.catalog import models, search
from chalicelib.catalog.api import require_product
from chalicelib.catalog.models import Product
from chalicelib.catalog.requests import CategoriesAnswer, InventoryAnswer, InventoryQuery, ProductAnswer
from chalicelib.core.contract import PUBLIC, RouteContract, stripped
from chalicelib.core.http import ApiBlueprint, json_response
from chalicelib.core.tenancy import note_tenant
from chalicelib.inventory import api as inventory
from chalicelib.stores.api import require_store

bp = ApiBlueprint(__name__)


def product_view(product: Product, stock: int) -> dict[str, Any]:
    """`stock`: units available at this store now, net of open pickup reservations."""
    return {
        "id": product.id,
        "storeId": product.store_id,
        "name": product.name,
        "nameEn": product.name_en,
        "price": product.price,
        "stock": stock,
        "categoryId": product.category_id,
        "unit": product.unit,
        "image": product.image,
        "description": product.description,
    }


def _ensure_store_exists(store_id: str) -> None:
    """Only reached when a store's query came back empty: tells "no rows" from "no store"."""
    require_store(store_id)


@bp.route(
    "/api/stores/{store_id}/categories",
    methods=["GET"],
    contract=RouteContract(answers={200: CategoriesAnswer}, roles=PUBLIC, summary="A store's categories"),
)
def categories(store_id: str) -> object:
    found = models.list_categories(store_id)
    if not found:
        _ensure_store_exists(store_id)
    return json_response({"categories": [{"id": c.id, "name": c.name} for c in found]})


@bp.route(
    "/api/stores/{store_id}/inventory",
    methods=["GET"],
    contract=RouteContract(
        query=InventoryQuery, answers={200: InventoryAnswer}, roles=PUBLIC, summary="A page of a store's products"
    ),
)
def inventory_page(store_id: str) -> object:
    """One Query for the page's products, one BatchGetItem for their stock at this store."""
    wanted = bp.query(InventoryQuery)
    cursor = stripped(wanted.cursor)
    page = models.query_products(
        store_id,
        category_id=stripped(wanted.category),
        keyword_terms=search.terms(stripped(wanted.keyword) or ""),
        cursor=cursor,
        limit=wanted.limit,
    )
    if not page.products and cursor is None:
        _ensure_store_exists(store_id)
    # The page's products name their merchant (the store's), so the stock keys need no store read; it is
    # the request's tenant (checked once: a suspended merchant's store answers 403).
    merchant_id = page.products[0].merchant_id if page.products else ""
    if merchant_id:
        note_tenant(merchant_id, "store")
    stock = inventory.available_at(merchant_id, store_id, [p.sku_id for p in page.products])
    return json_response(
        {"products": [product_view(p, stock[p.sku_id]) for p in page.products], "nextCursor": page.next_cursor}
    )


@bp.route(
    "/api/stores/{store_id}/products/{product_id}",
    methods=["GET"],
    contract=RouteContract(answers={200: ProductAnswer}, roles=PUBLIC, summary="One product with its stock"),
)
def product_detail(store_id: str, product_id: str) -> object:
    product = require_product(store_id, product_id)
    stock = inventory.available(inventory.StockKey(product.merchant_id, product.sku_id, store_id))
    return json_response(product_view(product, stock))
