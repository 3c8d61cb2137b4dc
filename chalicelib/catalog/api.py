"""What other areas may use of the catalogue: a product of a store, or a 404 naming it."""

from __future__ import annotations

from chalicelib.catalog.models import Product, get_product
from chalicelib.core.errors import NotFound

__all__ = ["Product", "get_product", "product_not_found", "require_product"]


def product_not_found(product_id: str) -> NotFound:
    """The one 404 every area answers for a product the store does not sell."""
    return NotFound(
        f"Product '{product_id}' does not exist in this store.", code="PRODUCT_NOT_FOUND", field="productId"
    )


def require_product(store_id: str, product_id: str) -> Product:
    product = get_product(store_id, product_id)
    if product is None:
        raise product_not_found(product_id)
    return product
