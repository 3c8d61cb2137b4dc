"""The HTTP edge: one place that maps domain errors to JSON responses, plus input parsing.

Chalice turns any exception raised by a view into its own 500 body before middleware sees it,
so the mapping sits in `ApiBlueprint.route`, which every area's routes use.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

from chalice import Blueprint, Response
from chalice.app import Request

from chalicelib.core.auth import Principal, authenticate
from chalicelib.core.errors import DomainError, ValidationError
from chalicelib.core.observability import count, logger

JSON_HEADERS: dict[str, str | list[str]] = {"Content-Type": "application/json; charset=utf-8"}


def error_response(
    status: int, code: str, message: str, field: str | None = None, headers: Mapping[str, str] | None = None
) -> Response:
    error: dict[str, Any] = {"code": code, "message": message}
    if field:
        error["field"] = field
    return Response(body={"error": error}, status_code=status, headers={**JSON_HEADERS, **(headers or {})})


def json_response(body: Any, status: int = 200) -> Response:
    return Response(body=body, status_code=status, headers=JSON_HEADERS)


def _mapping_errors(view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return view(*args, **kwargs)
        except DomainError as err:
            count(f"Rejected.{err.code}")
            return error_response(err.status, err.code, err.message, err.field, err.headers())
        except Exception:
            count("UnhandledError")
            logger.exception("unhandled error in route")
            return error_response(500, "INTERNAL", "An internal error occurred.")

    return wrapper


class ApiBlueprint(Blueprint):
    """A Blueprint whose routes answer domain errors as `{"error": {code, message}}`."""

    def route(self, path: str, **kwargs: Any) -> Callable[..., Any]:
        # Bodies are always parsed as JSON (json_body); a client or curl that labels JSON as text or a
        # form still gets our answer or our JSON error, not Chalice's own 415 shape.
        kwargs.setdefault("content_types", list(BODY_CONTENT_TYPES))
        register = super().route(path, **kwargs)

        def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
            register(_mapping_errors(view))
            return view

        return decorator

    @property
    def request(self) -> Request:
        request = self.current_request
        assert request is not None, "only valid inside a request"
        return request


def current_principal(request: Request) -> Principal:
    """The caller, from the session token alone (never from a body or query field)."""
    return authenticate(request.headers.get("authorization"))


BODY_CONTENT_TYPES = ("application/json", "text/plain", "application/x-www-form-urlencoded")


def json_body(request: Request) -> Params:
    raw = request.raw_body or b""
    if not raw.strip():
        return Params({}, where="body")
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as err:
        raise ValidationError("Request body is not valid JSON.", code="INVALID_JSON") from err
    if not isinstance(data, dict):
        raise ValidationError("Request body must be a JSON object.", code="INVALID_JSON")
    if _SURROGATE_ESCAPE.search(raw if isinstance(raw, bytes) else raw.encode()):
        _refuse_lone_surrogates(data)
    return Params(data, where="body")


# JSON may escape a lone UTF-16 surrogate ("\ud800"), which no UTF-8 text (DynamoDB, WeChat, SQS) can
# hold. Only a body that escapes a surrogate at all pays for the exact check (a valid pair is fine).
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _refuse_lone_surrogates(data: dict[str, Any]) -> None:
    for name, value in data.items():
        if not _utf8_encodable(name):
            raise ValidationError("A field name is not valid Unicode text.")
        if not _utf8_encodable(json.dumps(value, ensure_ascii=False)):
            raise ValidationError(f"'{name}' is not valid Unicode text.", field=name)


def _utf8_encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def query(request: Request) -> Params:
    return Params(dict(request.query_params or {}), where="query")


_MISSING = object()


class Params:
    """Typed, validated access to query or body fields; every failure names the field."""

    def __init__(self, data: Mapping[str, Any], where: str) -> None:
        self._data = data
        self._where = where

    def __contains__(self, name: object) -> bool:
        return name in self._data

    def raw(self, name: str) -> Any:
        return self._data.get(name)

    def _get(self, name: str, required: bool) -> Any:
        value = self._data.get(name, _MISSING)
        if value is _MISSING or value is None or (isinstance(value, str) and value.strip() == ""):
            if required:
                raise ValidationError(f"'{name}' is required.", field=name)
            return _MISSING
        return value

    def number(
        self,
        name: str,
        *,
        required: bool = False,
        default: float | None = None,
        minimum: float | None = None,
        maximum: float | None = None,
    ) -> float | None:
        value = self._get(name, required)
        if value is _MISSING:
            return default
        if isinstance(value, bool):
            raise ValidationError(f"'{name}' must be a number.", field=name)
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValidationError(f"'{name}' must be a number.", field=name) from None
        if not math.isfinite(number):
            raise ValidationError(f"'{name}' must be a finite number.", field=name)
        if minimum is not None and number < minimum:
            raise ValidationError(f"'{name}' must be at least {minimum:g}.", field=name)
        if maximum is not None and number > maximum:
            raise ValidationError(f"'{name}' must be at most {maximum:g}.", field=name)
        return number

    def integer(
        self,
        name: str,
        *,
        required: bool = False,
        default: int | None = None,
        minimum: int | None = None,
        maximum: int | None = None,
    ) -> int | None:
        value = self._get(name, required)
        if value is _MISSING:
            return default
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ValidationError(f"'{name}' must be an integer.", field=name)
        try:
            number = int(value) if not isinstance(value, str) else int(value.strip(), 10)
        except (TypeError, ValueError):
            raise ValidationError(f"'{name}' must be an integer.", field=name) from None
        if minimum is not None and number < minimum:
            raise ValidationError(f"'{name}' must be at least {minimum}.", field=name)
        if maximum is not None and number > maximum:
            raise ValidationError(f"'{name}' must be at most {maximum}.", field=name)
        return number

    def text(
        self,
        name: str,
        *,
        required: bool = False,
        default: str | None = None,
        max_length: int = 200,
    ) -> str | None:
        value = self._get(name, required)
        if value is _MISSING:
            return default
        if not isinstance(value, str):
            raise ValidationError(f"'{name}' must be a string.", field=name)
        value = value.strip()
        if len(value) > max_length:
            raise ValidationError(f"'{name}' must be at most {max_length} characters.", field=name)
        return value

    def require_text(self, name: str, *, max_length: int = 200) -> str:
        value = self.text(name, required=True, max_length=max_length)
        assert value is not None
        return value
