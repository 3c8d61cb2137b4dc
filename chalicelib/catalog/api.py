"""What other areas may use of the catalogue: a product of a store, or the one 404 that names it; and the
text index (keyword search with bounded reads: tokenizer in `search`, postings and merge join in
`textindex`) for any scope of documents, e.g. a merchant's mall products."""

from __future__ import annotations

from chalicelib.catalog import search, textindex
from chalicelib.catalog.models import Product, get_product
from chalicelib.core import tenancy
from chalicelib.core.errors import NotFound
from chalicelib.stores.api import require_store

__all__ = ["Product", "require_product", "search", "textindex"]


def require_product(store_id: str, product_id: str) -> Product:
    """The product (one GetItem), or a 404: STORE_NOT_FOUND when the store is what is missing (one
    more GetItem, only then), else PRODUCT_NOT_FOUND. The product names the store's merchant, which is
    the request's tenant (`core/tenancy.py`: checked once, e.g. refused while suspended)."""
    product = get_product(store_id, product_id)
    if product is not None:
        tenancy.note_tenant(product.merchant_id, "store")
    else:
        require_store(store_id)
        raise NotFound(
            f"Product '{product_id}' does not exist in this store.", code="PRODUCT_NOT_FOUND", field="productId"
        )
    return product
