"""Login and authentication rules with in-memory ports (no AWS)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.core.auth import Principal, Role
from chalicelib.core.errors import Unauthorized
from chalicelib.identity import service
from chalicelib.identity.models import UserItem, user_key
from chalicelib.wechat.login import WeChatSession

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


class FakeWeChat:
    def code2session(self, code: str) -> WeChatSession:
        return WeChatSession(openid=f"openid-{code}", session_key="sk")


class FakeStore:
    def __init__(self, lose_race: bool = False) -> None:
        self.users: dict[str, UserItem] = {}
        self.sessions: dict[str, tuple[Principal, datetime]] = {}
        self.lose_race = lose_race

    def _user(self, user_id: str, openid: str) -> UserItem:
        pk, sk = user_key(user_id)
        return UserItem(pk, sk, openid=openid, role=Role.CUSTOMER.value, store_ids=[], created_at="x")

    def find_user_by_openid(self, openid: str, session_key: str, now: datetime) -> UserItem | None:
        return self.users.get(openid)

    def create_user(self, user_id: str, openid: str, session_key: str, now: datetime) -> UserItem | None:
        if self.lose_race:  # someone else's request created the user between our read and write
            self.users[openid] = self._user("u-winner", openid)
            return None
        self.users[openid] = self._user(user_id, openid)
        return self.users[openid]

    def put_session(self, token: str, principal: Principal, expires_at: datetime) -> None:
        self.sessions[token] = (principal, expires_at)

    def get_session(self, token: str) -> tuple[Principal, datetime] | None:
        return self.sessions.get(token)


def _login(store: FakeStore, code: str = "abc") -> service.LoginResult:
    ids = itertools.count()
    return service.login(
        code,
        wechat=FakeWeChat(),
        store=store,
        now=NOW,
        ttl=timedelta(hours=1),
        new_user_id=lambda: f"u{next(ids)}",
        new_token=lambda: f"t-{code}",
    )


def test_first_login_creates_customer_and_session() -> None:
    store = FakeStore()
    result = _login(store)
    assert result.principal == Principal("u0", Role.CUSTOMER)
    assert store.sessions["t-abc"] == (result.principal, NOW + timedelta(hours=1))


def test_lost_creation_race_uses_the_winner() -> None:
    assert _login(FakeStore(lose_race=True)).principal.user_id == "u-winner"


def test_authenticate() -> None:
    store = FakeStore()
    _login(store)
    assert service.authenticate("Bearer t-abc", store=store, now=NOW).user_id == "u0"
    with pytest.raises(Unauthorized) as expired:
        service.authenticate("Bearer t-abc", store=store, now=NOW + timedelta(hours=1))
    assert expired.value.code == "TOKEN_EXPIRED"
    with pytest.raises(Unauthorized):
        service.authenticate("Bearer t-forged", store=store, now=NOW)
