"""The tenant (merchant) of the request being answered, resolved once and held for the request.

Every item belongs to a merchant, so almost every use case needs "whose data is this". The answer
comes from what the request already has: the caller's session (staff and admins belong to one
merchant), the store the path names (stores belong to one merchant; the route reads the store
anyway), or, for a customer on a public route that names neither, the merchant whose mini program
this deployment serves. Whoever learns it first notes it here (`note_tenant`); the rest of the
request reads it (`tenant_id`) instead of reading an item again. `memo` keeps an item read once per
request under a key (stores.api and merchants.api use it for the store and the merchant), so a second
use case asking for it costs no call.

A ContextVar, because `make run` serves requests on threads; outside a request scope (consumers,
timers, tests of use cases) nothing is remembered and `tenant_id` falls back to the default.
Core knows no area: the default merchant comes from the port `wiring` installs.

The tenant a request is found to act for (by its session or its store) is checked once, when it is
first noted, by the tenant guard `wiring` installs (merchants': a suspended merchant answers 403
`MERCHANT_SUSPENDED`). The guard reads the merchant through `memo`, so a route that reads the
merchant anyway pays nothing more. A customer's request that names neither (the default tenant) is
not checked: it touches the customer's own records, which belong to no merchant.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypeVar

from chalicelib.core.errors import Forbidden

T = TypeVar("T")


@dataclass
class _Scope:
    merchant_id: str | None = None
    source: str | None = None  # "principal", "store", "default": where it came from (for logs and tests)
    memo: dict[Hashable, Any] = field(default_factory=dict)


_scope: ContextVar[_Scope | None] = ContextVar("tenancy_scope", default=None)
_default: list[Callable[[], str]] = []
_guard: list[Callable[[str], None]] = []


def install_default_tenant(resolver: Callable[[], str]) -> None:
    """The merchant a request belongs to when nothing in it names one (the mini program's own)."""
    _default[:] = [resolver]


def install_tenant_guard(guard: Callable[[str], None]) -> None:
    """Called with the request's merchant once it is known; raises to refuse the request."""
    _guard[:] = [guard]


def default_tenant() -> str:
    if not _default:
        raise RuntimeError("no default tenant installed: build the app through chalicelib.wiring")
    return _default[0]()


@contextmanager
def request_scope() -> Iterator[None]:
    """One request (or one consumer record): the tenant and the memo live exactly this long."""
    token = _scope.set(_Scope())
    try:
        yield
    finally:
        _scope.reset(token)


def note_tenant(merchant_id: str, source: str) -> None:
    """The request's merchant, learnt from its session or the store it names. A request whose store
    belongs to another merchant than its staff caller is refused here, once for every route."""
    scope = _scope.get()
    if scope is None:
        return
    if scope.merchant_id is None or scope.source == "default":
        scope.merchant_id, scope.source = merchant_id, source
        for guard in _guard:
            guard(merchant_id)
    elif scope.merchant_id != merchant_id and {scope.source, source} == {"principal", "store"}:
        raise Forbidden("This store belongs to another merchant.")


def tenant_id() -> str:
    """The request's merchant: noted by the session or the store, else the deployment's default."""
    scope = _scope.get()
    if scope is not None and scope.merchant_id is not None:
        return scope.merchant_id
    merchant_id = default_tenant()
    if scope is not None:
        scope.merchant_id, scope.source = merchant_id, "default"
    return merchant_id


def tenant_source() -> str | None:
    scope = _scope.get()
    return scope.source if scope is not None else None


def memo(key: Hashable, load: Callable[[], T]) -> T:
    """`load()` once per request for this key (every call outside a request loads)."""
    scope = _scope.get()
    if scope is None:
        return load()
    if key not in scope.memo:
        scope.memo[key] = load()
    loaded: T = scope.memo[key]
    return loaded


def remembered(key: Hashable) -> Any:
    """What `memo` holds for this key in this request (None when nothing was loaded yet)."""
    scope = _scope.get()
    return scope.memo.get(key) if scope is not None else None


def forget(key: Hashable) -> None:
    """After a write changed what `key` holds, the next reader in the request loads it again."""
    scope = _scope.get()
    if scope is not None:
        scope.memo.pop(key, None)
