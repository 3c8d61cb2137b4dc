"""In-memory identity storage and WeChat login (the ports of `chalicelib.identity.service`)."""

from __future__ import annotations

from datetime import datetime

from chalicelib.core.auth import Principal, Role
from chalicelib.identity.domain import Session, User
from chalicelib.wechat.ports import WeChatSession


class FakeWeChat:
    def code2session(self, code: str) -> WeChatSession:
        return WeChatSession(openid=f"openid-{code}", session_key="sk")


class FakeIdentityStore:
    def __init__(self, lose_race: bool = False) -> None:
        self.users: dict[str, User] = {}  # by openid
        self.sessions: dict[str, Session] = {}
        self.session_keys: dict[str, str] = {}
        # Another request creates the user between our lookup and our create (a first-login race).
        self.lose_race = lose_race

    def find_user_by_openid(self, openid: str, session_key: str, now: datetime) -> User | None:
        user = self.users.get(openid)
        if user is not None:
            self.session_keys[openid] = session_key
        return user

    def create_user(self, user_id: str, openid: str, session_key: str, now: datetime) -> User | None:
        if self.lose_race:
            self.users[openid] = User("u-winner", openid, Role.CUSTOMER, "x")
            return None
        if openid in self.users:
            return None
        self.users[openid] = User(user_id, openid, Role.CUSTOMER, now.isoformat())
        self.session_keys[openid] = session_key
        return self.users[openid]

    def put_session(self, token: str, principal: Principal, expires_at: datetime) -> None:
        assert token not in self.sessions
        self.sessions[token] = Session(principal, expires_at)

    def get_session(self, token: str) -> Session | None:
        return self.sessions.get(token)
