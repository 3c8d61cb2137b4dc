"""One structured log line per API request: what on-call reads first when something looks wrong."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest

from tests.conftest import post_json


def _request_lines(captured_log: Any) -> list[dict[str, Any]]:
    return [line for line in captured_log() if line.get("message") == "request"]


def test_each_request_logs_route_status_latency_and_caller_but_no_token(
    seeded: Any, client: Any, captured_log: Any
) -> None:
    login = post_json(client, "/api/auth/login", {"code": "log-line-customer"})
    token = login.json_body["token"]
    me = client.http.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    missing = client.http.get("/api/stores/no-such-store")
    anonymous = client.http.get("/api/stores/s-jingan")
    assert (login.status_code, me.status_code, missing.status_code, anonymous.status_code) == (200, 200, 404, 200)

    lines = _request_lines(captured_log)
    assert [(line["route"], line["status"]) for line in lines] == [
        ("POST /api/auth/login", 200),
        ("GET /api/auth/me", 200),
        ("GET /api/stores/{store_id}", 404),
        ("GET /api/stores/{store_id}", 200),
    ]
    user_id = me.json_body["userId"]
    assert [(line["role"], line.get("user_id")) for line in lines] == [
        ("customer", user_id),
        ("customer", user_id),
        ("anonymous", None),
        ("anonymous", None),
    ]
    assert all(isinstance(line["latency_ms"], int | float) and line["latency_ms"] >= 0 for line in lines)
    assert lines[2]["error_code"] == "STORE_NOT_FOUND" and lines[2]["level"] == "INFO"
    assert "error_code" not in lines[3]
    raw = captured_log.raw()
    assert token not in raw and "log-line-customer" not in raw  # no session token, no WeChat code


def test_a_5xx_logs_its_traceback_on_the_request_line(
    seeded: Any, client: Any, captured_log: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.stores import service

    def broken(store_id: str) -> Any:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(service, "require_store", broken)
    response = client.http.get("/api/stores/s-jingan")
    assert response.status_code == 500 and response.json_body["error"]["code"] == "INTERNAL"
    (line,) = _request_lines(captured_log)
    assert (line["route"], line["status"], line["level"]) == ("GET /api/stores/{store_id}", 500, "ERROR")
    assert "RuntimeError: disk on fire" in line["exception"] and "Traceback" in line["exception"]
    assert [other["message"] for other in captured_log() if other.get("level") == "ERROR"] == ["request"]


def test_over_http_as_under_make_run_every_request_has_its_own_request_id(
    seeded: Any, api_url: str, captured_log: Any
) -> None:
    """API Gateway gives each request an id that Powertools uses as the correlation id; the local
    server must too, or `make run` logs cannot be correlated."""
    answered: list[str] = []
    for _ in range(2):
        with urllib.request.urlopen(f"{api_url}/api/stores/s-jingan", timeout=10) as response:
            assert response.status == 200 and json.load(response)["id"] == "s-jingan"
            answered.append(response.headers["x-amzn-RequestId"])
    lines = _request_lines(captured_log)
    assert [line["correlation_id"] for line in lines] == answered
    assert len(set(answered)) == 2 and all(answered)
