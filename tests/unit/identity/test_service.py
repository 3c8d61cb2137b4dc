"""Login and authentication use cases against in-memory ports (no AWS)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.core.auth import Principal, Role
from chalicelib.core.errors import Unauthorized, ValidationError
from chalicelib.identity import service
from tests.fakes.identity import FakeIdentityStore, FakeWeChat

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def _login(store: FakeIdentityStore, code: str = "abc", token: str | None = None) -> service.LoginResult:
    ids = itertools.count()
    return service.login(
        code,
        wechat=FakeWeChat(),
        store=store,
        now=NOW,
        ttl=timedelta(hours=1),
        new_user_id=lambda: f"u{next(ids)}",
        new_token=lambda: token or f"t-{code}",
    )


def test_first_login_creates_customer_and_session() -> None:
    store = FakeIdentityStore()
    result = _login(store)
    assert result.principal == Principal("u0", Role.CUSTOMER, openid="openid-abc")  # the payer, from the session
    assert store.sessions["t-abc"].principal == result.principal
    assert store.sessions["t-abc"].expires_at == NOW + timedelta(hours=1)


def test_a_second_login_is_the_same_account_with_a_new_token() -> None:
    store = FakeIdentityStore()
    first = _login(store, token="t-1")
    second = _login(store, token="t-2")
    assert second.principal == first.principal and len(store.users) == 1
    assert set(store.sessions) == {"t-1", "t-2"}


def test_lost_creation_race_uses_the_winner() -> None:
    assert _login(FakeIdentityStore(lose_race=True)).principal.user_id == "u-winner"


def test_a_code_longer_than_wechat_issues_is_refused_before_asking_wechat() -> None:
    with pytest.raises(ValidationError) as refused:
        _login(FakeIdentityStore(), code="x" * 129)
    assert refused.value.field == "code"


def test_authenticate() -> None:
    store = FakeIdentityStore()
    _login(store)
    assert service.authenticate("Bearer t-abc", store=store, now=NOW).user_id == "u0"
    with pytest.raises(Unauthorized) as expired:
        service.authenticate("Bearer t-abc", store=store, now=NOW + timedelta(hours=1))
    assert expired.value.code == "TOKEN_EXPIRED"
    with pytest.raises(Unauthorized):
        service.authenticate("Bearer t-forged", store=store, now=NOW)
    with pytest.raises(Unauthorized) as too_long:
        service.authenticate("Bearer " + "t" * 257, store=store, now=NOW)
    assert too_long.value.code == "INVALID_TOKEN"
