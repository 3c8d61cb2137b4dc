"""Identity's entities and plain values (no storage behind them); other areas' rules may use them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chalicelib.core.auth import Principal, Role


@dataclass(frozen=True)
class StoreStaff:
    user_id: str
    shifts: dict[str, Any] | None
    display_name: str | None = None


@dataclass(frozen=True)
class User:
    """A person known by their WeChat openid; their role decides what they may touch."""

    user_id: str
    openid: str
    role: Role
    created_at: str
    merchant_id: str | None = None
    store_ids: frozenset[str] = field(default_factory=frozenset)

    def principal(self) -> Principal:
        return Principal(
            user_id=self.user_id,
            role=self.role,
            merchant_id=self.merchant_id,
            store_ids=self.store_ids,
            openid=self.openid,
        )


@dataclass(frozen=True)
class Session:
    """What a bearer token stands for until it expires (the token itself is never stored)."""

    principal: Principal
    expires_at: datetime

    def live_at(self, now: datetime) -> bool:
        return now < self.expires_at
