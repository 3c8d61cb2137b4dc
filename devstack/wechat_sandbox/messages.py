"""Access tokens and subscribe messages, as WeChat serves them, plus a sandbox-only listing.

GET /cgi-bin/token?grant_type=client_credential&appid&secret -> {access_token, expires_in}
    Every call issues a new token and invalidates the one before: callers that refresh on their
    own cut each other off (WeChat's documented rule for this API).
POST /cgi-bin/stable_token {grant_type, appid, secret, force_refresh} -> {access_token, expires_in}
    Every caller gets the same token until its last 5 minutes, when a call gets the next one and the
    old one stays valid until it expires; force_refresh replaces it at once, at most 20 times a day.
    Its tokens and /cgi-bin/token's are separate: neither API invalidates the other's.
POST /cgi-bin/message/subscribe/send?access_token= {touser, template_id, page, data}
GET /sandbox/messages?openid -> {"messages": [...]} (what was sent, for tests and `make run`)
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from devstack.wechat_sandbox.server import Reply, WeChatSandbox

TOKEN_TTL_SECONDS = 7200
STABLE_RENEW_WITHIN_SECONDS = 300  # a normal stable_token call renews a token with less than this left
FORCE_REFRESH_PER_DAY = 20
LEGACY, STABLE = "token", "stable_token"
# Openids that refused the subscription (WeChat answers 43101): lets tests see that case.
REFUSING_PREFIX = "openid-refuses-"


@dataclass
class IssuedToken:
    api: str  # LEGACY or STABLE: the two APIs' tokens live apart
    expires: float
    revoked: bool = False


class MessageService:
    def __init__(self, appid: str, secret: str) -> None:
        self.appid = appid
        self.secret = secret
        self._tokens: dict[str, IssuedToken] = {}
        self._current_stable: str | None = None
        self._forced: Counter[date] = Counter()
        # For tests: requests per token API, and tokens issued (LEGACY, STABLE, "force_refresh").
        self.calls: Counter[str] = Counter()
        self.issued: Counter[str] = Counter()
        self._sent: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def register(self, sandbox: WeChatSandbox) -> None:
        from devstack.wechat_sandbox.server import json_reply

        sandbox.route("GET", "/cgi-bin/token", lambda q, _b, _h: json_reply(self.token(q)))
        sandbox.route("POST", "/cgi-bin/stable_token", lambda _q, b, _h: json_reply(self.stable_token(b)))
        sandbox.route("POST", "/cgi-bin/message/subscribe/send", lambda q, b, _h: json_reply(self.send(q, b)))
        sandbox.route("GET", "/sandbox/messages", lambda q, _b, _h: self.listing(q))

    def _credentials_error(self, params: dict[str, Any]) -> dict[str, Any] | None:
        if params.get("grant_type") != "client_credential":
            return {"errcode": 40002, "errmsg": "invalid grant_type"}
        if params.get("appid") != self.appid:
            return {"errcode": 40013, "errmsg": "invalid appid"}
        if params.get("secret") != self.secret:
            return {"errcode": 40125, "errmsg": "invalid appsecret"}
        return None

    def _issue(self, api: str, now: float) -> str:
        token = secrets.token_urlsafe(24)
        self._tokens[token] = IssuedToken(api, now + TOKEN_TTL_SECONDS)
        self.issued[api] += 1
        return token

    def token(self, params: dict[str, str]) -> dict[str, Any]:
        with self._lock:
            self.calls[LEGACY] += 1
        error = self._credentials_error(params)
        if error:
            return error
        with self._lock:
            for value in [t for t, issued in self._tokens.items() if issued.api == LEGACY]:
                del self._tokens[value]
            token = self._issue(LEGACY, time.time())
        return {"access_token": token, "expires_in": TOKEN_TTL_SECONDS}

    def stable_token(self, body: bytes) -> dict[str, Any]:
        with self._lock:
            self.calls[STABLE] += 1
        try:
            params = json.loads(body or b"{}")
        except ValueError:
            return {"errcode": 47001, "errmsg": "data format error"}
        if not isinstance(params, dict):
            return {"errcode": 47001, "errmsg": "data format error"}
        error = self._credentials_error(params)
        if error:
            return error
        now = time.time()
        with self._lock:
            if params.get("force_refresh") is True:
                today = datetime.now(UTC).date()
                if self._forced[today] >= FORCE_REFRESH_PER_DAY:
                    return {"errcode": 45009, "errmsg": "reach max api daily quota limit"}
                self._forced[today] += 1
                self.issued["force_refresh"] += 1
                for value in [t for t, issued in self._tokens.items() if issued.api == STABLE]:
                    del self._tokens[value]
                self._current_stable = None
            current = self._tokens.get(self._current_stable or "")
            if current is None or current.expires - now < STABLE_RENEW_WITHIN_SECONDS:
                self._current_stable = self._issue(STABLE, now)
                current = self._tokens[self._current_stable]
            return {"access_token": self._current_stable, "expires_in": int(current.expires - now)}

    def expire_tokens(self) -> None:
        """Tests: make every issued token stale, as WeChat does after two hours."""
        with self._lock:
            self._forget_tokens()

    def age_tokens(self, seconds: float) -> None:
        """Tests: let `seconds` pass for every issued token."""
        with self._lock:
            for issued in self._tokens.values():
                issued.expires -= seconds

    def revoke(self, token: str) -> None:
        """Tests: WeChat rejects this token from now on (e.g. the app secret was reset)."""
        with self._lock:
            if token in self._tokens:
                self._tokens[token].revoked = True

    def reset_tokens(self) -> None:
        """Tests: a WeChat that has issued nothing yet today."""
        with self._lock:
            self._forget_tokens()
            self._forced.clear()
            self.calls.clear()
            self.issued.clear()

    def _forget_tokens(self) -> None:
        self._tokens.clear()
        self._current_stable = None

    def send(self, params: dict[str, str], body: bytes) -> dict[str, Any]:
        with self._lock:
            issued = self._tokens.get(params.get("access_token", ""))
        if issued is None or issued.revoked or issued.expires < time.time():
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
