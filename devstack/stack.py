"""Assembles the local stack. `LocalStack` is what `make run` runs and what the flow tests start."""

from __future__ import annotations

import importlib
import os
import threading
from dataclasses import dataclass, field
from types import ModuleType

from chalice.app import Chalice
from chalice.config import Config
from chalice.local import CustomLocalChalice, LocalDevServer, create_local_server

from chalicelib.core.resources import WECHAT_APP_SECRET, WECHATPAY_SECRET
from devstack.local_aws import LocalAws
from devstack.provision import Provisioned, provision
from devstack.wechat_sandbox import WeChatSandbox

REGION = "ap-southeast-1"
PREFIX = "o2o-local"
WECHAT_APPID = "wx5a1dbox0000demo"
WECHAT_SECRET = "sandbox-secret"


def sandbox_secrets(sandbox: WeChatSandbox) -> dict[str, dict[str, str]]:
    """The stage's secrets as ops would fill them, here with the sandbox's credentials; provisioned
    into moto's Secrets Manager so the app reads them the way it does when deployed."""
    return {
        WECHAT_APP_SECRET.suffix: {"appSecret": sandbox.app_secret},
        WECHATPAY_SECRET.suffix: sandbox.pay.secret_values(),
    }


def serve_api(app: Chalice, host: str = "127.0.0.1", port: int = 0) -> LocalDevServer:
    """Chalice's local HTTP server for the app. `create_local_server` rebases the app's class, which
    works once per process (a second call makes an inheritance cycle); later servers reuse the rebase."""
    config = Config.create(chalice_stage="local", app_name=app.app_name, chalice_app=app)
    if isinstance(app, CustomLocalChalice):
        return LocalDevServer(app, config, host, port)
    return create_local_server(app, config, host, port)


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
        self.aws = LocalAws(self.moto_port).start()
        os.environ.update(self.aws.client_env(REGION))
        self.sandbox = WeChatSandbox(WECHAT_APPID, WECHAT_SECRET, self.wechat_port).start()
        os.environ.update(
            {
                "WECHAT_API_BASE": self.sandbox.base_url,
                "WECHAT_APPID": WECHAT_APPID,
                "STAGE": "local",
            }
        )
        self.resources = provision(PREFIX, secret_values=sandbox_secrets(self.sandbox))
        os.environ.update(self.resources.env())
        # Only now may the app be imported: its models read the table name from the environment.
        self.app_module = importlib.import_module("app")
        from chalicelib.core.clock import clock
        from devstack.event_runner import EventRunner

        if self.seed:
            from devstack import demo_data

            demo_data.seed(clock().now())
        app = self.app_module.app
        self._server = serve_api(app, "127.0.0.1", self.api_port)
        # WeChat Pay is the sandbox; its callbacks come back to this server.
        os.environ.update(self.sandbox.pay.env(self.sandbox.base_url, f"{self.api_url}/api/payments/wechat/notify"))
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
