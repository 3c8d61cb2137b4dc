"""code2Session: exchange a wx.login code for the user's openid (session_key stays server-side)."""

from __future__ import annotations

from chalicelib.core.config import settings
from chalicelib.core.errors import Unauthorized, UpstreamUnavailable
from chalicelib.core.runtime_secrets import wechat_app_secret
from chalicelib.wechat.http import get_json
from chalicelib.wechat.ports import WeChatLogin, WeChatSession

__all__ = ["WeChatLogin", "WeChatLoginClient", "WeChatSession"]

# errcodes that mean "this code is no good"; anything else is WeChat's trouble, not the user's.
_BAD_CODE = {40029, 40163, 40226}


class WeChatLoginClient:
    def __init__(self, base_url: str | None = None, appid: str | None = None, secret: str | None = None) -> None:
        cfg = settings()
        self.base_url = (base_url or cfg.wechat_api_base).rstrip("/")
        self.appid = appid or cfg.wechat_appid
        self.secret = secret or wechat_app_secret()

    def code2session(self, code: str) -> WeChatSession:
        body = get_json(
            f"{self.base_url}/sns/jscode2session",
            {"appid": self.appid, "secret": self.secret, "js_code": code, "grant_type": "authorization_code"},
        )
        errcode = int(body.get("errcode") or 0)
        if errcode in _BAD_CODE:
            raise Unauthorized("The WeChat login code is invalid or already used.", code="INVALID_CODE")
        if errcode != 0 or not body.get("openid"):
            raise UpstreamUnavailable(f"WeChat login failed (errcode {errcode}).")
        return WeChatSession(
            openid=str(body["openid"]), session_key=str(body.get("session_key", "")), unionid=body.get("unionid")
        )
