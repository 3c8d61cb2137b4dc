"""Staff assistance routes: request life cycle, staff notifications, messages, feedback, role rules."""

from __future__ import annotations

import pytest

from chalicelib.core.auth import Role
from chalicelib.core.clock import ManualClock, clock
from chalicelib.notifications import models as inbox
from devstack.event_runner import EventRunner
from devstack.stack import REGION
from tests.api.budget import assert_budget
from tests.api.token_rules import assert_every_route_needs_a_live_token
from tests.conftest import post_json
from tests.people import make_user, put_demo_store

STORE = "s-jingan"
OTHER_STORE = "s-lujiazui"


@pytest.fixture
def shops(aws) -> None:
    put_demo_store(STORE)
    put_demo_store(OTHER_STORE)


@pytest.fixture
def runner(aws):
    from app import app

    return EventRunner(app, ManualClock(clock().now()), [aws.scheduler_group], REGION)


def ask(client, headers, user_id: str, timestamp: int = 1_763_870_000_000, store: str = STORE):
    body = {
        "storeId": store,
        "userId": user_id,
        "requestType": "找商品",
        "details": "找不到酸奶",
        "timestamp": timestamp,
    }
    return post_json(client, "/api/staff/assistance-request", body, headers)


def move(client, headers, request_id: str, status: str):
    return post_json(client, f"/api/staff/assistance-requests/{request_id}", {"status": status}, headers, method="PUT")


def test_request_life_cycle_forward_only(shops, client, login, runner) -> None:
    customer_h, customer = make_user(client, login, "as-customer")
    taker, taker_id = make_user(client, login, "as-taker", Role.STAFF, [STORE])
    colleague, colleague_id = make_user(client, login, "as-colleague", Role.STAFF, [STORE, OTHER_STORE])
    _, elsewhere_id = make_user(client, login, "as-elsewhere", Role.STAFF, [OTHER_STORE])

    created = ask(client, customer_h, customer)
    assert created.status_code == 200 and created.json_body["success"] is True
    request_id = created.json_body["requestId"]
    assert ask(client, customer_h, customer).json_body["requestId"] == request_id  # a retried POST
    runner.drain_queues()
    for staff_id in (taker_id, colleague_id):
        kinds = [(e.kind, e.data["requestId"]) for e in inbox.inbox(staff_id, 10)]
        assert kinds == [("assistance_requested", request_id)]
    assert inbox.inbox(elsewhere_id, 10) == []

    status = client.http.get(f"/api/staff/assistance-status/{request_id}", headers=customer_h).json_body
    assert (status["status"], status["staffName"]) == ("pending", None) and status["updatedAt"]
    pending = client.http.get(f"/api/stores/{STORE}/assistance-requests?status=pending", headers=colleague).json_body
    assert [r["id"] for r in pending["requests"]] == [request_id]

    assert move(client, taker, request_id, "approaching").status_code == 409  # must be taken first
    taken = move(client, taker, request_id, "assigned")
    assert taken.status_code == 200 and taken.json_body["request"]["staffId"] == taker_id
    assert move(client, taker, request_id, "assigned").status_code == 200  # retry by the same person
    second = move(client, colleague, request_id, "assigned")
    assert second.status_code == 409 and second.json_body["error"]["code"] == "ALREADY_ASSIGNED"
    assert move(client, colleague, request_id, "approaching").status_code == 403  # not theirs
    assert move(client, taker, request_id, "approaching").status_code == 200
    status = client.http.get(f"/api/staff/assistance-status/{request_id}", headers=customer_h).json_body
    assert status["status"] == "approaching" and status["staffName"].startswith("店员")
    back = move(client, taker, request_id, "assigned")
    assert back.status_code == 409 and back.json_body["error"]["code"] == "INVALID_TRANSITION"
    assert move(client, taker, request_id, "pending").status_code == 400
    assert move(client, taker, request_id, "lost").status_code == 400

    early = post_json(client, f"/api/staff/assistance-requests/{request_id}/feedback", {"rating": 5}, customer_h)
    assert early.status_code == 409 and early.json_body["error"]["code"] == "NOT_COMPLETED"
    assert move(client, taker, request_id, "completed").status_code == 200
    assert client.http.get(f"/api/stores/{STORE}/assistance-requests?status=pending", headers=taker).json_body == {
        "requests": []
    }
    runner.drain_queues()
    assert sorted(e.data["status"] for e in inbox.inbox(customer, 10)) == ["approaching", "assigned", "completed"]

    feedback = f"/api/staff/assistance-requests/{request_id}/feedback"
    assert post_json(client, feedback, {"rating": 6}, customer_h).status_code == 400
    assert post_json(client, feedback, {"rating": 5}, taker).status_code == 403
    rated = post_json(client, feedback, {"rating": 4, "comment": "很快"}, customer_h)
    assert rated.status_code == 200 and rated.json_body["request"]["feedback"] == {"rating": 4, "comment": "很快"}
    again = post_json(client, feedback, {"rating": 1}, customer_h)
    assert again.status_code == 409 and again.json_body["error"]["code"] == "FEEDBACK_ALREADY_GIVEN"


