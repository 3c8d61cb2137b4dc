"""What other areas may use of identity: whether a user exists, who they are on WeChat, and who works
at a store.

Everything else in this package (items, sessions, login) is private to it.
"""

from __future__ import annotations

from chalicelib.core.auth import Principal
from chalicelib.core.clock import clock
from chalicelib.identity import service
from chalicelib.identity.domain import StoreStaff
from chalicelib.identity.models import (
    IdentityStore,
    add_merchant_admin,
    get_store_staff,
    openid_of,
    staff_of_store,
    store_staff,
    update_store_staff,
    user_exists,
)

__all__ = [
    "StoreStaff",
    "add_merchant_admin",
    "authenticate",
    "get_store_staff",
    "openid_of",
    "staff_of_store",
    "store_staff",
    "update_store_staff",
    "user_exists",
]

_store = IdentityStore()


def authenticate(authorization: str | None) -> Principal:
    """The core.auth port: one consistent GetItem of the session the bearer token names."""
    return service.authenticate(authorization, store=_store, now=clock().now())
