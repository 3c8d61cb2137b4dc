"""Assembles the local stack. `LocalStack` is what `make run` runs and what the flow tests start."""

from __future__ import annotations

import errno
import importlib
import os
import socket
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from chalice.app import Chalice
from chalice.config import Config
from chalice.local import (
    ChaliceRequestHandler,
    CustomLocalChalice,
    LocalChalice,
    LocalDevServer,
    LocalGateway,
    ThreadedHTTPServer,
)

from chalicelib.core.resources import WECHAT_APP_SECRET, WECHATPAY_SECRET
from chalicelib.reports.area import REPORTS_SECRET
from devstack.local_aws import LocalAws
from devstack.provision import Provisioned, provision
from devstack.wechat_sandbox import WeChatSandbox

REGION = "ap-southeast-1"
PREFIX = "o2o-local"
WECHAT_APPID = "wx5a1dbox0000demo"
WECHAT_SECRET = "sandbox-secret"
SES_SENDER = "reports@o2o.example.com"  # the local stage's setting; deployed stages set theirs


class RequestIdGateway(LocalGateway):
    """Chalice's local API Gateway, plus what the real one does and Chalice's does not: a request id
    in `requestContext.requestId` (Powertools' correlation id) and in the `x-amzn-RequestId` header.
    One gateway per connection, whose requests run one after another, so the id can live on it."""

    _request_id = ""

    def handle_request(self, method: str, path: str, headers: Any, body: bytes | None) -> dict[str, Any]:
        self._request_id = str(uuid.uuid4())
        response: dict[str, Any] = super().handle_request(method, path, headers, body)
        response["headers"]["x-amzn-RequestId"] = self._request_id
        return response

    def _generate_lambda_event(self, method: str, path: str, headers: Any, body: bytes | None) -> dict[str, Any]:
        event: dict[str, Any] = super()._generate_lambda_event(method, path, headers, body)
        event["requestContext"]["requestId"] = self._request_id
        return event


# The API's OpenAPI document (`make openapi`), served by the local server only: the Lambda package
# neither registers nor reads it, so a cold start never pays for it.
OPENAPI_ROUTE = "/api/openapi.json"
OPENAPI_DOCUMENT = Path(__file__).resolve().parents[1] / "docs" / "openapi.json"


class RequestIdHandler(ChaliceRequestHandler):
    def __init__(self, request: Any, client_address: Any, server: Any, app_object: Chalice, config: Config) -> None:
        self.local_gateway = RequestIdGateway(app_object, config)
        # BaseHTTPRequestHandler's init, not ChaliceRequestHandler's, which would install a plain gateway.
        super(ChaliceRequestHandler, self).__init__(request, client_address, server)

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        if self.path.partition("?")[0] != OPENAPI_ROUTE:
            self._generic_handle()
            return
        body = OPENAPI_DOCUMENT.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def sandbox_secrets(sandbox: WeChatSandbox) -> dict[str, dict[str, str]]:
    """The stage's secrets as ops would fill them, here with the sandbox's credentials; provisioned
    into moto's Secrets Manager so the app reads them the way it does when deployed."""
    return {
        WECHAT_APP_SECRET.suffix: {"appSecret": sandbox.app_secret},
        WECHATPAY_SECRET.suffix: sandbox.pay.secret_values(),
        # The local stage's key for signing report unsubscribe links (a deployed stage's is ops').
        REPORTS_SECRET.suffix: {"unsubscribeKey": "local-unsubscribe-key"},
    }


def serve_api(app: Chalice, host: str = "127.0.0.1", port: int = 0) -> LocalDevServer:
    """Chalice's local HTTP server for the app, with request ids. Serving needs the app's class rebased
    onto LocalChalice (as `create_local_server` does), once per process: twice makes an inheritance cycle."""
    if not isinstance(app, CustomLocalChalice):
        CustomLocalChalice.__bases__ = (LocalChalice, app.__class__)
        app.__class__ = CustomLocalChalice
    config = Config.create(chalice_stage="local", app_name=app.app_name, chalice_app=app)
    return LocalDevServer(app, config, host, port, handler_cls=RequestIdHandler, server_cls=BackloggedHTTPServer)