def test_admin_can_finish_a_request_someone_else_took(shops, client, login) -> None:
    customer_h, customer = make_user(client, login, "as-c2")
    staff, _ = make_user(client, login, "as-s2", Role.STAFF, [STORE])
    admin, _ = make_user(client, login, "as-admin2", Role.ADMIN)
    request_id = ask(client, customer_h, customer).json_body["requestId"]
    assert move(client, staff, request_id, "assigned").status_code == 200
    assert move(client, admin, request_id, "completed").status_code == 200


def test_role_rules(shops, client, login) -> None:
    owner_h, owner = make_user(client, login, "as-owner")
    other_h, _ = make_user(client, login, "as-other")
    here, _ = make_user(client, login, "as-here", Role.STAFF, [STORE])
    there, _ = make_user(client, login, "as-there", Role.STAFF, [OTHER_STORE])
    admin, _ = make_user(client, login, "as-admin", Role.ADMIN)
    foreign_admin, _ = make_user(client, login, "as-foreign", Role.ADMIN, merchant="m-other")

    assert ask(client, {}, owner).status_code == 401
    assert ask(client, other_h, owner).status_code == 403
    request_id = ask(client, owner_h, owner).json_body["requestId"]

    status_url = f"/api/staff/assistance-status/{request_id}"
    for headers, expected in [(owner_h, 200), (here, 200), (admin, 200), (other_h, 403), (there, 403)]:
        assert client.http.get(status_url, headers=headers).status_code == expected
    assert client.http.get(status_url, headers=foreign_admin).status_code == 403
    assert client.http.get("/api/staff/assistance-status/ar_missing", headers=owner_h).status_code == 404

    list_url = f"/api/stores/{STORE}/assistance-requests"
    for headers, expected in [(here, 200), (admin, 200), (owner_h, 403), (there, 403), (foreign_admin, 403)]:
        assert client.http.get(list_url, headers=headers).status_code == expected
    assert client.http.get(list_url + "?status=lost", headers=here).status_code == 400

    for headers in (owner_h, other_h, there, foreign_admin):
        assert move(client, headers, request_id, "assigned").status_code == 403
    feedback = f"/api/staff/assistance-requests/{request_id}/feedback"
    for headers in (other_h, here, admin):
        assert post_json(client, feedback, {"rating": 5}, headers).status_code == 403
    assert post_json(client, feedback, {"rating": 5}, {}).status_code == 401

    conversation = f"/api/staff/messages?storeId={STORE}&userId={owner}"
    for headers, expected in [(owner_h, 200), (here, 200), (admin, 200), (other_h, 403), (there, 403)]:
        assert client.http.get(conversation, headers=headers).status_code == expected
    assert client.http.get(conversation, headers=foreign_admin).status_code == 403
    assert client.http.get(conversation).status_code == 401


