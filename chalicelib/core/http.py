"""The HTTP edge: one place that maps domain errors to JSON responses, plus input parsing.

Chalice turns any exception raised by a view into its own 500 body before middleware sees it,
so the mapping sits in `ApiBlueprint.route`, which every area's routes use.
"""

from __future__ import annotations

import contextvars
import functools
import json
import re
import time
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from chalice import Blueprint, Response
from chalice.app import Request

from chalicelib.core.auth import Principal, authenticate
from chalicelib.core.errors import UPSTREAM_RETRY_AFTER_SECONDS, DomainError, Forbidden, ValidationError
from chalicelib.core.observability import count, logger
from chalicelib.core.tenancy import note_tenant, request_scope

if TYPE_CHECKING:
    import msgspec

    from chalicelib.core.contract import RouteContract

    ModelT = TypeVar("ModelT", bound=msgspec.Struct)

JSON_HEADERS: dict[str, str | list[str]] = {"Content-Type": "application/json; charset=utf-8"}
# No request of ours needs more; API Gateway would take up to 10 MB, which we would parse for nothing.
MAX_BODY_BYTES = 256 * 1024
# Chalice answers these itself, before any view, as {"Code", "Message"}: ours say the same in our shape.
_CHALICE_ERRORS = {
    "UnsupportedMediaType": "UNSUPPORTED_MEDIA_TYPE",
    "MethodNotAllowedError": "METHOD_NOT_ALLOWED",
    "BadRequestError": "BAD_REQUEST",
    "NotFoundError": "NOT_FOUND",
    "UnauthorizedError": "UNAUTHORIZED",
    "ForbiddenError": "FORBIDDEN",
    "ConflictError": "CONFLICT",
    "TooManyRequestsError": "TOO_MANY_REQUESTS",
    "RequestTimeoutError": "REQUEST_TIMEOUT",
    "UnprocessableEntityError": "UNPROCESSABLE_ENTITY",
}


def error_response(
    status: int, code: str, message: str, field: str | None = None, headers: Mapping[str, str] | None = None
) -> Response:
    error: dict[str, Any] = {"code": code, "message": message}
    if field:
        error["field"] = field
    return Response(body={"error": error}, status_code=status, headers={**JSON_HEADERS, **(headers or {})})


def json_response(body: Any, status: int = 200) -> Response:
    return Response(body=body, status_code=status, headers=JSON_HEADERS)


@dataclass
class _RequestNotes:
    """What a request learns on its way through that its log line reports."""

    role: str | None = None
    user_id: str | None = None
    error_code: str | None = None
    failure: BaseException | None = None


# One per request; a ContextVar because `make run` serves requests on threads (Lambda: one at a time).
_notes: ContextVar[_RequestNotes | None] = ContextVar("request_notes", default=None)


def note_caller(role: str, user_id: str) -> None:
    """Called once the session token has been checked: the request line names the caller by role and
    opaque user id only (never the token, a name or a phone number)."""
    notes = _notes.get()
    if notes is not None:
        notes.role, notes.user_id = role, user_id


def note_rejection(code: str) -> None:
    """A 4xx answered with this error code (counted as `Rejected.<code>` too)."""
    count(f"Rejected.{code}")
    notes = _notes.get()
    if notes is not None:
        notes.error_code = code


def request_log(request: Request, get_response: Callable[[Request], Response]) -> Response:
    """Chalice HTTP middleware: one structured line per request with route, status, latency and
    caller; the correlation id comes from Powertools (the API Gateway request id). A 5xx is logged at
    ERROR with its traceback on the same line, so one line tells the whole story."""
    notes = _RequestNotes()
    reset = _notes.set(notes)
    started = time.perf_counter()
    status = 500
    try:
        response = get_response(request)
        status = response.status_code
        return response
    except BaseException as err:
        notes.failure = notes.failure or err
        raise
    finally:
        _notes.reset(reset)
        fields: dict[str, Any] = {
            "route": f"{request.method} {request.path}",
            "status": status,
            "latency_ms": round((time.perf_counter() - started) * 1000, 1),
            "role": notes.role or "anonymous",
        }
        if notes.user_id:
            fields["user_id"] = notes.user_id
        if notes.error_code:
            fields["error_code"] = notes.error_code
        if status >= 500:
            logger.error("request", exc_info=notes.failure, **fields)
        else:
            logger.info("request", **fields)


