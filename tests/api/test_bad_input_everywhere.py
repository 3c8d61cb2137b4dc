"""Every route, fed garbage by every kind of caller, answers a JSON 4xx error (or a success), never a 500.

The route table comes from the app itself, so a route added later is covered without touching this file.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import timedelta
from typing import Any

import pytest

NOT_JSON = b"{not json"
WRONG_TYPES = {
    "storeId": 1,
    "productId": [],
    "quantity": "many",
    "userId": {},
    "code": 5,
    "amount": "1e999",
    "rewardId": None,
    "serviceId": 1,
    "staffId": ["x"],
    "date": "2026-13-45",
    "timeSlot": {"start": 7},
    "customerInfo": "me",
    "totalAmount": -1,
    "status": 1,
    "rating": 99,
    "message": {"text": 1},
    "pickupCode": 1.5,
    "reason": ["x"],
    "reminderTimes": "soon",
    "appointmentId": True,
    "requestType": 1,
    "details": 2,
    "timestamp": "yesterday",
    "transactionType": 3,
    "latitude": "north",
    "startTime": "25:99",
    "endTime": None,
    "preferences": 1,
}
DEEP = b'{"a":' + b"[" * 100_000 + b"]" * 100_000 + b"}"  # deeper than Python's recursion limit
BODIES: list[bytes] = [
    NOT_JSON,
    b"[]",
    b"null",
    b'{"unexpected": 1}',
    json.dumps(WRONG_TYPES).encode(),
    DEEP,
]
JUNK_QUERY = (
    "latitude=abc&longitude=999&radius=-1&limit=abc&cursor=%40%40&days=1000&date=2026-13-45&period=1y"
    "&status=bogus&userId=someone-else&storeId=nope&serviceId=x&staffId=x&fromX=a&fromY=-5&productId=x"
    "&timeSlot=25%3A99&startDate=x&endDate=y&category=&keyword=%E7%89%9B"
)
PATH_VALUES = {
    "store_id": ["s-jingan", "no-such-store"],
    "product_id": ["p001", "x" * 300],
}


def _paths(template: str) -> list[str]:
    names = re.findall(r"{(\w+)}", template)
    variants = []
    for pick in (0, 1):
        path = template
        for name in names:
            path = path.replace("{" + name + "}", PATH_VALUES.get(name, ["nope", "牛奶%20🥛"])[pick])
        variants.append(path)
    return sorted(set(variants))


def _session(principal: Any) -> dict[str, str]:
    from chalicelib.core.clock import clock
    from chalicelib.identity.models import IdentityStore

    token = uuid.uuid4().hex
    IdentityStore().put_session(token, principal, clock().now() + timedelta(hours=1))
    return {"Authorization": f"Bearer {token}"}


def _assert_clean(response: Any, what: str) -> None:
    assert response.status_code < 500, f"{what} -> {response.status_code} {response.body[:300]!r}"
    if response.status_code >= 400:
        body = json.loads(response.body)
        error = body.get("error") if isinstance(body, dict) else None
        assert isinstance(error, dict), f"{what} -> {response.status_code} without an error object: {body}"
        assert isinstance(error.get("code"), str) and error["code"], f"{what}: {body}"
        assert isinstance(error.get("message"), str) and error["message"], f"{what}: {body}"


@pytest.mark.timeout(600)
def test_no_route_answers_garbage_with_a_500(seeded, client, login) -> None:
    from app import app
    from chalicelib.core.auth import Principal, Role
    from devstack import demo_data

    callers = {
        "anonymous": {},
        "customer": login(),
        "admin": _session(Principal("u-demo-admin", Role.ADMIN, demo_data.MERCHANT_ID)),
        "staff": _session(
            Principal("u-demo-staff", Role.STAFF, demo_data.MERCHANT_ID, frozenset(s[0] for s in demo_data.STORES))
        ),
    }
    checked = 0
    for template, methods in sorted(app.routes.items()):
        for method in sorted(methods):
            for path in _paths(template):
                for name, headers in callers.items():
                    if method in ("GET", "DELETE"):
                        response = client.http.request(method, f"{path}?{JUNK_QUERY}", headers=headers)
                        _assert_clean(response, f"{name} {method} {path}?junk")
                        checked += 1
                        continue
                    for body in BODIES if name != "anonymous" else BODIES[:1]:
                        response = client.http.request(
                            method, path, body=body, headers={"Content-Type": "application/json", **headers}
                        )
                        _assert_clean(response, f"{name} {method} {path} {body[:40]!r}")
                        checked += 1
    assert checked > 300  # the route table really was walked