class BackloggedHTTPServer(ThreadedHTTPServer):
    """socketserver listens with a backlog of 5: a burst of concurrent clients (a rush on one item, the
    concurrency tests) would see connections reset before a thread could take them. API Gateway queues
    them; so does this."""

    request_queue_size = 128
    daemon_threads = True


class PortInUse(Exception):
    def __init__(self, port: int, variable: str, what: str) -> None:
        super().__init__(
            f"Port {port} is already in use, so the {what} cannot listen there. Stop whatever holds it, "
            f"or move the {what} with {variable}, e.g. `{variable}={port + 1} make run`."
        )


def ensure_free(port: int, variable: str, what: str) -> None:
    """Raises PortInUse when `port` is taken; port 0 (any free port) always is free. Checked before
    anything starts, so `make run` says so at once rather than after provisioning and seeding."""
    if not port:
        return
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers bind: TIME_WAIT is fine
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as err:
            if err.errno == errno.EADDRINUSE:
                raise PortInUse(port, variable, what) from None
            raise


@dataclass
class LocalStack:
    moto_port: int = 0
    api_port: int = 0
    wechat_port: int = 0
    seed: bool = True
    aws: LocalAws | None = None
    sandbox: WeChatSandbox | None = None
    resources: Provisioned | None = None
    app_module: ModuleType | None = None
    _server: LocalDevServer | None = None
    _threads: list[threading.Thread] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    @property
    def api_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server.server_address[1]}"

    def start(self) -> LocalStack:
        ensure_free(self.moto_port, "MOTO_PORT", "moto server")
        ensure_free(self.wechat_port, "WECHAT_PORT", "WeChat sandbox")
        ensure_free(self.api_port, "API_PORT", "API")
        self.aws = LocalAws(self.moto_port).start()
        os.environ.update(self.aws.client_env(REGION))
        self.sandbox = WeChatSandbox(WECHAT_APPID, WECHAT_SECRET, self.wechat_port).start()
        os.environ.update(
            {
                "WECHAT_API_BASE": self.sandbox.base_url,
                "WECHAT_APPID": WECHAT_APPID,
                "STAGE": "local",
                "SES_SENDER": SES_SENDER,
            }
        )
        self.resources = provision(PREFIX, secret_values=sandbox_secrets(self.sandbox))
        os.environ.update(self.resources.env())
        # Only now may the app be imported: its models read the table name from the environment.
        self.app_module = importlib.import_module("app")
        from chalicelib.core.clock import clock

        # Imported only now: demo data loads the models, whose settings must see the stack's environment.
        from devstack import demo_data
        from devstack.event_runner import EventRunner

        for sub_mchid in demo_data.SUB_MCHIDS.values():  # the demo merchants, onboarded at WeChat Pay
            self.sandbox.pay.bind_sub_merchant(sub_mchid)
        if self.seed:
            demo_data.seed(clock().now())
        app = self.app_module.app
        self._server = serve_api(app, "127.0.0.1", self.api_port)
        # WeChat Pay is the sandbox; its callbacks come back to this server.
        os.environ.update(self.sandbox.pay.env(self.sandbox.base_url, f"{self.api_url}/api/payments/wechat/notify"))
        os.environ["PUBLIC_API_BASE"] = self.api_url  # report emails' unsubscribe links
        self._spawn("api", self._server.server.serve_forever)
        runner = EventRunner(app, clock(), [self.resources.scheduler_group], REGION)
        self._spawn("event-runner", lambda: runner.run(self._stop))
        return self

    def _spawn(self, name: str, target: object) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)  # type: ignore[arg-type]
        thread.start()
        self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        if self._server is not None:
            self._server.server.shutdown()
            self._server.server.server_close()
        if self.sandbox is not None:
            self.sandbox.stop()
        if self.aws is not None:
            self.aws.stop()
