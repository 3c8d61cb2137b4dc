"""Category and product items (STORE#<id> / CATEGORY#<id>, PRODUCT#<id>) and their data access.

Stock is inventory's: a product's units at a store are the stock item of its SKU at that store.
A product's search terms (its names and category name, see search.py) and its category are postings of
the text index (textindex.py, scope `STORE#<id>`), written in the product's own transaction, so a
keyword or category page reads a bounded number of items however big the store is."""

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

from chalicelib.catalog import search, textindex
from chalicelib.core.errors import ValidationError
from chalicelib.data.table import TableModel, TransactionCancelled, key, transact

PRODUCT_PREFIX = "PRODUCT#"
CATEGORY_PREFIX = "CATEGORY#"
CATEGORY_TERM = "@c:"  # a category's postings: never a text term (those are letters, digits, CJK)


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


def index_scope(store_id: str) -> str:
    return key("STORE", store_id)


def product_terms(search_text: str, category_id: str) -> set[str]:
    return search.index_terms(search_text) | {CATEGORY_TERM + category_id}


def query_products(
    store_id: str,
    *,
    category_id: str | None,
    keyword_terms: list[str],
    cursor: str | None,
    limit: int,
) -> ProductPage:
    """No filter: one strongly consistent Query of the store's products. A keyword or category: the
    text index's postings (textindex.search), then one BatchGetItem of the candidates, verified."""
    after = decode_cursor(cursor) if cursor else None
    if category_id or keyword_terms:
        return _search_products(store_id, category_id, keyword_terms, after, limit)
    start_key = {"pk": {"S": key("STORE", store_id)}, "sk": {"S": after}} if after else None
    result = ProductItem.query(
        key("STORE", store_id),
        ProductItem.sk.startswith(PRODUCT_PREFIX),
        consistent_read=True,
        page_size=limit + 1,
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


def _search_products(
    store_id: str, category_id: str | None, keyword_terms: list[str], after: str | None, limit: int
) -> ProductPage:
    terms = search.query_terms(keyword_terms)
    if keyword_terms and not terms:  # nothing searchable in the keyword (punctuation only)
        return ProductPage(products=[], next_cursor=None)
    if category_id:
        terms = [*terms, CATEGORY_TERM + category_id]

    def fetch(doc_ids: list[str]) -> dict[str, ProductItem]:
        keys = [(key("STORE", store_id), d) for d in doc_ids]  # a posting's doc id is the product's sk
        return {i.sk: i for i in ProductItem.batch_get(keys, consistent_read=True)}

    def verify(item: ProductItem) -> bool:
        in_category = not category_id or item.category_id == category_id
        return in_category and search.matches(item.search_text, keyword_terms)

    page = textindex.search(
        index_scope(store_id),
        terms,
        after=after,
        limit=limit,
        fetch=fetch,
        verify=verify,
    )
    next_cursor = encode_cursor(page.next_after) if page.next_after else None
    products = [_to_product(i) for i in page.docs]
    return ProductPage(products=products, next_cursor=next_cursor, scanned=page.postings_read + len(products))


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


WRITE_ATTEMPTS = 4


def put_product(product: Product, category_name: str = "") -> None:
    """Create or replace a product and its postings in one TransactWriteItems. The product's write is
    conditional on the text it was indexed with (read just before), so a concurrent rename retries
    instead of leaving stale postings; repeating the same write changes nothing."""
    item = _product_item(product, category_name)
    scope = index_scope(product.store_id)
    new_terms = product_terms(item.search_text, item.category_id)
    for _ in range(WRITE_ATTEMPTS):
        try:
            old = ProductItem.get(item.pk, item.sk, consistent_read=True)
        except DoesNotExist:
            old = None
        if old is None:
            old_terms: set[str] = set()
            condition = ProductItem.pk.does_not_exist()
        else:
            old_terms = product_terms(old.search_text, old.category_id)
            condition = (ProductItem.search_text == old.search_text) & (ProductItem.category_id == old.category_id)

        def build(tx: Any, old_terms: set[str] = old_terms, condition: Condition = condition) -> None:
            tx.save(item, condition=condition)
            textindex.write_changes(tx, scope, product.merchant_id, item.sk, old_terms, new_terms)

        try:
            transact(build)
            return
        except TransactionCancelled:
            continue  # renamed (or created) meanwhile: index against what is there now
    raise RuntimeError(f"product {product.id!r} kept changing while it was written")


def delete_product(store_id: str, product_id: str) -> None:
    """Remove a product and its postings in one TransactWriteItems (nothing to do when it is gone)."""
    pk, sk = product_key(store_id, product_id)
    for _ in range(WRITE_ATTEMPTS):
        try:
            old = ProductItem.get(pk, sk, consistent_read=True)
        except DoesNotExist:
            return
        old_terms = product_terms(old.search_text, old.category_id)

        def build(tx: Any, old: ProductItem = old, old_terms: set[str] = old_terms) -> None:
            tx.delete(old, condition=ProductItem.search_text == old.search_text)
            textindex.write_changes(tx, index_scope(store_id), old.merchant_id, sk, old_terms, set())

        try:
            transact(build)
            return
        except TransactionCancelled:
            continue
    raise RuntimeError(f"product {product_id!r} kept changing while it was deleted")


def index_items(product: Product, category_name: str = "") -> list[TableModel]:
    """A new product's item and its postings, as a seeding batch writes them."""
    item = _product_item(product, category_name)
    terms = product_terms(item.search_text, item.category_id)
    return [item, *textindex.postings(index_scope(product.store_id), product.merchant_id, item.sk, terms)]


def put_products(products: Iterable[tuple[Product, str]]) -> None:
    """Many new (product, category name) at once with their postings: BatchWriteItem, 25 a call (seeding a
    catalogue into a store that does not have these products yet; use put_product to change one)."""
    with ProductItem.batch_write() as batch:
        for product, category_name in products:
            for item in index_items(product, category_name):
                batch.save(item)