def test_conversation_between_customer_and_staff(shops, client, login, runner) -> None:
    customer_h, customer = make_user(client, login, "as-talker")
    other_h, _ = make_user(client, login, "as-snoop")
    staff, _ = make_user(client, login, "as-helper", Role.STAFF, [STORE])
    there, _ = make_user(client, login, "as-far", Role.STAFF, [OTHER_STORE])

    first = {"storeId": STORE, "userId": customer, "message": "请问有无糖酸奶吗？", "timestamp": 1}
    sent = post_json(client, "/api/staff/message", first, customer_h)
    assert sent.status_code == 200 and sent.json_body["success"] is True
    assert (
        post_json(client, "/api/staff/message", first, customer_h).json_body["messageId"] == sent.json_body["messageId"]
    )
    reply = {"storeId": STORE, "userId": customer, "message": "有的，在 S2 货架。", "timestamp": 2}
    assert post_json(client, "/api/staff/message", reply, staff).status_code == 200

    mine = client.http.get(f"/api/staff/messages?storeId={STORE}", headers=customer_h).json_body["messages"]
    assert [(m["from"], m["message"]) for m in mine] == [("customer", first["message"]), ("staff", reply["message"])]
    theirs = client.http.get(f"/api/staff/messages?storeId={STORE}&userId={customer}", headers=staff).json_body
    assert [m["id"] for m in theirs["messages"]] == [m["id"] for m in mine]
    latest = client.http.get(f"/api/staff/messages?storeId={STORE}&limit=1", headers=customer_h).json_body
    assert [m["from"] for m in latest["messages"]] == ["staff"]  # the newest, still newest-last

    for headers in (other_h, there):
        assert post_json(client, "/api/staff/message", reply, headers).status_code == 403
        response = client.http.get(f"/api/staff/messages?storeId={STORE}&userId={customer}", headers=headers)
        assert response.status_code == 403
    assert client.http.get(f"/api/staff/messages?storeId={STORE}", headers=other_h).json_body == {"messages": []}
    assert post_json(client, "/api/staff/message", {"storeId": STORE}, customer_h).status_code == 400
    assert client.http.get("/api/staff/messages", headers=customer_h).status_code == 400
    assert client.http.get("/api/staff/messages?storeId=s-nowhere", headers=customer_h).status_code == 404

    runner.drain_queues()
    assert [e.kind for e in inbox.inbox(customer, 10)] == ["staff_message"]


def test_every_assistance_route_needs_a_live_token(shops, client, login) -> None:
    routes = assert_every_route_needs_a_live_token(client, login, "chalicelib.assistance.routes")
    assert ("GET", "/api/staff/assistance-status/probe-id") in routes


