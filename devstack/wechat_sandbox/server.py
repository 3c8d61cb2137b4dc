"""The sandbox's HTTP server: routes by method and path to the WeChat services it imitates."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from devstack.wechat_sandbox.login import LoginService

# A handler gets (query params, raw body, headers) and returns (status, headers, body bytes).
Reply = tuple[int, dict[str, str], bytes]
Handler = Callable[[dict[str, str], bytes, dict[str, str]], Reply]


def json_reply(body: Any, status: int = 200) -> Reply:
    return status, {"Content-Type": "application/json"}, json.dumps(body, ensure_ascii=False).encode()


class WeChatSandbox:
    def __init__(self, appid: str, secret: str, port: int = 0, host: str = "127.0.0.1") -> None:
        self.appid = appid
        self.login = LoginService(appid, secret)
        self.routes: dict[tuple[str, str], Handler] = {}
        self.route("GET", "/sns/jscode2session", lambda q, _b, _h: json_reply(self.login.code2session(q)))
        self._server = ThreadingHTTPServer((host, port), self._handler_class())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    def route(self, method: str, path: str, handler: Handler) -> None:
        self.routes[(method, path)] = handler

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
                handler = sandbox.routes.get((method, parts.path))
                if handler is None:
                    status, headers, payload = json_reply({"errcode": 404, "errmsg": "no such api"}, 404)
                else:
                    query = dict(parse_qsl(parts.query, keep_blank_values=True))
                    status, headers, payload = handler(query, body, {k: v for k, v in self.headers.items()})
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self) -> None:
                self._dispatch("GET")

            def do_POST(self) -> None:
                self._dispatch("POST")

            def log_message(self, format: str, *args: Any) -> None:  # quiet: the stack logs its own lines
                return

        return Handler
