"""The API contract: one typed definition per route validates its request and describes it in OpenAPI.

A route declares its query and body models (msgspec Structs) and its answers in `ApiBlueprint.route`;
the view asks for the validated request (`bp.query(Model)`, `bp.body(Model)`), and `devstack.openapi`
writes `docs/openapi.json` from the same declarations, so the document cannot say one thing while the
code checks another. msgspec because it imports in milliseconds (the API's cold start stays cheap),
converts query strings to numbers, and emits JSON Schema 2020-12, which is OpenAPI 3.1's dialect.

This module is imported with an area's routes (first request of that area), never by `app.py`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Any, TypeVar

import msgspec
from msgspec import Meta

from chalicelib.core.errors import ValidationError

ModelT = TypeVar("ModelT", bound=msgspec.Struct)


class Access(StrEnum):
    """Who may call a route (`x-roles` in the document); the use case enforces it, this tells clients."""

    ANONYMOUS = "anonymous"
    CUSTOMER = "customer"
    STAFF = "staff"
    MANAGER = "manager"  # store manager: staff rights at their stores
    ADMIN = "admin"  # merchant admin
    PLATFORM = "platform"  # platform admin: platform routes only


PUBLIC = (Access.ANONYMOUS, Access.CUSTOMER, Access.STAFF, Access.MANAGER, Access.ADMIN, Access.PLATFORM)
# The mini program's signed-in routes: customers and a merchant's people. The platform admin has no
# merchant, so it reaches none of them (only PLATFORM routes and `GET /api/auth/me`).
SIGNED_IN = (Access.CUSTOMER, Access.STAFF, Access.MANAGER, Access.ADMIN)
ANYONE_SIGNED_IN = (*SIGNED_IN, Access.PLATFORM)
STAFF = (Access.STAFF, Access.MANAGER, Access.ADMIN)
ADMIN = (Access.ADMIN,)
PLATFORM = (Access.PLATFORM,)


class Model(msgspec.Struct, rename="camel", kw_only=True):
    """Base of request and response models: camelCase on the wire, snake_case in Python. Unknown
    fields are ignored (the mini program sends more than each route reads)."""


class ErrorDetail(Model):
    code: str
    message: str
    field: str | None = None


class ErrorResponse(Model):
    """Every 4xx and 5xx body."""

    error: ErrorDetail


class Success(Model):
    success: bool


# A required text is non-blank: a blank value counts as missing, as it always has.
NON_BLANK = r"\S"
Id = Annotated[str, Meta(pattern=NON_BLANK, max_length=64)]
Date = Annotated[str, Meta(max_length=10, description="YYYY-MM-DD in the store's timezone")]


@dataclass(frozen=True)
class RouteContract:
    """One route's declaration: what it reads, what it answers, who may call it."""

    query: type[msgspec.Struct] | None = None
    body: type[msgspec.Struct] | None = None
    answers: Mapping[int, Any] = field(default_factory=dict)  # status -> response model (None: no body)
    errors: tuple[int, ...] = ()
    roles: tuple[Access, ...] = SIGNED_IN
    summary: str = ""


def decode_query(params: Mapping[str, str], model: type[ModelT]) -> ModelT:
    """Query strings converted to the model's types; a blank value counts as absent."""
    present = {name: value for name, value in params.items() if value.strip() != ""}
    return _convert(present, model, strict=False)


def decode_body(data: Mapping[str, Any], model: type[ModelT]) -> ModelT:
    """A parsed JSON object checked against the model, JSON types exactly as the schema says (a number
    sent as a string is refused); a blank string counts as absent (null), as it always has."""
    normalized = {name: None if isinstance(v, str) and v.strip() == "" else v for name, v in data.items()}
    return _convert(normalized, model, strict=True)


_AT = re.compile(r" - at `\$\.?(?P<path>[^`]*)`$")
_MISSING_FIELD = re.compile(r"missing required field `(?P<name>[^`]+)`")


def _convert(data: Mapping[str, Any], model: type[ModelT], *, strict: bool) -> ModelT:
    try:
        return msgspec.convert(data, model, strict=strict)
    except msgspec.ValidationError as err:
        raise _validation_error(str(err)) from None


def _validation_error(detail: str) -> ValidationError:
    """msgspec's message ("Expected `int` >= 1 - at `$.limit`") as our 400, naming the field."""
    at = _AT.search(detail)
    path = at.group("path") if at else ""
    reason = _AT.sub("", detail)
    missing = _MISSING_FIELD.search(reason)
    if missing:
        name = f"{path}.{missing.group('name')}" if path else missing.group("name")
        return ValidationError(f"'{name}' is required.", field=name)
    if not path:
        return ValidationError(reason)
    if "got `null`" in reason or "matching regex '\\S'" in reason:
        return ValidationError(f"'{path}' is required.", field=path)
    return ValidationError(f"'{path}' is invalid: {reason[0].lower()}{reason[1:]}.", field=path)


def stripped(value: str | None) -> str | None:
    """Text as the use cases take it: surrounding whitespace dropped, blank as absent."""
    if value is None:
        return None
    return value.strip() or None
