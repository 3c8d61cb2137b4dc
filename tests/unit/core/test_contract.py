"""A route's request models validate its query and body, and a failure is our 400 naming the field."""

from __future__ import annotations

from typing import Annotated

import pytest
from msgspec import UNSET, Meta, UnsetType

from chalicelib.core.contract import Id, Model, decode_body, decode_query, stripped
from chalicelib.core.errors import ValidationError


class Inner(Model):
    name: str


class Query(Model):
    store_id: Id
    limit: Annotated[int, Meta(ge=1, le=100)] = 20
    latitude: Annotated[float, Meta(ge=-90, le=90)] | None = None


class Body(Model):
    store_id: Id
    quantity: Annotated[int, Meta(ge=1, le=20)] = 1
    note: str | None = None
    inner: Inner | None = None
    shifts: dict[str, list[str]] | UnsetType | None = UNSET


def _refusal(call, *args) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        call(*args)
    assert caught.value.code == "VALIDATION_ERROR" and caught.value.status == 400
    return caught.value


def test_query_strings_become_the_models_types_and_blank_means_absent() -> None:
    decoded = decode_query({"storeId": "s-1", "limit": "5", "latitude": "31.5", "other": "x"}, Query)
    assert (decoded.store_id, decoded.limit, decoded.latitude) == ("s-1", 5, 31.5)
    assert decode_query({"storeId": "s-1", "limit": " "}, Query).limit == 20


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "storeId"),
        ({"storeId": " "}, "storeId"),
        ({"storeId": "x" * 65}, "storeId"),
        ({"storeId": "s", "limit": "0"}, "limit"),
        ({"storeId": "s", "limit": "ten"}, "limit"),
        ({"storeId": "s", "limit": "1.5"}, "limit"),
        ({"storeId": "s", "latitude": "nan"}, "latitude"),
        ({"storeId": "s", "latitude": "inf"}, "latitude"),
    ],
)
def test_bad_query_names_the_field(params: dict[str, str], field: str) -> None:
    assert _refusal(decode_query, params, Query).field == field


def test_body_takes_json_types_exactly_and_keeps_what_was_left_out() -> None:
    decoded = decode_body({"storeId": "s-1", "quantity": 2, "note": "  ", "unknown": [1]}, Body)
    assert (decoded.quantity, decoded.note, decoded.shifts) == (2, None, UNSET)
    assert decode_body({"storeId": "s-1", "shifts": None}, Body).shifts is None


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({}, "storeId", "'storeId' is required."),
        ({"storeId": None}, "storeId", "'storeId' is required."),
        ({"storeId": ""}, "storeId", "'storeId' is required."),
        ({"storeId": 5}, "storeId", None),
        ({"storeId": "s", "quantity": "2"}, "quantity", None),
        ({"storeId": "s", "quantity": True}, "quantity", None),
        ({"storeId": "s", "quantity": 2.5}, "quantity", None),
        ({"storeId": "s", "quantity": 21}, "quantity", None),
        ({"storeId": "s", "inner": {}}, "inner.name", "'inner.name' is required."),
        ({"storeId": "s", "inner": {"name": 1}}, "inner.name", None),
        ({"storeId": "s", "shifts": {"mon": [1]}}, "shifts[...][0]", None),  # msgspec hides the key
    ],
)
def test_bad_body_names_the_field(body: dict, field: str, message: str | None) -> None:
    refusal = _refusal(decode_body, body, Body)
    assert refusal.field == field
    assert refusal.message == message if message else refusal.message.startswith(f"'{field}' is invalid: expected")


def test_stripped_text() -> None:
    assert stripped("  a ") == "a"
    assert stripped("   ") is None
    assert stripped(None) is None
