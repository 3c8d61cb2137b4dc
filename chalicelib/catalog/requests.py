"""The catalog's wire models (validation and OpenAPI, core/contract.py)."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta

from chalicelib.core.contract import Model

MAX_PAGE = 100
# The mini program's inventory page sends no `limit` or `cursor` and shows `products` as the whole
# shelf, so an unpaged request gets the largest page; `nextCursor` still covers bigger stores.
DEFAULT_PAGE = MAX_PAGE


class InventoryQuery(Model):
    category: Annotated[str, Meta(max_length=64)] | None = None
    keyword: Annotated[str, Meta(max_length=50)] | None = None
    cursor: Annotated[str, Meta(max_length=400, description="`nextCursor` of the previous page.")] | None = None
    limit: Annotated[int, Meta(ge=1, le=MAX_PAGE)] = DEFAULT_PAGE


class CategoryAnswer(Model):
    id: str
    name: str


class CategoriesAnswer(Model):
    categories: list[CategoryAnswer]


class ProductAnswer(Model):
    id: str
    store_id: str
    name: str
    name_en: str | None
    price: Annotated[int, Meta(description="Fen.")]
    stock: Annotated[int, Meta(description="Units available at this store now, net of open reservations.")]
    category_id: str
    unit: str | None
    image: str | None
    description: str | None


class InventoryAnswer(Model):
    products: list[ProductAnswer]
    next_cursor: str | None
