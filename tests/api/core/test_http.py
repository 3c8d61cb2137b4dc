"""What reaches the edge before any route logic: bodies too deep or too large, bodies labelled with a
media type we do not read. Each gets our JSON error shape with a 4xx, never a 500 or Chalice's own body."""

from __future__ import annotations

import json
from typing import Any

import pytest

BODY_ROUTE = "/api/auth/login"  # public and reads a body


def _error(response: Any) -> dict[str, Any]:
    body = json.loads(response.body)
    assert set(body) == {"error"}, body
    assert body["error"]["code"] and body["error"]["message"], body
    return dict(body["error"])


def test_deeply_nested_json_is_a_400_not_a_500(client) -> None:
    body = b"[" * 100_000 + b"]" * 100_000
    response = client.http.post(BODY_ROUTE, body=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert _error(response)["code"] == "INVALID_JSON"


def test_nested_object_inside_a_field_is_a_400_too(client) -> None:
    body = b'{"code": ' + b'{"a":' * 30_000 + b"1" + b"}" * 30_000 + b"}"
    response = client.http.post(BODY_ROUTE, body=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400


def test_a_body_over_the_cap_is_refused_before_parsing(client) -> None:
    from chalicelib.core.http import MAX_BODY_BYTES

    body = json.dumps({"code": "x" * (MAX_BODY_BYTES + 1)}).encode()
    response = client.http.post(BODY_ROUTE, body=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert _error(response)["code"] == "PAYLOAD_TOO_LARGE"


@pytest.mark.parametrize("content_type", ["application/xml", "multipart/form-data; boundary=x", ""])
def test_unread_media_types_get_our_error_shape(client, content_type: str) -> None:
    response = client.http.post(BODY_ROUTE, body=b'{"code": "abc"}', headers={"Content-Type": content_type})
    assert response.status_code == 415
    assert _error(response)["code"] == "UNSUPPORTED_MEDIA_TYPE"


def test_a_method_the_route_lacks_gets_our_error_shape(client) -> None:
    response = client.http.request("DELETE", BODY_ROUTE)
    assert response.status_code == 405
    assert _error(response)["code"] == "METHOD_NOT_ALLOWED"


def test_a_table_that_does_not_answer_is_a_503_not_a_500(client, aws, monkeypatch) -> None:
    """A read timing out (the table throttled or unreachable past the client's retries) is the
    caller's cue to retry later: 503 UPSTREAM_UNAVAILABLE with our shape, never an INTERNAL 500."""
    from botocore.exceptions import ReadTimeoutError
    from pynamodb.connection import Connection

    def timing_out(*args: Any, **kwargs: Any) -> Any:
        raise ReadTimeoutError(endpoint_url="https://dynamodb.local")

    monkeypatch.setattr(Connection, "_make_api_call", timing_out)
    response = client.http.get("/api/stores/s-jingan")
    assert response.status_code == 503
    assert _error(response)["code"] == "UPSTREAM_UNAVAILABLE"