def _unreachable(err: BaseException) -> bool:
    """Was this caused by botocore failing to reach AWS or to hear back (timeouts, dropped
    connections), or by AWS refusing the call for capacity past botocore's retries (throttling)?
    botocore is imported only on this error path, so the cold start never pays."""
    import sys

    from chalicelib.core.aws import THROTTLING_CODES

    exceptions = sys.modules.get("botocore.exceptions")
    if exceptions is None:
        return False
    transport = (exceptions.HTTPClientError, exceptions.ConnectionError)
    seen: set[int] = set()
    current: BaseException | None = err
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, transport):
            return True
        throttled = isinstance(current, exceptions.ClientError) and (
            current.response.get("Error", {}).get("Code") in THROTTLING_CODES
        )
        if throttled:
            return True
        cause = getattr(current, "cause", None)
        current = cause if isinstance(cause, BaseException) else (current.__cause__ or current.__context__)
    return False


def _mapping_errors(view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return view(*args, **kwargs)
        except DomainError as err:
            note_rejection(err.code)
            return error_response(err.status, err.code, err.message, err.field, err.headers())
        except Exception as err:
            if _unreachable(err):
                # AWS did not answer within the client's timeouts and retries (throttling, an outage):
                # the caller's cue to retry later, not a bug of ours.
                count("UpstreamTimeout")
                note_rejection("UPSTREAM_UNAVAILABLE")
                return error_response(
                    503,
                    "UPSTREAM_UNAVAILABLE",
                    "A service we depend on did not answer; try again.",
                    headers={"Retry-After": UPSTREAM_RETRY_AFTER_SECONDS},
                )
            count("UnhandledError")
            notes = _notes.get()
            if notes is None:  # no request_log middleware around this view: log the failure here
                logger.exception("unhandled error in route")
            else:
                notes.error_code, notes.failure = "INTERNAL", err
            return error_response(500, "INTERNAL", "An internal error occurred.")

    return wrapper


# The request being answered; set by edge_guard, which runs for every route. Views reach it through
# their blueprint even when the blueprint was never registered with the app (lazily loaded areas).
_current_request: contextvars.ContextVar[Request | None] = contextvars.ContextVar("current_request", default=None)


def edge_guard(request: Request, get_response: Callable[[Request], Response]) -> Response:
    """Chalice `http` middleware around every route: refuses oversized bodies before anything reads
    them, and re-shapes the errors Chalice answers on its own (415 for a media type no route reads,
    405 for a method a path lacks) into our `{"error": {code, message}}`."""
    if len(request.raw_body or b"") > MAX_BODY_BYTES:
        count("Rejected.PAYLOAD_TOO_LARGE")
        return error_response(413, "PAYLOAD_TOO_LARGE", f"Request body is larger than {MAX_BODY_BYTES} bytes.")
    token = _current_request.set(request)
    try:
        with request_scope():  # the request's tenant and the items it has read (core/tenancy.py)
            response = get_response(request)
    finally:
        _current_request.reset(token)
    body = response.body
    if response.status_code >= 400 and isinstance(body, dict) and set(body) == {"Code", "Message"}:
        code = _CHALICE_ERRORS.get(str(body["Code"]), "BAD_REQUEST" if response.status_code < 500 else "INTERNAL")
        count(f"Rejected.{code}")
        reshaped = error_response(response.status_code, code, str(body["Message"]))
        reshaped.headers = {**(response.headers or {}), **reshaped.headers}
        return reshaped
    return response


class ApiBlueprint(Blueprint):
    """A Blueprint whose routes answer domain errors as `{"error": {code, message}}`.

    It also keeps each view by (method, path) in `views`, which is how `app.py` serves an area's routes
    without importing the area until one of them is called (`chalicelib/route_table.py`)."""

    def __init__(self, import_name: str) -> None:
        super().__init__(import_name)
        self.views: dict[tuple[str, str], Callable[..., Any]] = {}
        self.content_types: dict[tuple[str, str], tuple[str, ...]] = {}
        self.contracts: dict[tuple[str, str], RouteContract] = {}

    def route(self, path: str, *, contract: RouteContract | None = None, **kwargs: Any) -> Callable[..., Any]:
        """`contract`: the route's request models and answers (core/contract.py), from which the view's
        `bp.query(...)`/`bp.body(...)` validate and `make openapi` writes the document."""
        # Bodies are always parsed as JSON (json_body); a client or curl that labels JSON as text or a
        # form still gets our answer or our JSON error, not Chalice's own 415 shape.
        kwargs.setdefault("content_types", list(BODY_CONTENT_TYPES))
        register = super().route(path, **kwargs)
        if contract is None:
            from chalicelib.core.contract import RouteContract

            contract = RouteContract()
        declared = contract

        def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
            answering = _mapping_errors(_under_contract(view, declared, lambda: self.request))
            register(answering)
            for method in kwargs.get("methods") or ["GET"]:
                self.views[(method.upper(), path)] = answering
                self.content_types[(method.upper(), path)] = tuple(kwargs["content_types"])
                self.contracts[(method.upper(), path)] = declared
            return view

        return decorator

    def query(self, model: type[ModelT]) -> ModelT:
        """The request's query string, validated by the route's declared query model."""
        from chalicelib.core.contract import decode_query

        _ensure_declared(model, "query")
        return decode_query(dict(self.request.query_params or {}), model)

    def body(self, model: type[ModelT]) -> ModelT:
        """The request's JSON body, validated by the route's declared body model."""
        from chalicelib.core.contract import decode_body

        _ensure_declared(model, "body")
        return decode_body(json_object(self.request), model)

    @property
    def request(self) -> Request:
        request = _current_request.get() or self.current_request
        assert request is not None, "only valid inside a request"
        return request


# The contract of the route being answered (set around each view), so `bp.query`/`bp.body` validate
# with the models the route declared and no other.
_current_contract: contextvars.ContextVar[RouteContract | None] = contextvars.ContextVar("contract", default=None)


# The caller of the request being answered, once the route's declared roles were checked against it,
# so the view's `current_principal` does not read the session a second time.
_current_principal: contextvars.ContextVar[Principal | None] = contextvars.ContextVar("principal", default=None)


def _under_contract(
    view: Callable[..., Any], contract: RouteContract, request: Callable[[], Request]
) -> Callable[..., Any]:
    """Runs the view under its contract. A route that does not admit anonymous callers authenticates
    first and refuses a role its contract does not list (403), before any input is read: the document's
    `x-roles` is what the code enforces (tests/api/test_roles_enforced.py)."""
    from chalicelib.core.contract import Access

    signed_in_only = Access.ANONYMOUS not in contract.roles
    allowed = frozenset(access.value for access in contract.roles)

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        token = _current_contract.set(contract)
        caller = _current_principal.set(None)
        try:
            if signed_in_only:
                principal = current_principal(request())
                if principal.role.value not in allowed:
                    raise Forbidden("This route is not open to your role.")
                _current_principal.set(principal)
            return view(*args, **kwargs)
        finally:
            _current_principal.reset(caller)
            _current_contract.reset(token)

    return wrapper


def _ensure_declared(model: type, where: str) -> None:
    contract = _current_contract.get()
    declared = getattr(contract, where, None)
    assert declared is model, f"the route declares {where}={declared!r}, not {model!r}"


def current_principal(request: Request) -> Principal:
    """The caller, from the session token alone (never from a body or query field); the request's log
    line names their role and user id."""
    checked = _current_principal.get()
    if checked is not None:  # the route's role check already authenticated this request
        return checked
    principal = authenticate(request.headers.get("authorization"))
    note_caller(principal.role.value, principal.user_id)
    if principal.merchant_id:  # staff and admins work for one merchant: the request's tenant
        note_tenant(principal.merchant_id, "principal")
    return principal


BODY_CONTENT_TYPES = ("application/json", "text/plain", "application/x-www-form-urlencoded")


def json_object(request: Request) -> dict[str, Any]:
    """The body as a JSON object (an empty body is an empty object); anything else is a 400."""
    raw = request.raw_body or b""
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError) as err:
        # RecursionError: nesting deeper than the interpreter's stack (e.g. 100k "[").
        raise ValidationError("Request body is not valid JSON.", code="INVALID_JSON") from err
    if not isinstance(data, dict):
        raise ValidationError("Request body must be a JSON object.", code="INVALID_JSON")
    if _SURROGATE_ESCAPE.search(raw if isinstance(raw, bytes) else raw.encode()):
        _refuse_lone_surrogates(data)
    return data


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
