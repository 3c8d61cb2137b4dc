"""Shared check for the foundation rule "every route but login, stores and catalog needs a live token".

It walks the app's own route table, so a route added to an area later is checked without anyone
remembering to list it.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from chalicelib.core.clock import ManualClock, clock, use_clock
from chalicelib.identity.settings import session_ttl
from tests.conftest import post_json


def area_routes(module: str) -> list[tuple[str, str]]:
    """(method, concrete path) of every route whose view lives in `module`, path ids filled in. The app
    registers its routes from the route table (tests/unit/test_route_table.py keeps both equal)."""
    from chalicelib.route_table import ROUTES

    found = []
    for method, path, routes_module, _ in ROUTES:
        if routes_module == module:
            found.append((method, re.sub(r"\{[^}]+\}", "probe-id", path)))
    return sorted(found)


def _call(client: Any, method: str, path: str, headers: dict[str, str]) -> Any:
    if method in ("POST", "PUT"):
        return post_json(client, path, {}, headers, method=method)
    return client.http.request(method, path, headers=headers)


def assert_every_route_needs_a_live_token(client: Any, login: Any, module: str) -> list[tuple[str, str]]:
    """No token, a garbage token and an expired one all get 401 before anything else is looked at
    (an unknown id or a missing field must not answer 404/400 to an anonymous caller)."""
    routes = area_routes(module)
    assert routes, f"no routes registered from {module}"
    expired_headers = login()
    for method, path in routes:
        for headers in ({}, {"Authorization": "Bearer not-a-session"}):
            response = _call(client, method, path, headers)
            assert response.status_code == 401, (method, path, headers, response.json_body)
            assert response.json_body["error"]["code"] in ("MISSING_TOKEN", "INVALID_TOKEN")
    later = ManualClock(clock().now() + session_ttl() + timedelta(seconds=60))
    previous = use_clock(later)
    try:
        for method, path in routes:
            response = _call(client, method, path, expired_headers)
            assert response.status_code == 401, (method, path, response.json_body)
            assert response.json_body["error"]["code"] == "TOKEN_EXPIRED"
    finally:
        use_clock(previous)
    return routes
