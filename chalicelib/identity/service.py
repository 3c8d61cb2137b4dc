"""Login and authentication rules; storage and WeChat come in as ports."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from chalicelib.core.auth import Principal, bearer_token
from chalicelib.core.errors import Unauthorized, ValidationError
from chalicelib.identity.models import UserItem, principal_of
from chalicelib.wechat.login import WeChatLogin


class IdentityPort(Protocol):
    def find_user_by_openid(self, openid: str, session_key: str, now: datetime) -> UserItem | None: ...
    def create_user(self, user_id: str, openid: str, session_key: str, now: datetime) -> UserItem | None: ...
    def put_session(self, token: str, principal: Principal, expires_at: datetime) -> None: ...
    def get_session(self, token: str) -> tuple[Principal, datetime] | None: ...


@dataclass(frozen=True)
class LoginResult:
    token: str
    principal: Principal
    expires_at: datetime


def login(
    code: str,
    *,
    wechat: WeChatLogin,
    store: IdentityPort,
    now: datetime,
    ttl: timedelta,
    new_user_id: Callable[[], str],
    new_token: Callable[[], str],
) -> LoginResult:
    if len(code) > 128:
        raise ValidationError("'code' is too long.", field="code")
    session = wechat.code2session(code)
    user = store.find_user_by_openid(session.openid, session.session_key, now)
    if user is None:
        user = store.create_user(new_user_id(), session.openid, session.session_key, now)
    if user is None:  # lost a first-login race to a parallel request: theirs is the account
        user = store.find_user_by_openid(session.openid, session.session_key, now)
    if user is None:
        raise RuntimeError("user vanished during login")
    principal = principal_of(user)
    token = new_token()
    expires_at = now + ttl
    store.put_session(token, principal, expires_at)
    return LoginResult(token=token, principal=principal, expires_at=expires_at)


def authenticate(authorization: str | None, *, store: IdentityPort, now: datetime) -> Principal:
    token = bearer_token(authorization)
    if len(token) > 256:
        raise Unauthorized("Invalid session token.", code="INVALID_TOKEN")
    found = store.get_session(token)
    if found is None:
        raise Unauthorized("Invalid session token.", code="INVALID_TOKEN")
    principal, expires_at = found
    if expires_at <= now:
        raise Unauthorized("Session expired; log in again.", code="TOKEN_EXPIRED")
    return principal
