"""GET /sns/jscode2session with WeChat's semantics: a code is good for one exchange.

WeChat gives one user a fresh code per wx.login; the sandbox has no wx.login, so a code names its
user: `<user>` or `<user>#<anything>` (e.g. `demo-staff#2`) both log in `openid-<user>`. Each code
string still works once, so repeating a login (a second run of the README walkthrough, a test)
needs a new suffix, not a restart."""

from __future__ import annotations

import secrets
import threading
from typing import Any


class LoginService:
    def __init__(self, appid: str, secret: str) -> None:
        self.appid = appid
        self.secret = secret
        self._used: set[str] = set()
        self._lock = threading.Lock()

    def code2session(self, params: dict[str, str]) -> dict[str, Any]:
        if params.get("appid") != self.appid:
            return {"errcode": 40013, "errmsg": "invalid appid"}
        if params.get("secret") != self.secret:
            return {"errcode": 40125, "errmsg": "invalid appsecret"}
        if params.get("grant_type") != "authorization_code":
            return {"errcode": 40002, "errmsg": "invalid grant_type"}
        code = params.get("js_code", "")
        if not code or code == "invalid":
            return {"errcode": 40029, "errmsg": "invalid code"}
        with self._lock:
            if code in self._used:
                return {"errcode": 40163, "errmsg": "code been used"}
            self._used.add(code)
        user = code.split("#", 1)[0]
        if not user:
            return {"errcode": 40029, "errmsg": "invalid code"}
        return {"openid": f"openid-{user}", "session_key": secrets.token_urlsafe(16)}
