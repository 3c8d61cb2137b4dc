"""The people api and flow tests act as: fresh customers by WeChat login (through the sandbox), staff
and admins created directly (their roles are not something a login grants), and the demo stores they
work in. One place, so every area's tests make people the same way."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from chalicelib.core.auth import Role
from chalicelib.core.clock import clock
from chalicelib.identity.models import IdentityStore
from devstack import demo_data

Login = Callable[..., dict[str, str]]


def user_id_of(client: Any, headers: Mapping[str, str]) -> str:
    return str(client.http.get("/api/auth/me", headers=dict(headers)).json_body["userId"])


def new_customer(login: Login) -> dict[str, str]:
    """A customer nobody else in the process has logged in as (default codes repeat across tests)."""
    return login(f"customer-{uuid.uuid4().hex[:12]}")


def new_staff(
    login: Login,
    store_ids: Iterable[str],
    role: Role = Role.STAFF,
    merchant_id: str = demo_data.MERCHANT_ID,
    code: str | None = None,
) -> dict[str, str]:
    code = code or f"staff-{uuid.uuid4().hex[:12]}"
    IdentityStore().create_user(
        f"u-{code}", f"openid-{code}", "", clock().now(), role=role, merchant_id=merchant_id, store_ids=list(store_ids)
    )
    return login(code)


def make_user(
    client: Any,
    login: Login,
    code: str,
    role: Role = Role.CUSTOMER,
    stores: Iterable[str] = (),
    merchant: str = demo_data.MERCHANT_ID,
) -> tuple[dict[str, str], str]:
    """(headers, userId) of a user with this login code: customers by login, others created first."""
    headers = login(code) if role is Role.CUSTOMER else new_staff(login, stores, role, merchant, code)
    return headers, user_id_of(client, headers)


def put_demo_store(store_id: str, settings: Mapping[str, Any] | None = None) -> None:
    """One of the demo merchant's stores, as demo data has it, with these store settings."""
    from chalicelib.stores import models as stores

    _, name, address, phone, lat, lon, opening = next(s for s in demo_data.STORES if s[0] == store_id)
    stores.put_store(
        stores.Store(
            store_id,
            demo_data.MERCHANT_ID,
            name,
            address,
            phone,
            lat,
            lon,
            "Asia/Shanghai",
            opening,
            dict(settings or {}),
        )
    )
