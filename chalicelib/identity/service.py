"""Login and authentication use cases; storage and WeChat come in as ports (`ports.py`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.core.auth import Principal, bearer_token
from chalicelib.core.errors import Unauthorized, ValidationError
from chalicelib.identity.ports import IdentityRepository
from chalicelib.wechat.ports import WeChatLogin

MAX_CODE_LENGTH = 128
MAX_TOKEN_LENGTH = 256


@dataclass(frozen=True)
class LoginResult:
    token: str
    principal: Principal
    expires_at: datetime


def login(
    code: str,
    *,
    wechat: WeChatLogin,
    store: IdentityRepository,
    now: datetime,
    ttl: timedelta,
    new_user_id: Callable[[], str],
    new_token: Callable[[], str],
) -> LoginResult:
    if len(code) > MAX_CODE_LENGTH:
        raise ValidationError("'code' is too long.", field="code")
    session = wechat.code2session(code)
    user = store.find_user_by_openid(session.openid, session.session_key, now)
    if user is None:
        user = store.create_user(new_user_id(), session.openid, session.session_key, now)
    if user is None:  # lost a first-login race to a parallel request: theirs is the account
        user = store.find_user_by_openid(session.openid, session.session_key, now)
    if user is None:
        raise RuntimeError("user vanished during login")
    principal = user.principal()
    token = new_token()
    expires_at = now + ttl
    store.put_session(token, principal, expires_at)
    return LoginResult(token=token, principal=principal, expires_at=expires_at)


def authenticate(authorization: str | None, *, store: IdentityRepository, now: datetime) -> Principal:
    token = bearer_token(authorization)
    if len(token) > MAX_TOKEN_LENGTH:
        raise Unauthorized("Invalid session token.", code="INVALID_TOKEN")
    session = store.get_session(token)
    if session is None:
        raise Unauthorized("Invalid session token.", code="INVALID_TOKEN")
    if not session.live_at(now):
        raise Unauthorized("Session expired; log in again.", code="TOKEN_EXPIRED")
    return session.principal
