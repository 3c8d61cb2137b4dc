"""The document's `x-roles` against what the code enforces: every route called as each role it does not
list answers 401/403 (never a 2xx, never a 5xx), so docs/openapi.json cannot claim a refusal the code
does not make. Ids are the demo world's where a route names a store or user, so a refusal cannot hide
behind a 404 for an unknown id."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from chalicelib.core.auth import Role
from chalicelib.route_table import ROUTES
from tests.conftest import post_json
from tests.people import new_staff

DOCUMENT = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
ROLES = ("anonymous", "customer", "staff", "manager", "admin", "platform")
IDS = {
    "store_id": "s-jingan",
    "user_id": "u-demo-staff",
    "customer_id": "u-demo-staff",
    "staff_id": "st-zhang",
    "merchant_id": "m-demo",
}


def _refusals() -> list[tuple[str, str, str]]:
    paths: dict[str, dict[str, Any]] = json.loads(DOCUMENT.read_text(encoding="utf-8"))["paths"]
    cases = []
    for path, operations in sorted(paths.items()):
        for method, operation in sorted(operations.items()):
            allowed = operation["x-roles"]
            assert set(allowed) <= set(ROLES), (method, path, allowed)
            cases += [(role, method.upper(), path) for role in ROLES if role not in allowed]
    return cases


REFUSALS = _refusals()
# The media type each route reads: a refusal must come from the role check, not from Chalice's 415.
CONTENT_TYPES = {(method, path): types for method, path, _, types in ROUTES}


def test_the_document_refuses_someone_somewhere() -> None:
    refused = {role for role, _, _ in REFUSALS}
    assert {"anonymous", "customer", "staff", "manager", "admin", "platform"} <= refused


@pytest.fixture
def callers(seeded: Any, client: Any, login: Any) -> dict[str, dict[str, str]]:
    return {
        "anonymous": {},
        "customer": login(),
        "staff": login("demo-staff"),
        "manager": new_staff(login, ["s-jingan"], Role.MANAGER),
        "admin": login("demo-admin"),
        "platform": login("demo-platform"),
    }


def test_every_route_refuses_the_roles_it_does_not_list(client: Any, callers: dict[str, dict[str, str]]) -> None:
    wrong = []
    for role, method, path in REFUSALS:
        concrete = re.sub(r"\{([^}]+)\}", lambda m: IDS.get(m.group(1), "probe-id"), path)
        media_type = CONTENT_TYPES[(method, path)][0]
        if method in ("POST", "PUT") and media_type != "application/json":  # e.g. a CSV upload
            headers = {**callers[role], "Content-Type": media_type}
            response = client.http.request(method, concrete, body=b"", headers=headers)
        elif method in ("POST", "PUT"):
            response = post_json(client, concrete, {}, callers[role], method=method)
        else:
            response = client.http.request(method, concrete, headers=callers[role])
        if response.status_code not in (401, 403):
            wrong.append((role, method, path, response.status_code))
    assert not wrong, f"routes answering a role their x-roles leave out: {wrong}"
