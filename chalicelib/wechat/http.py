"""One pooled HTTP client for all WeChat calls (urllib3 ships with botocore: no extra cold start).
Every call goes through `request`, so functions that trace see each one as a subsegment."""

from __future__ import annotations

import json
from typing import Any

import urllib3

from chalicelib.core.errors import UpstreamUnavailable
from chalicelib.core.observability import remote_call

_pool: urllib3.PoolManager | None = None


def pool() -> urllib3.PoolManager:
    global _pool
    if _pool is None:
        _pool = urllib3.PoolManager(timeout=urllib3.Timeout(connect=2.0, read=5.0), retries=False)
    return _pool


def request(method: str, url: str, **kwargs: Any) -> urllib3.BaseHTTPResponse:
    with remote_call(method, url) as record_status:
        response = pool().request(method, url, **kwargs)
        record_status(response.status)
    return response


def get_json(url: str, fields: dict[str, str]) -> dict[str, Any]:
    try:
        response = request("GET", url, fields=fields)
    except urllib3.exceptions.HTTPError as err:
        raise UpstreamUnavailable(f"WeChat is unreachable: {err.__class__.__name__}") from err
    return _json_of(response)


def post_json(url: str, body: dict[str, Any]) -> dict[str, Any]:
    try:
        response = request(
            "POST",
            url,
            body=json.dumps(body, ensure_ascii=False).encode(),
            headers={"Content-Type": "application/json"},
        )
    except urllib3.exceptions.HTTPError as err:
        raise UpstreamUnavailable(f"WeChat is unreachable: {err.__class__.__name__}") from err
    return _json_of(response)


def _json_of(response: urllib3.BaseHTTPResponse) -> dict[str, Any]:
    try:
        body = json.loads(response.data or b"{}")
    except ValueError as err:
        raise UpstreamUnavailable("WeChat answered with a body that is not JSON.") from err
    if not isinstance(body, dict):
        raise UpstreamUnavailable("WeChat answered with an unexpected body.")
    return body
