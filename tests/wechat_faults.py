"""Shared by the WeChat fault tests: the sandbox's fault switch cleared after each test, and WeChat
calls that give up quickly, so a sandbox delay of a second is a timeout (the real client waits 5 s)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import urllib3

# Our clients' read timeout in these tests, and a delay that outlasts it.
READ_TIMEOUT = 0.3
SLOW = 1.0


@pytest.fixture
def faults(sandbox: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from chalicelib.wechat import http

    monkeypatch.setattr(
        http, "_pool", urllib3.PoolManager(timeout=urllib3.Timeout(connect=2.0, read=READ_TIMEOUT), retries=False)
    )
    sandbox.faults.clear()
    yield sandbox.faults
    sandbox.faults.clear()