def test_requests_reach_the_staff_on_shift(shops, client, login, runner) -> None:
    customer_h, customer = make_user(client, login, "rota-customer")
    on_duty_h, on_duty = make_user(client, login, "rota-on", Role.STAFF, [STORE])
    _, off_duty = make_user(client, login, "rota-off", Role.STAFF, [STORE])
    _, no_rota = make_user(client, login, "rota-none", Role.STAFF, [STORE])
    admin_h, _ = make_user(client, login, "rota-admin", Role.ADMIN)
    every_day = {day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    never: dict[str, list[list[str]]] = {day: [] for day in every_day}

    def set_rota(user_id: str, shifts, headers):
        return post_json(client, f"/api/stores/{STORE}/staff/{user_id}", {"shifts": shifts}, headers, "PUT")

    assert set_rota(on_duty, every_day, admin_h).status_code == 200
    assert set_rota(off_duty, never, admin_h).status_code == 200
    assert set_rota(off_duty, never, on_duty_h).status_code == 403  # staff don't write the rota
    assert set_rota(off_duty, never, customer_h).status_code == 403
    assert set_rota(customer, every_day, admin_h).json_body["error"]["code"] == "STAFF_NOT_FOUND"
    bad_rotas: list[object] = [{"someday": []}, {"mon": "all day"}, {"mon": [["9", "17"]]}, "always"]
    for bad in bad_rotas:
        response = set_rota(on_duty, bad, admin_h)
        assert response.status_code == 400 and response.json_body["error"]["field"] == "shifts", bad

    named = post_json(client, f"/api/stores/{STORE}/staff/{on_duty}", {"displayName": "小王"}, admin_h, "PUT")
    assert named.json_body == {"storeId": STORE, "userId": on_duty, "displayName": "小王", "shifts": every_day}
    assert post_json(client, f"/api/stores/{STORE}/staff/{on_duty}", {}, admin_h, "PUT").status_code == 400
    too_long = post_json(client, f"/api/stores/{STORE}/staff/{on_duty}", {"displayName": "长" * 21}, admin_h, "PUT")
    assert too_long.status_code == 400

    request_id = ask(client, customer_h, customer).json_body["requestId"]
    runner.drain_queues()
    notified = {s for s in (on_duty, off_duty, no_rota) if inbox.inbox(s, 10)}
    assert notified == {on_duty, no_rota}  # off duty is left alone; no rota means always reachable
    assert all(e.data["requestId"] == request_id for e in inbox.inbox(on_duty, 10))
    # The customer sees the name the merchant gave the staff member who took the request.
    assert move(client, on_duty_h, request_id, "assigned").status_code == 200
    status = client.http.get(f"/api/staff/assistance-status/{request_id}", headers=customer_h).json_body
    assert status["staffName"] == "小王"

    # Nobody on shift at all (the rota-less one given a rota too): everyone hears, rather than no one.
    assert set_rota(on_duty, never, admin_h).status_code == 200
    assert set_rota(no_rota, never, admin_h).status_code == 200
    ask(client, customer_h, customer, timestamp=1_763_870_000_001)
    runner.drain_queues()
    assert len(inbox.inbox(off_duty, 10)) == 1


def test_lone_surrogates_in_text_fields_are_a_400(shops, client, login) -> None:
    customer_h, customer = make_user(client, login, "as-surrogate")
    base = {"storeId": STORE, "userId": customer, "requestType": "找商品", "details": "", "timestamp": 5}
    for field in ("requestType", "details"):
        response = post_json(client, "/api/staff/assistance-request", base | {field: "x\ud800"}, customer_h)
        assert response.status_code == 400, response.json_body
        assert response.json_body["error"]["field"] == field
    message = {"storeId": STORE, "userId": customer, "message": "\udc00", "timestamp": 6}
    response = post_json(client, "/api/staff/message", message, customer_h)
    assert response.status_code == 400 and response.json_body["error"]["field"] == "message"


def test_requests_and_messages_are_rate_limited_per_user(shops, client, login) -> None:
    """Each request notifies the staff on shift: a customer's flood stops at the limit with a 429."""
    from chalicelib.assistance.rules import MESSAGE_LIMIT, REQUEST_LIMIT

    customer_h, customer = make_user(client, login, "as-flood")
    ids = {ask(client, customer_h, customer, timestamp=t).json_body["requestId"] for t in range(REQUEST_LIMIT.limit)}
    assert len(ids) == REQUEST_LIMIT.limit
    assert ask(client, customer_h, customer, timestamp=0).status_code == 200  # a retry costs nothing
    refused = ask(client, customer_h, customer, timestamp=99)
    assert refused.status_code == 429 and refused.json_body["error"]["code"] == "RATE_LIMITED"
    assert 0 < int(refused.headers["Retry-After"]) <= REQUEST_LIMIT.window.total_seconds()
    staff, _ = make_user(client, login, "as-flood-staff", Role.STAFF, [STORE])
    assert len(client.http.get(f"/api/stores/{STORE}/assistance-requests", headers=staff).json_body["requests"]) == 5
    other_h, other = make_user(client, login, "as-calm")
    assert ask(client, other_h, other, timestamp=99).status_code == 200  # per user

    body = {"storeId": STORE, "userId": customer, "message": "在吗"}
    for t in range(MESSAGE_LIMIT.limit):
        assert post_json(client, "/api/staff/message", body | {"timestamp": t}, customer_h).status_code == 200
    over = post_json(client, "/api/staff/message", body | {"timestamp": 10_000}, customer_h)
    assert over.status_code == 429 and "Retry-After" in over.headers


def test_request_budget(shops, client, login, local_aws) -> None:
    """Every assistance route at its documented minimum (docs/data-model.md); no item is read twice."""
    customer_h, customer = make_user(client, login, "as-budget")
    staff, staff_id = make_user(client, login, "as-budget-staff", Role.STAFF, [STORE])

    def calls(method: str, path: str, caller: dict[str, str], body: dict | None = None) -> dict[str, int]:
        local_aws.app.calls.clear()
        if body is None:
            response = client.http.request(method, path, headers=caller)
        else:
            response = post_json(client, path, body, caller, method=method)
        assert response.status_code == 200, response.json_body
        return dict(local_aws.app.calls)

    raise_it = {"storeId": STORE, "requestType": "找商品", "details": "", "timestamp": 7}
    # session, store; the request and its rate count in one transaction; the staff to notify
    assert_budget(
        calls("POST", "/api/staff/assistance-request", customer_h, raise_it),
        "POST /api/staff/assistance-request",
        "new",
    )
    # a retry: the refused put answers with the stored request, nobody is notified again
    assert_budget(
        calls("POST", "/api/staff/assistance-request", customer_h, raise_it),
        "POST /api/staff/assistance-request",
        "retry",
    )
    request_id = ask(client, customer_h, customer, timestamp=7).json_body["requestId"]
    status = f"/api/staff/assistance-status/{request_id}"
    assert_budget(
        calls("GET", status, customer_h), "GET /api/staff/assistance-status/{request_id}", "customer"
    )  # session, request
    assert_budget(
        calls("GET", status, staff), "GET /api/staff/assistance-status/{request_id}", "staff"
    )  # the request names its merchant: no store read
    listing = f"/api/stores/{STORE}/assistance-requests?status=pending"
    assert_budget(calls("GET", listing, staff), "GET /api/stores/{store_id}/assistance-requests", "pending")
    move_url = f"/api/staff/assistance-requests/{request_id}"
    # session, request, the taker's staff record (their name); one UpdateItem answering ALL_NEW
    assert_budget(
        calls("PUT", move_url, staff, {"status": "assigned"}),
        "PUT /api/staff/assistance-requests/{request_id}",
        "assign",
    )
    assert_budget(
        calls("PUT", move_url, staff, {"status": "assigned"}),
        "PUT /api/staff/assistance-requests/{request_id}",
        "repeat",
    )  # no write
    assert_budget(
        calls("PUT", move_url, staff, {"status": "completed"}),
        "PUT /api/staff/assistance-requests/{request_id}",
        "complete",
    )
    # one conditional UpdateItem decides and, refused, explains (ALL_OLD): no read of the request
    feedback = f"/api/staff/assistance-requests/{request_id}/feedback"
    assert_budget(
        calls("POST", feedback, customer_h, {"rating": 5}),
        "POST /api/staff/assistance-requests/{request_id}/feedback",
        "rate",
    )
    local_aws.app.calls.clear()
    assert post_json(client, feedback, {"rating": 4}, customer_h).status_code == 409
    assert_budget(dict(local_aws.app.calls), "POST /api/staff/assistance-requests/{request_id}/feedback", "refused")
    message = {"storeId": STORE, "userId": customer, "message": "好的", "timestamp": 8}
    # session, store; marker + message + rate count in one transaction
    assert_budget(calls("POST", "/api/staff/message", staff, message), "POST /api/staff/message", "staff reply")
    conversation = f"/api/staff/messages?storeId={STORE}&userId={customer}"
    assert_budget(calls("GET", conversation, staff), "GET /api/staff/messages", "conversation")
    assert staff_id
