"""Identity's requests: the wire models (validation and OpenAPI, core/contract.py) and the typed values
the use cases take."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from msgspec import Meta

from chalicelib.core.contract import NON_BLANK, Model
from chalicelib.identity.service import MAX_CODE_LENGTH


class LoginBody(Model):
    code: Annotated[str, Meta(pattern=NON_BLANK, max_length=MAX_CODE_LENGTH, description="The wx.login code.")]


class LoginAnswer(Model):
    token: str
    user_id: str
    role: str
    expires_at: str


class MeAnswer(Model):
    user_id: str
    role: str
    merchant_id: str | None
    store_ids: list[str]


@dataclass(frozen=True)
class LoginRequest:
    code: str  # the wx.login code, exchanged once with WeChat

    @classmethod
    def of(cls, body: LoginBody) -> LoginRequest:
        return cls(code=body.code.strip())
