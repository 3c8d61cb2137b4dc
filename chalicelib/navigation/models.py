"""The store layout item (STORE#<id> / LAYOUT) and its data access."""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import JSONAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist

from chalicelib.data.table import TableModel, key

LAYOUT_SK = "LAYOUT"


class LayoutItem(TableModel):
    merchant_id = UnicodeAttribute()
    layout = JSONAttribute()


def put_layout(store_id: str, layout: dict[str, Any], *, merchant_id: str) -> None:
    LayoutItem(key("STORE", store_id), LAYOUT_SK, merchant_id=merchant_id, layout=layout).save()


def get_layout(store_id: str) -> tuple[dict[str, Any], str] | None:
    """The store's layout and the merchant it belongs to (the store's), or None."""
    try:
        item = LayoutItem.get(key("STORE", store_id), LAYOUT_SK)
    except DoesNotExist:
        return None
    return dict(item.layout), str(item.merchant_id)
