"""Category and product items (STORE#<id> / CATEGORY#<id>, PRODUCT#<id>) and their data access.

Stock is inventory's: a product's units at a store are the stock item of its SKU at that store."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.condition import Condition

from chalicelib.catalog import search
from chalicelib.core.errors import ValidationError
from chalicelib.data.table import TableModel, key

PRODUCT_PREFIX = "PRODUCT#"
CATEGORY_PREFIX = "CATEGORY#"
# A filtered page reads up to this many items in its one Query (DynamoDB also stops at 1 MB).
FILTER_WINDOW = 400


class CategoryItem(TableModel):
    merchant_id = UnicodeAttribute()
    name = UnicodeAttribute()
    sort_order = NumberAttribute(default=0)


class ProductItem(TableModel):
    merchant_id = UnicodeAttribute()
    name = UnicodeAttribute()
    name_en = UnicodeAttribute(null=True)
    category_id = UnicodeAttribute()
    price = NumberAttribute()  # fen
    unit = UnicodeAttribute(null=True)
    image = UnicodeAttribute(null=True)
    description = UnicodeAttribute(null=True)
    search_text = UnicodeAttribute()
    location = JSONAttribute(null=True)  # {x, y, floor, shelf, aisle} on the store layout grid


@dataclass(frozen=True)
class Category:
    id: str
    name: str
    sort_order: int = 0


@dataclass(frozen=True)
class Product:
    store_id: str
    id: str
    name: str
    category_id: str
    price: int
    merchant_id: str  # the store's: the SKU and its stock are this merchant's
    name_en: str | None = None
    unit: str | None = None
    image: str | None = None
    description: str | None = None
    location: dict[str, Any] | None = None

    @property
    def sku_id(self) -> str:
        """The SKU whose stock this product sells: today's products are one SKU each, so its id."""
        return self.id


@dataclass(frozen=True)
class ProductPage:
    products: list[Product]
    next_cursor: str | None
    scanned: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def product_key(store_id: str, product_id: str) -> tuple[str, str]:
    return key("STORE", store_id), PRODUCT_PREFIX + product_id


def _to_product(item: ProductItem) -> Product:
    return Product(
        store_id=item.pk.split("#", 1)[1],
        id=item.sk[len(PRODUCT_PREFIX) :],
        name=item.name,
        category_id=item.category_id,
        price=int(item.price),
        merchant_id=item.merchant_id,
        name_en=item.name_en,
        unit=item.unit,
        image=item.image,
        description=item.description,
        location=item.location,
    )


def encode_cursor(sk: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"sk": sk}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        sk = data["sk"]
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise ValidationError("'cursor' is not a cursor this API issued.", field="cursor") from None
    if not isinstance(sk, str) or not sk.startswith(PRODUCT_PREFIX) or len(sk) > 200:
        raise ValidationError("'cursor' is not a cursor this API issued.", field="cursor")
    return sk


def list_categories(store_id: str) -> list[Category]:
    items = CategoryItem.query(key("STORE", store_id), CategoryItem.sk.startswith(CATEGORY_PREFIX))
    categories = [Category(i.sk[len(CATEGORY_PREFIX) :], i.name, int(i.sort_order or 0)) for i in items]
    return sorted(categories, key=lambda c: (c.sort_order, c.id))


def query_products(
    store_id: str,
    *,
    category_id: str | None,
    keyword_terms: list[str],
    cursor: str | None,
    limit: int,
) -> ProductPage:
    """Exactly one strongly consistent Query: filters run server-side inside a bounded window."""
    condition: Condition | None = None
    if category_id:
        condition = ProductItem.category_id == category_id
    for term in keyword_terms:
        term_condition = ProductItem.search_text.contains(term)
        condition = term_condition if condition is None else condition & term_condition
    start_key = None
    if cursor:
        start_key = {"pk": {"S": key("STORE", store_id)}, "sk": {"S": decode_cursor(cursor)}}
    window = limit + 1 if condition is None else max(FILTER_WINDOW, limit + 1)
    result = ProductItem.query(
        key("STORE", store_id),
        ProductItem.sk.startswith(PRODUCT_PREFIX),
        filter_condition=condition,
        consistent_read=True,
        page_size=window,
        last_evaluated_key=start_key,
    )
    page = next(result.page_iter)
    items = [ProductItem.from_raw_data(raw) for raw in page.get("Items", [])]
    products = [_to_product(i) for i in items[:limit]]
    if len(items) > limit:
        next_cursor: str | None = encode_cursor(items[limit - 1].sk)
    elif result.page_iter.last_evaluated_key:
        next_cursor = encode_cursor(result.page_iter.last_evaluated_key["sk"]["S"])
    else:
        next_cursor = None
    return ProductPage(products=products, next_cursor=next_cursor, scanned=int(page.get("ScannedCount", 0)))


def get_product(store_id: str, product_id: str) -> Product | None:
    pk, sk = product_key(store_id, product_id)
    try:
        return _to_product(ProductItem.get(pk, sk, consistent_read=True))
    except DoesNotExist:
        return None


def put_category(merchant_id: str, store_id: str, category: Category) -> None:
    CategoryItem(
        key("STORE", store_id),
        CATEGORY_PREFIX + category.id,
        merchant_id=merchant_id,
        name=category.name,
        sort_order=category.sort_order,
    ).save()


def _product_item(product: Product, category_name: str) -> ProductItem:
    pk, sk = product_key(product.store_id, product.id)
    return ProductItem(
        pk,
        sk,
        merchant_id=product.merchant_id,
        name=product.name,
        name_en=product.name_en,
        category_id=product.category_id,
        price=product.price,
        unit=product.unit,
        image=product.image,
        description=product.description,
        location=product.location,
        search_text=search.search_text(product.name, product.name_en, category_name),
    )


def put_product(product: Product, category_name: str = "") -> None:
    _product_item(product, category_name).save()


def put_products(products: Iterable[tuple[Product, str]]) -> None:
    """Many (product, category name) at once: BatchWriteItem, 25 a call (seeding a catalogue)."""
    with ProductItem.batch_write() as batch:
        for product, category_name in products:
            batch.save(_product_item(product, category_name))
