"""Book a paid service through the HTTP API, pay through the WeChat sandbox, and watch the saga
confirm it; and the payment timeout end to end. The app runs as a real HTTP server (as in
`make run`) because the sandbox delivers its signed callback over HTTP."""

from __future__ import annotations

import json
import secrets
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest

from chalicelib.core.clock import ManualClock, clock, use_clock
from chalicelib.payments import models
from devstack.event_runner import EventRunner
from devstack.stack import REGION


class Http:
    def __init__(self, base: str) -> None:
        self.base = base

    def call(
        self, method: str, path: str, body: Any = None, token: str | None = None, base: str | None = None
    ) -> tuple[int, Any]:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request((base or self.base) + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                raw = response.read()
                return response.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as err:
            raw = err.read()
            return err.code, json.loads(raw) if raw else None


@pytest.fixture
def api(seeded, api_url) -> Http:
    return Http(api_url)


@pytest.fixture
def runner(aws) -> Iterator[EventRunner]:
    from app import app

    manual = ManualClock(clock().now())
    previous = use_clock(manual)
    yield EventRunner(app, manual, [aws.scheduler_group], REGION)
    use_clock(previous)


def runner_clock(runner: EventRunner) -> ManualClock:
    assert isinstance(runner.clock, ManualClock)
    return runner.clock


def _login(http: Http) -> str:
    status, body = http.call("POST", "/api/auth/login", {"code": f"flow-{secrets.token_hex(6)}"})
    assert status == 200, body
    return str(body["token"])


def _book_paid(http: Http, token: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    """Walk the mini program's booking pages; returns (appointment, service, slot start)."""
    _, listing = http.call("GET", "/api/appointments/services")
    paid = next(s for s in listing["services"] if s["requiresPayment"] and s["price"] > 0)
    _, staff = http.call("GET", f"/api/appointments/services/{paid['id']}/staff")
    staff_id = staff["staff"][0]["id"]
    _, dates = http.call(
        "GET", f"/api/appointments/availability/dates?serviceId={paid['id']}&staffId={staff_id}&days=14"
    )
    day = dates["dates"][0]
    _, slots = http.call(
        "GET", f"/api/appointments/availability/slots?serviceId={paid['id']}&staffId={staff_id}&date={day}"
    )
    start = slots["slots"][0]["start"]
    status, booked = http.call(
        "POST",
        "/api/appointments/book",
        {
            "serviceId": paid["id"],
            "staffId": staff_id,
            "date": day,
            "timeSlot": start,
            "customerInfo": {"name": "张三", "phone": "13800138000"},
            "totalAmount": paid["price"],
        },
        token,
    )
    assert status == 200, booked
    appointment = booked["appointment"]
    assert (appointment["status"], appointment["totalAmount"], appointment["timeSlot"]) == (
        "pending_payment",
        paid["price"],
        start,
    )
    return {**appointment, "staffId": staff_id}, paid, start


def _request_payment(http: Http, token: str, appointment: dict[str, Any]) -> str:
    status, params = http.call(
        "POST",
        "/api/appointments/payment",
        {"appointmentId": appointment["id"], "amount": appointment["totalAmount"]},
        token,
    )
    assert status == 200, params
    assert params["signType"] == "RSA" and params["package"].startswith("prepay_id=")
    return str(params["package"].split("=", 1)[1])


def _waiting(out_trade_no: str) -> Callable[[], bool]:
    def check() -> bool:
        record = models.get_payment(out_trade_no)
        return record is not None and bool(record.task_token)

    return check


def _status_is(http: Http, token: str, appointment_id: str, wanted: str) -> Callable[[], bool]:
    def check() -> bool:
        _, body = http.call("GET", f"/api/appointments/{appointment_id}", token=token)
        return bool(body and body.get("appointment", {}).get("status") == wanted)

    return check


def test_book_pay_and_confirm(api: Http, runner: EventRunner, sandbox) -> None:
    token = _login(api)
    appointment, _, _ = _book_paid(api, token)
    out_trade_no = appointment["id"].replace("-", "")
    prepay_id = _request_payment(api, token, appointment)
    runner.run_until(_waiting(out_trade_no))

    status, paid = api.call(
        "POST", "/sandbox/pay", {"prepay_id": prepay_id, "result": "SUCCESS"}, base=sandbox.base_url
    )
    assert (status, paid["trade_state"], paid["notify_status"]) == (200, "SUCCESS", 204)
    runner.run_until(_status_is(api, token, appointment["id"], "confirmed"))
    assert models.get_payment(out_trade_no).status == "SUCCESS"  # type: ignore[union-attr]

    # WeChat's retry of the same callback is answered 204 and changes nothing.
    status, again = api.call(
        "POST", "/sandbox/pay", {"prepay_id": prepay_id, "result": "SUCCESS"}, base=sandbox.base_url
    )
    assert (status, again["notify_status"]) == (200, 204)
    runner.tick()
    _, detail = api.call("GET", f"/api/appointments/{appointment['id']}", token=token)
    assert detail["appointment"]["status"] == "confirmed"


def test_unpaid_booking_expires_and_frees_the_slot(api: Http, runner: EventRunner, sandbox, monkeypatch) -> None:
    monkeypatch.setenv("PAYMENT_TIMEOUT_SECONDS", "120")  # a short window
    token = _login(api)
    appointment, service, start = _book_paid(api, token)
    out_trade_no = appointment["id"].replace("-", "")
    prepay_id = _request_payment(api, token, appointment)
    runner.run_until(_waiting(out_trade_no))
    slots_path = (
        f"/api/appointments/availability/slots?serviceId={service['id']}"
        f"&staffId={appointment['staffId']}&date={appointment['date']}"
    )
    assert start not in [s["start"] for s in api.call("GET", slots_path)[1]["slots"]]

    runner_clock(runner).advance(timedelta(seconds=119))
    runner.tick()
    assert _status_is(api, token, appointment["id"], "pending_payment")()
    runner_clock(runner).advance(timedelta(seconds=1))
    runner.run_until(_status_is(api, token, appointment["id"], "expired"))

    assert models.get_payment(out_trade_no).status == "CLOSED"  # type: ignore[union-attr]
    assert sandbox.pay.orders[out_trade_no].trade_state == "CLOSED"
    status, refused = api.call(
        "POST", "/sandbox/pay", {"prepay_id": prepay_id, "result": "SUCCESS"}, base=sandbox.base_url
    )
    assert (status, refused["code"]) == (400, "ORDERCLOSED")
    assert start in [s["start"] for s in api.call("GET", slots_path)[1]["slots"]]
    status, late = api.call(
        "POST",
        "/api/appointments/payment",
        {"appointmentId": appointment["id"], "amount": appointment["totalAmount"]},
        token,
    )
    assert status in (400, 409), late
