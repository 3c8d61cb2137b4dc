"""Identity's requests parsed into typed values (routes hand nothing raw to the use cases)."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.core.http import Params
from chalicelib.identity.service import MAX_CODE_LENGTH


@dataclass(frozen=True)
class LoginRequest:
    code: str  # the wx.login code, exchanged once with WeChat

    @classmethod
    def parse(cls, body: Params) -> LoginRequest:
        return cls(code=body.require_text("code", max_length=MAX_CODE_LENGTH))
