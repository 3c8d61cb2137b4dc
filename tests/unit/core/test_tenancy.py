"""The request's tenant: noted once, read by everyone after, and a staff caller of one merchant
refused on another merchant's store."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chalicelib.core import tenancy
from chalicelib.core.errors import Forbidden


@pytest.fixture(autouse=True)
def default_merchant() -> Iterator[None]:
    before, guards = list(tenancy._default), list(tenancy._guard)
    tenancy.install_default_tenant(lambda: "m-default")
    tenancy._guard[:] = []
    yield
    tenancy._default[:] = before
    tenancy._guard[:] = guards


def test_without_anything_named_the_tenant_is_the_default() -> None:
    with tenancy.request_scope():
        assert tenancy.tenant_id() == "m-default"
        assert tenancy.tenant_source() == "default"
        tenancy.note_tenant("m-store", "store")  # a store read later still names the tenant
        assert tenancy.tenant_id() == "m-store"


def test_the_caller_and_the_store_must_agree() -> None:
    with tenancy.request_scope():
        tenancy.note_tenant("m-1", "principal")
        tenancy.note_tenant("m-1", "store")
        assert tenancy.tenant_id() == "m-1"
    with tenancy.request_scope(), pytest.raises(Forbidden) as refused:
        tenancy.note_tenant("m-1", "principal")
        tenancy.note_tenant("m-2", "store")
    assert refused.value.code == "FORBIDDEN" and "another merchant" in refused.value.message
    with tenancy.request_scope(), pytest.raises(Forbidden):
        tenancy.note_tenant("m-2", "store")
        tenancy.note_tenant("m-1", "principal")


def test_memo_loads_once_per_request_and_never_outside_one() -> None:
    loads: list[int] = []

    def load() -> str:
        loads.append(1)
        return "item"

    with tenancy.request_scope():
        assert tenancy.memo("k", load) == tenancy.memo("k", load) == "item"
        assert len(loads) == 1
        tenancy.forget("k")
        tenancy.memo("k", load)
        assert len(loads) == 2
    with tenancy.request_scope():
        tenancy.memo("k", load)  # a new request reads again
    assert len(loads) == 3
    tenancy.memo("k", load)
    tenancy.memo("k", load)
    assert len(loads) == 5
    assert tenancy.remembered("k") is None


def test_the_guard_checks_the_tenant_once_when_a_session_or_store_names_it() -> None:
    checked: list[str] = []

    def guard(merchant_id: str) -> None:
        checked.append(merchant_id)
        if merchant_id == "m-suspended":
            raise Forbidden("This merchant is suspended.", code="MERCHANT_SUSPENDED")

    tenancy.install_tenant_guard(guard)
    with tenancy.request_scope():
        assert tenancy.tenant_id() == "m-default"  # a customer's request naming nothing: not checked
        tenancy.note_tenant("m-1", "principal")
        tenancy.note_tenant("m-1", "store")
    assert checked == ["m-1"]
    with tenancy.request_scope(), pytest.raises(Forbidden) as refused:
        tenancy.note_tenant("m-suspended", "store")
    assert refused.value.code == "MERCHANT_SUSPENDED"
    tenancy.note_tenant("m-suspended", "store")  # outside a request (consumers): nothing to check
    assert checked == ["m-1", "m-suspended"]
