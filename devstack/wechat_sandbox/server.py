"""The sandbox's HTTP server: routes by method and path to the WeChat services it imitates."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from devstack.wechat_sandbox.faults import Faults
from devstack.wechat_sandbox.login import LoginService
from devstack.wechat_sandbox.messages import MessageService
from devstack.wechat_sandbox.pay import PayService

# A handler gets (query params, raw body, headers) and returns (status, headers, body bytes).
# Path parameters of a pattern route ("/v3/x/{id}") are merged into the query params.
Reply = tuple[int, dict[str, str], bytes]
Handler = Callable[[dict[str, str], bytes, dict[str, str]], Reply]


@dataclass(frozen=True)
class SandboxRequest:
    """Everything about one request, for handlers that need more than params (e.g. signature checks)."""

    method: str
    target: str  # the raw request target, path + "?" + query: what WeChat Pay signatures cover
    path: str
    query: dict[str, str]
    params: dict[str, str]  # from {name} segments of the route pattern
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    def header(self, name: str) -> str:
        wanted = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), "")


RequestHandler = Callable[[SandboxRequest], Reply]
_PARAM = re.compile(r"\{(\w+)\}")


def _compile(pattern: str) -> re.Pattern[str]:
    parts = _PARAM.split(pattern)
    # split() alternates literal text and parameter names.
    regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>[^/]+)" for i, p in enumerate(parts))
    return re.compile(f"^{regex}$")


def json_reply(body: Any, status: int = 200) -> Reply:
    return status, {"Content-Type": "application/json"}, json.dumps(body, ensure_ascii=False).encode()


class WeChatSandbox:
    def __init__(self, appid: str, secret: str, port: int = 0, host: str = "127.0.0.1") -> None:
        self.appid = appid
        self.app_secret = secret
        self.login = LoginService(appid, secret)
        self.routes: dict[tuple[str, str], RequestHandler] = {}
        self._patterns: list[tuple[str, re.Pattern[str], RequestHandler]] = []
        self.route("GET", "/sns/jscode2session", lambda q, _b, _h: json_reply(self.login.code2session(q)))
        self.pay = PayService(appid)
        self.pay.register(self)
        self.messages = MessageService(appid, secret)
        self.messages.register(self)
        self.faults = Faults()
        self.route("POST", "/sandbox/faults", lambda _q, b, _h: self._inject_fault(b))
        self.route("DELETE", "/sandbox/faults", lambda _q, _b, _h: self._clear_faults())
        self._server = ThreadingHTTPServer((host, port), self._handler_class())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    def _inject_fault(self, body: bytes) -> Reply:
        try:
            spec = json.loads(body or b"{}")
            self.faults.inject(
                str(spec["path"]),
                status=spec.get("status"),
                delay=float(spec.get("delay") or 0),
                times=int(spec.get("times") or 1),
                method=spec.get("method"),
            )
        except (ValueError, KeyError, TypeError) as err:
            return json_reply({"errcode": 400, "errmsg": f"bad fault: {err}"}, 400)
        return json_reply({"errcode": 0, "errmsg": "ok"})

    def _clear_faults(self) -> Reply:
        self.faults.clear()
        return json_reply({"errcode": 0, "errmsg": "ok"})

    def fault_reply(self, path: str, status: int) -> Reply:
        """What WeChat's side answers when it fails: WeChat Pay signs even its SYSTEM_ERROR answers;
        the other APIs' gateways answer a bare 5xx."""
        if path.startswith("/v3/"):
            return self.pay.reply({"code": "SYSTEM_ERROR", "message": "系统错误"}, status)
        return status, {"Content-Type": "text/html"}, b"<html><body>502 Bad Gateway</body></html>"

    def route(self, method: str, path: str, handler: Handler) -> None:
        self.route_request(method, path, lambda r: handler({**r.query, **r.params}, r.body, r.headers))

    def route_request(self, method: str, path: str, handler: RequestHandler) -> None:
        """Register a handler; `{name}` segments in `path` match one path segment each."""
        if _PARAM.search(path):
            self._patterns.append((method, _compile(path), handler))
        else:
            self.routes[(method, path)] = handler

    def resolve(self, method: str, path: str) -> tuple[RequestHandler, dict[str, str]] | None:
        exact = self.routes.get((method, path))
        if exact is not None:
            return exact, {}
        for route_method, pattern, handler in self._patterns:
            match = pattern.match(path) if route_method == method else None
            if match:
                return handler, {k: unquote(v) for k, v in match.groupdict().items()}
        return None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> WeChatSandbox:
        self._thread = threading.Thread(target=self._server.serve_forever, name="wechat-sandbox", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        sandbox = self

        class Handler(BaseHTTPRequestHandler):
            def _dispatch(self, method: str) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                found = sandbox.resolve(method, parts.path)
                fault = None if parts.path.startswith("/sandbox/") else sandbox.faults.take(method, parts.path)
                if fault is not None and fault.delay:
                    time.sleep(fault.delay)
                if fault is not None and fault.status is not None:
                    status, headers, payload = sandbox.fault_reply(parts.path, fault.status)
                elif found is None:
                    status, headers, payload = json_reply({"errcode": 404, "errmsg": "no such api"}, 404)
                else:
                    handler, params = found
                    request = SandboxRequest(
                        method=method,
                        target=self.path,
                        path=parts.path,
                        query=dict(parse_qsl(parts.query, keep_blank_values=True)),
                        params=params,
                        body=body,
                        headers={k: v for k, v in self.headers.items()},
                    )
                    status, headers, payload = handler(request)
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):  # the caller gave up (a slow fault)
                    return

            def do_GET(self) -> None:
                self._dispatch("GET")

            def do_POST(self) -> None:
                self._dispatch("POST")

            def do_PUT(self) -> None:
                self._dispatch("PUT")

            def do_DELETE(self) -> None:
                self._dispatch("DELETE")

            def log_message(self, format: str, *args: Any) -> None:  # quiet: the stack logs its own lines
                return

        return Handler
