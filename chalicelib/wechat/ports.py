"""What use cases may know of WeChat login: the session it answers and the port that gets it.

Plain values and a Protocol, so a use case typed against them imports no HTTP client or AWS."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class WeChatSession:
    openid: str
    session_key: str
    unionid: str | None = None


class WeChatLogin(Protocol):
    def code2session(self, code: str) -> WeChatSession: ...
