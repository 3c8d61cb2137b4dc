"""One moto server (DynamoDB serialized, as in `make run`) and one WeChat sandbox per test process,
started by the first test that asks for them (api/, flows/): unit tests need no AWS and never start
them (tests/unit/conftest.py refuses a unit test that asks).

`pytest_configure` sets what the models read when they are defined (table name, region, fake
credentials), before any test module imports `chalicelib`; the endpoints come when the servers start,
and every cached client or connection made before then is dropped.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from devstack.local_aws import LocalAws
from devstack.stack import PREFIX, REGION, SES_SENDER, WECHAT_APPID, WECHAT_SECRET, sandbox_secrets
from devstack.wechat_sandbox import WeChatSandbox

_state: dict[str, Any] = {}


def pytest_configure(config: pytest.Config) -> None:
    os.environ["POWERTOOLS_METRICS_DISABLED"] = "true"
    os.environ["POWERTOOLS_LOG_LEVEL"] = "WARNING"
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": REGION,
            "WECHAT_APPID": WECHAT_APPID,
            "RESOURCE_PREFIX": PREFIX,
            "TABLE_NAME": f"{PREFIX}-table",
            "SES_SENDER": SES_SENDER,
        }
    )


def _servers() -> tuple[LocalAws, WeChatSandbox]:
    if "aws" not in _state:
        aws = LocalAws().start()
        os.environ.update(aws.client_env(REGION))
        sandbox = WeChatSandbox(WECHAT_APPID, WECHAT_SECRET).start()
        _bind_demo_sub_merchants(sandbox)
        os.environ["WECHAT_API_BASE"] = sandbox.base_url
        # WeChat Pay talks to the sandbox; tests that need callbacks delivered point the notify URL at a
        # real HTTP server of the app (see tests/flows/appointments/test_payment_flow.py).
        os.environ.update(sandbox.pay.env(sandbox.base_url, "http://127.0.0.1:9/api/payments/wechat/notify"))
        _forget_clients()
        _state.update(aws=aws, sandbox=sandbox)
    return _state["aws"], _state["sandbox"]


def _bind_demo_sub_merchants(sandbox: WeChatSandbox) -> None:
    """The demo merchants' WeChat Pay sub-merchants are onboarded under the platform, as in `make run`."""
    from devstack.demo_data import SUB_MCHIDS

    for sub_mchid in SUB_MCHIDS.values():
        sandbox.pay.bind_sub_merchant(sub_mchid)


def _forget_clients() -> None:
    """Clients, connections and settings cached before the endpoints existed (by unit tests that ran
    first in this process) would point at AWS itself: drop them."""
    import sys

    if "chalicelib.core.config" in sys.modules:
        sys.modules["chalicelib.core.config"].settings.cache_clear()
    if "chalicelib.core.aws" in sys.modules:
        sys.modules["chalicelib.core.aws"].reset_clients()
    table = sys.modules.get("chalicelib.data.table")
    if table is not None:
        table.connection.cache_clear()
        pending = list(table.TableModel.__subclasses__())
        while pending:
            model = pending.pop()
            model._connection = None
            pending.extend(model.__subclasses__())


def pytest_unconfigure(config: pytest.Config) -> None:
    for name in ("sandbox", "aws"):
        if name in _state:
            _state.pop(name).stop()


@pytest.fixture(scope="session")
def local_aws() -> LocalAws:
    return _servers()[0]


@pytest.fixture(scope="session")
def sandbox() -> WeChatSandbox:
    return _servers()[1]


@pytest.fixture
def aws(local_aws: LocalAws, sandbox: WeChatSandbox) -> Iterator[Any]:
    """A freshly provisioned, empty stack for each test (the WeChat secrets in Secrets Manager)."""
    from devstack.provision import provision

    local_aws.reset()
    provisioned = provision(PREFIX, secret_values=sandbox_secrets(sandbox))
    os.environ.update(provisioned.env())
    yield provisioned


@pytest.fixture
def seeded(aws: Any) -> Any:
    from chalicelib.core.clock import clock
    from devstack import demo_data

    demo_data.seed(clock().now())
    return aws


@pytest.fixture
def client(aws: Any) -> Iterator[Any]:
    from chalice.test import Client

    from app import app

    with Client(app) as test_client:
        yield test_client


@pytest.fixture
def api_url(aws: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The app over real HTTP on a free port; WeChat Pay's notify_url points at it, so the sandbox
    can deliver signed payment callbacks the way WeChat does."""
    import threading

    from app import app
    from devstack.stack import serve_api

    server = serve_api(app)
    threading.Thread(target=server.server.serve_forever, name="api", daemon=True).start()
    base = f"http://127.0.0.1:{server.server.server_address[1]}"
    monkeypatch.setenv("WECHATPAY_NOTIFY_URL", f"{base}/api/payments/wechat/notify")
    yield base
    server.server.shutdown()
    server.server.server_close()


@pytest.fixture
def login(client: Any) -> Any:
    """login("demo-admin") -> bearer headers for that WeChat code's user (codes are single-use)."""

    def _login(code: str | None = None) -> dict[str, str]:
        # The sandbox lives for the whole process and codes are single-use: default codes never repeat.
        response = post_json(client, "/api/auth/login", {"code": code or f"customer-{uuid.uuid4().hex}"})
        assert response.status_code == 200, response.json_body
        return {"Authorization": f"Bearer {response.json_body['token']}"}

    return _login


@pytest.fixture
def captured_log() -> Iterator[Any]:
    """Everything Powertools Logger writes while the test runs, at INFO, as parsed JSON lines
    (call it: captured_log() -> list of dicts). The handler's stream was bound when the logger was
    built, so capsys cannot see it; this swaps the stream instead."""
    import io
    import json

    from chalicelib.core.observability import logger

    buffer = io.StringIO()
    handler = logger.registered_handler
    assert isinstance(handler, logging.StreamHandler)
    previous_stream, previous_level = handler.setStream(buffer), logger.log_level
    logger.setLevel("INFO")

    def lines() -> list[dict[str, Any]]:
        return [json.loads(line) for line in buffer.getvalue().splitlines() if line.startswith("{")]

    lines.raw = buffer.getvalue  # type: ignore[attr-defined]
    try:
        yield lines
    finally:
        handler.setStream(previous_stream)
        logger.setLevel(previous_level)


def post_json(client: Any, path: str, body: Any, headers: dict[str, str] | None = None, method: str = "POST") -> Any:
    import json

    return client.http.request(
        method, path, body=json.dumps(body).encode(), headers={"Content-Type": "application/json", **(headers or {})}
    )
