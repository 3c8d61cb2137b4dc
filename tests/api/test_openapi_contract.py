"""Schemathesis runs docs/openapi.json against the app (moto server + WeChat sandbox, seeded demo data).

For every operation: a bounded number of generated requests (fixed seed), each sent with every role's
token (anonymous, customer, staff, admin). Whatever the input: never a 5xx, every 4xx is our JSON error
shape, and every answer conforms to the document (schema, status, content type). The attack findings of
issue 8 are explicit cases below, so they can never come back.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

ROOT = Path(__file__).resolve().parents[2]
DOCUMENT = ROOT / "docs" / "openapi.json"
EXAMPLES_PER_OPERATION = 8
ROLES = ("anonymous", "customer", "staff", "admin")

schema = schemathesis.openapi.from_path(DOCUMENT)

# Ids that exist in the seeded demo data: generated requests sometimes name them instead of random
# text, so the runs reach the routes' real work and not only their 404s.
KNOWN: dict[str, list[Any]] = {
    "store_id": ["s-jingan"],
    "storeId": ["s-jingan"],
    "product_id": ["p001"],
    "productId": ["p001"],
    "service_id": ["svc-haircut"],
    "serviceId": ["svc-haircut"],
    "staff_id": ["st-zhang"],
    "staffId": ["st-zhang"],
    "report": ["bookings", "revenue"],
    "latitude": [31.2304],  # People's Square: the demo stores are around it
    "longitude": [121.4737],
}
# Filled by the `stack` fixture: the customer's own user id, so user-scoped routes get past the 403.
OWN_IDS: list[str] = []


def _sometimes_known(values: dict[str, Any] | None) -> Any:
    if not values:
        return st.just(values)
    choices = {
        name: st.sampled_from([value, *KNOWN.get(name, []), *(OWN_IDS if name in ("user_id", "customer_id") else [])])
        for name, value in values.items()
    }
    return st.fixed_dictionaries(choices)


@schema.hook
def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any]) -> Any:
    return _sometimes_known(path_parameters)


@schema.hook
def flatmap_query(context: Any, query: dict[str, Any] | None) -> Any:
    return _sometimes_known(query)


@schema.hook
def filter_case(context: Any, case: Any) -> bool:
    """Negative generation also tries methods the path lacks (TRACE, ...): API Gateway answers those
    before the app, and the local server's 501 page is not the app's, so they are not sent."""
    return bool(case.method.upper() == case.operation.method.upper())


def error_shape(ctx: Any, response: Any, case: Any) -> None:
    """Every 4xx and 5xx body is {"error": {"code", "message"}}."""
    if response.status_code < 400:
        return
    try:
        body = json.loads(response.content or b"null")
    except ValueError:
        raise AssertionError(f"{response.status_code} body is not JSON: {response.content[:200]!r}") from None
    error = body.get("error") if isinstance(body, dict) else None
    assert isinstance(error, dict), f"{response.status_code} body has no error object: {body}"
    assert isinstance(error.get("code"), str) and error["code"], body
    assert isinstance(error.get("message"), str) and error["message"], body


def no_server_error(ctx: Any, response: Any, case: Any) -> None:
    assert response.status_code < 500, f"{response.status_code}: {response.content[:300]!r}"


CHECKS = [no_server_error, error_shape, status_code_conformance, content_type_conformance, response_schema_conformance]


def _prepare(local_aws: Any, sandbox: Any, base: str) -> dict[str, dict[str, str]]:
    """A fresh provisioned, seeded stack and a signed-in session per role."""
    import os

    from chalicelib.core.clock import clock
    from devstack import demo_data
    from devstack.provision import provision
    from devstack.stack import PREFIX, sandbox_secrets

    local_aws.reset()
    provisioned = provision(PREFIX, secret_values=sandbox_secrets(sandbox))
    os.environ.update(provisioned.env())
    demo_data.seed(clock().now())
    headers: dict[str, dict[str, str]] = {"anonymous": {}}
    for role, user in (("customer", "contract-customer"), ("staff", "demo-staff"), ("admin", "demo-admin")):
        answer = requests.post(f"{base}/api/auth/login", json={"code": f"{user}#{uuid.uuid4().hex}"}, timeout=10)
        answer.raise_for_status()
        headers[role] = {"Authorization": f"Bearer {answer.json()['token']}"}
        if role == "customer":
            OWN_IDS[:] = [answer.json()["userId"]]
    return headers


@pytest.fixture(scope="module")
def served(local_aws: Any, sandbox: Any) -> Iterator[dict[str, Any]]:
    """The app over HTTP for the whole module, on one provisioned, seeded stack."""
    from app import app
    from devstack.stack import serve_api

    server = serve_api(app)
    threading.Thread(target=server.server.serve_forever, name="api", daemon=True).start()
    base = f"http://127.0.0.1:{server.server.server_address[1]}"
    yield {"base": base, "headers": _prepare(local_aws, sandbox, base), "session": requests.Session()}
    server.server.shutdown()
    server.server.server_close()


@pytest.fixture
def stack(served: dict[str, Any], local_aws: Any, sandbox: Any) -> dict[str, Any]:
    """The module's stack, set up again if a test of another module ran in between on this worker
    (pytest-xdist interleaves modules) and reset moto: every case runs on seeded data and live sessions."""
    me = requests.get(f"{served['base']}/api/auth/me", headers=served["headers"]["customer"], timeout=10)
    if me.status_code != 200:
        served["headers"] = _prepare(local_aws, sandbox, served["base"])
    return served


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_documented_for_every_role(case: Any, stack: dict[str, Any]) -> None:
    for role in ROLES:
        response = case.call(base_url=stack["base"], session=stack["session"], headers=stack["headers"][role])
        case.validate_response(response, checks=CHECKS)


# --- issue 8's attack findings, as explicit cases (each once answered 500 or a non-JSON body) ---
DEEP = b'{"a":' + b"[" * 100_000 + b"]" * 100_000 + b"}"
HUGE = b'{"code":"' + b"x" * (300 * 1024) + b'"}'
DOCUMENTED = json.loads(DOCUMENT.read_text())["paths"]
BODY_ROUTES = sorted(
    (method.upper(), path)
    for path, operations in DOCUMENTED.items()
    for method, operation in operations.items()
    if "requestBody" in operation
)


def _concrete(path: str) -> str:
    return path.replace("{user_id}", "u-nobody").replace("{store_id}", "s-jingan").replace("{", "").replace("}", "")


def _refused(response: requests.Response, method: str, path: str, *statuses: int) -> dict[str, Any]:
    where = f"{method} {path}: {response.status_code} {response.text[:200]}"
    assert response.status_code in statuses, where
    assert str(response.status_code) in DOCUMENTED[path][method.lower()]["responses"], where
    error = response.json()["error"]
    assert isinstance(error["code"], str) and isinstance(error["message"], str), where
    return dict(error)


@pytest.mark.parametrize(("method", "path"), BODY_ROUTES)
def test_deep_nesting_and_huge_bodies_are_refused_on_every_route_that_reads_a_body(
    stack: dict[str, Any], method: str, path: str
) -> None:
    url = stack["base"] + _concrete(path)
    for role in ("anonymous", "customer"):
        headers = {"Content-Type": "application/json", **stack["headers"][role]}
        deep = requests.request(method, url, data=DEEP, headers=headers, timeout=30)
        if deep.status_code not in (401, 403):  # refused before the body is read
            assert _refused(deep, method, path, 400)["code"] == "INVALID_JSON"
        huge = requests.request(method, url, data=HUGE, headers=headers, timeout=30)
        assert _refused(huge, method, path, 413)["code"] == "PAYLOAD_TOO_LARGE"


LONE_SURROGATE = '"\\ud800"'
SURROGATE_CASES = [
    ("customer", "POST", "/api/auth/login", '{"code": ' + LONE_SURROGATE + "}"),
    (
        "customer",
        "POST",
        "/api/staff/assistance-request",
        '{"storeId": "s-jingan", "requestType": ' + LONE_SURROGATE + "}",
    ),
    (
        "customer",
        "POST",
        "/api/staff/assistance-request",
        '{"storeId": "s-jingan", "requestType": "help", "details": ' + LONE_SURROGATE + "}",
    ),
    (
        "staff",
        "POST",
        "/api/staff/message",
        '{"storeId": "s-jingan", "userId": "u-1", "message": ' + LONE_SURROGATE + "}",
    ),
]


@pytest.mark.parametrize(("role", "method", "path", "body"), SURROGATE_CASES)
def test_a_lone_surrogate_is_a_400(stack: dict[str, Any], role: str, method: str, path: str, body: str) -> None:
    headers = {"Content-Type": "application/json", **stack["headers"][role]}
    response = requests.request(method, stack["base"] + path, data=body.encode(), headers=headers, timeout=10)
    _refused(response, method, path, 400)


CALENDAR_ENDS = ("9999-12-31", "0001-01-01")


@pytest.mark.parametrize("day", CALENDAR_ENDS)
def test_dates_at_the_ends_of_the_calendar_are_400s(stack: dict[str, Any], day: str) -> None:
    base, staff = stack["base"], stack["headers"]["staff"]
    slot = "serviceId=svc-haircut&staffId=st-zhang"
    reads = [
        ({}, "/api/appointments/availability/slots", f"{slot}&date={day}"),
        (staff, "/api/appointments/staff/{staff_id}/schedule", f"startDate={day}&endDate={day}"),
        (staff, "/api/appointments/schedule/overview", f"date={day}"),
        (staff, "/api/appointments/schedule/conflicts", f"staffId=st-zhang&date={day}&timeSlot=10:00"),
    ]
    for headers, path, query in reads:
        response = requests.get(f"{base}{path.replace('{staff_id}', 'st-zhang')}?{query}", headers=headers, timeout=10)
        _refused(response, "GET", path, 400)
    block: dict[str, Any] = {"staffId": "st-zhang", "date": day, "timeSlot": "10:00", "duration": 30}
    response = requests.post(f"{base}/api/appointments/schedule/block", json=block, headers=staff, timeout=10)
    _refused(response, "POST", "/api/appointments/schedule/block", 400)
    path = "/api/appointments/{appointment_id}/reschedule"
    moved = requests.put(
        f"{base}/api/appointments/apt-none/reschedule",
        json={"date": day, "timeSlot": "10:00"},
        headers=stack["headers"]["customer"],
        timeout=10,
    )
    _refused(moved, "PUT", path, 400, 404)


@pytest.mark.parametrize("content_type", ["application/xml", "multipart/form-data; boundary=x", ""])
def test_odd_content_types_get_our_error_shape(stack: dict[str, Any], content_type: str) -> None:
    headers = {"Content-Type": content_type, **stack["headers"]["customer"]}
    for method, path in (
        ("POST", "/api/queue/join"),
        ("POST", "/api/auth/login"),
        ("PUT", "/api/staff/assistance-requests/{request_id}"),
    ):
        response = requests.request(method, stack["base"] + _concrete(path), data=b"<x/>", headers=headers, timeout=10)
        _refused(response, method, path, 400, 404, 415)
