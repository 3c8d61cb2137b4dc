"""Public catalog: categories, inventory pages with filters, product detail. Stock comes from inventory."""

from __future__ import annotations

from typing import Any

from chalicelib.catalog import models, search
from chalicelib.catalog.api import require_product
from chalicelib.catalog.models import Product
from chalicelib.core.http import ApiBlueprint, json_response, query
from chalicelib.inventory import api as inventory
from chalicelib.stores.api import require_store

bp = ApiBlueprint(__name__)

MAX_PAGE = 100
# The mini program's inventory page sends no `limit` or `cursor` and shows `products` as the whole
# shelf, so an unpaged request gets the largest page; `nextCursor` still covers bigger stores.
DEFAULT_PAGE = MAX_PAGE


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


@bp.route("/api/stores/{store_id}/categories", methods=["GET"])
def categories(store_id: str) -> object:
    found = models.list_categories(store_id)
    if not found:
        _ensure_store_exists(store_id)
    return json_response({"categories": [{"id": c.id, "name": c.name} for c in found]})


@bp.route("/api/stores/{store_id}/inventory", methods=["GET"])
def inventory_page(store_id: str) -> object:
    """One Query for the page's products, one BatchGetItem for their stock at this store."""
    params = query(bp.request)
    category = params.text("category", max_length=64) or None
    keyword = params.text("keyword", default="", max_length=50) or ""
    cursor = params.text("cursor", max_length=400) or None
    limit = params.integer("limit", default=DEFAULT_PAGE, minimum=1, maximum=MAX_PAGE)
    assert limit is not None
    page = models.query_products(
        store_id,
        category_id=category,
        keyword_terms=search.terms(keyword),
        cursor=cursor,
        limit=limit,
    )
    if not page.products and cursor is None:
        _ensure_store_exists(store_id)
    # The page's products name their merchant (the store's), so the stock keys need no store read.
    merchant_id = page.products[0].merchant_id if page.products else ""
    stock = inventory.available_at(merchant_id, store_id, [p.sku_id for p in page.products])
    return json_response(
        {"products": [product_view(p, stock[p.sku_id]) for p in page.products], "nextCursor": page.next_cursor}
    )


@bp.route("/api/stores/{store_id}/products/{product_id}", methods=["GET"])
def product_detail(store_id: str, product_id: str) -> object:
    product = require_product(store_id, product_id)
    stock = inventory.available(inventory.StockKey(product.merchant_id, product.sku_id, store_id))
    return json_response(product_view(product, stock))
