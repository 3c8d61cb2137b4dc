"""What identity's use cases need from storage (the DynamoDB adapter is `models.IdentityStore`; unit
tests use an in-memory fake)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from chalicelib.core.auth import Principal
from chalicelib.identity.domain import Session, User


class IdentityRepository(Protocol):
    def find_user_by_openid(self, openid: str, session_key: str, now: datetime) -> User | None:
        """The user this openid belongs to, recording WeChat's new session_key; None if unknown."""
        ...

    def create_user(self, user_id: str, openid: str, session_key: str, now: datetime) -> User | None:
        """A new customer for this openid; None when another request created the openid first."""
        ...

    def put_session(self, token: str, principal: Principal, expires_at: datetime) -> None: ...

    def get_session(self, token: str) -> Session | None: ...
