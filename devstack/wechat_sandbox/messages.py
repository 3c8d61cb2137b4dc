"""Access tokens and subscribe messages, as WeChat serves them, plus a sandbox-only listing.

GET /cgi-bin/token?grant_type=client_credential&appid&secret -> {access_token, expires_in}
POST /cgi-bin/message/subscribe/send?access_token= {touser, template_id, page, data}
GET /sandbox/messages?openid -> {"messages": [...]} (what was sent, for tests and `make run`)
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from devstack.wechat_sandbox.server import Reply, WeChatSandbox

TOKEN_TTL_SECONDS = 7200
# Openids that refused the subscription (WeChat answers 43101): lets tests see that case.
REFUSING_PREFIX = "openid-refuses-"


class MessageService:
    def __init__(self, appid: str, secret: str) -> None:
        self.appid = appid
        self.secret = secret
        self._tokens: dict[str, float] = {}
        self._sent: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def register(self, sandbox: WeChatSandbox) -> None:
        from devstack.wechat_sandbox.server import json_reply

        sandbox.route("GET", "/cgi-bin/token", lambda q, _b, _h: json_reply(self.token(q)))
        sandbox.route("POST", "/cgi-bin/message/subscribe/send", lambda q, b, _h: json_reply(self.send(q, b)))
        sandbox.route("GET", "/sandbox/messages", lambda q, _b, _h: self.listing(q))

    def token(self, params: dict[str, str]) -> dict[str, Any]:
        if params.get("grant_type") != "client_credential":
            return {"errcode": 40002, "errmsg": "invalid grant_type"}
        if params.get("appid") != self.appid:
            return {"errcode": 40013, "errmsg": "invalid appid"}
        if params.get("secret") != self.secret:
            return {"errcode": 40125, "errmsg": "invalid appsecret"}
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._tokens[token] = time.time() + TOKEN_TTL_SECONDS
        return {"access_token": token, "expires_in": TOKEN_TTL_SECONDS}

    def expire_tokens(self) -> None:
        """Tests: make every issued token stale, as WeChat does after two hours."""
        with self._lock:
            self._tokens.clear()

    def send(self, params: dict[str, str], body: bytes) -> dict[str, Any]:
        with self._lock:
            expiry = self._tokens.get(params.get("access_token", ""))
        if expiry is None or expiry < time.time():
            return {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid or not latest"}
        try:
            message = json.loads(body or b"{}")
        except ValueError:
            return {"errcode": 47001, "errmsg": "data format error"}
        if not isinstance(message, dict):
            return {"errcode": 47001, "errmsg": "data format error"}
        touser, template_id, data = message.get("touser"), message.get("template_id"), message.get("data")
        if not touser or not isinstance(touser, str):
            return {"errcode": 40003, "errmsg": "invalid openid"}
        if not template_id or not isinstance(template_id, str):
            return {"errcode": 40037, "errmsg": "invalid template_id"}
        if not isinstance(data, dict) or not all(isinstance(v, dict) and "value" in v for v in data.values()):
            return {"errcode": 47003, "errmsg": "argument invalid! data.value invalid"}
        if touser.startswith(REFUSING_PREFIX):
            return {"errcode": 43101, "errmsg": "user refuse to accept the msg"}
        msgid = secrets.randbelow(10**12)
        with self._lock:
            self._sent.append(
                {
                    "msgid": msgid,
                    "touser": touser,
                    "template_id": template_id,
                    "page": message.get("page"),
                    "data": data,
                    "sentAt": int(time.time()),
                }
            )
        return {"errcode": 0, "errmsg": "ok", "msgid": msgid}

    def messages(self, openid: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(m) for m in self._sent if openid is None or m["touser"] == openid]

    def listing(self, params: dict[str, str]) -> Reply:
        from devstack.wechat_sandbox.server import json_reply

        return json_reply({"messages": self.messages(params.get("openid") or None)})
