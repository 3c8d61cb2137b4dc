"""Virtual queue routes: ticket life cycle, queue state, learned service time, role rules."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.core.auth import Role
from chalicelib.core.clock import ManualClock, use_clock
from tests.api.budget import assert_budget
from tests.api.token_rules import assert_every_route_needs_a_live_token
from tests.conftest import post_json
from tests.people import make_user, put_demo_store

STORE = "s-jingan"  # open 07:00-02:00 Shanghai time
OTHER_STORE = "s-lujiazui"


@pytest.fixture
def shops(aws) -> None:
    """Just the two stores these tests use (seeding the whole demo costs seconds per test)."""
    put_demo_store(STORE, {"averageServiceMinutes": 4})
    put_demo_store(OTHER_STORE, {"averageServiceMinutes": 4})


@pytest.fixture
def noon() -> Iterator[ManualClock]:
    manual = ManualClock(datetime(2026, 11, 23, 4, 0, tzinfo=UTC))  # Monday 12:00 in Shanghai
    previous = use_clock(manual)
    yield manual
    use_clock(previous)


def join(client, headers, user_id: str, store: str = STORE):
    return post_json(client, "/api/queue/join", {"storeId": store, "userId": user_id}, headers)


def test_join_twice_returns_the_same_ticket_and_positions_follow_the_line(shops, client, login, noon) -> None:
    first_h, first = make_user(client, login, "q-first")
    second_h, second = make_user(client, login, "q-second")
    one = join(client, first_h, first)
    assert one.status_code == 200 and one.json_body["success"] is True
    ticket = one.json_body["ticket"]
    assert {"id", "number", "position", "estimatedWaitTime", "status"} <= set(ticket)
    assert (ticket["number"], ticket["position"], ticket["status"]) == (1, 0, "waiting")
    assert join(client, first_h, first).json_body["ticket"]["id"] == ticket["id"]

    two = join(client, second_h, second).json_body["ticket"]
    assert (two["number"], two["position"]) == (2, 1)
    assert two["estimatedWaitTime"] == 4  # the demo store's averageServiceMinutes

    info = client.http.get(f"/api/stores/{STORE}/queue", headers=first_h).json_body
    assert info == {
        "queueLength": 2,
        "averageServiceTime": 4,
        "nowServing": None,
        "estimatedWaitTime": 8,
        "isOpen": True,
        "lastIssued": 2,
    }
    mine = client.http.get(f"/api/queue/user/{second}", headers=second_h).json_body["ticket"]
    assert (mine["id"], mine["position"]) == (two["id"], 1)

    left = client.http.delete(f"/api/queue/leave/{ticket['id']}", headers=first_h)
    assert left.status_code == 200 and left.json_body["ticket"]["status"] == "left"
    assert client.http.delete(f"/api/queue/leave/{ticket['id']}", headers=first_h).status_code == 200  # repeatable
    assert client.http.get(f"/api/queue/user/{first}", headers=first_h).json_body["ticket"] is None
    mine = client.http.get(f"/api/queue/user/{second}", headers=second_h).json_body["ticket"]
    assert mine["position"] == 0
    again = join(client, first_h, first).json_body["ticket"]  # a new ticket after leaving
    assert again["number"] == 3 and again["position"] == 1


def test_call_next_complete_no_show_and_learned_service_time(shops, client, login, noon) -> None:
    staff_h, _ = make_user(client, login, "q-staff", Role.STAFF, [STORE])
    customers = [make_user(client, login, f"q-c{i}") for i in range(5)]
    tickets = [join(client, h, u).json_body["ticket"] for h, u in customers]

    empty_store = post_json(
        client, f"/api/stores/{OTHER_STORE}/queue/call-next", {}, make_user(client, login, "q-admin", Role.ADMIN)[0]
    )
    assert empty_store.status_code == 200 and empty_store.json_body["ticket"] is None

    minutes = [2, 3, 4]
    for index, spent in enumerate(minutes):
        called = post_json(client, f"/api/stores/{STORE}/queue/call-next", {}, staff_h).json_body
        assert called["ticket"]["id"] == tickets[index]["id"]
        assert called["ticket"]["status"] == "serving"
        assert called["queue"]["nowServing"] == index + 1
        noon.advance(timedelta(minutes=spent))
        done = post_json(client, f"/api/queue/tickets/{tickets[index]['id']}/complete", {}, staff_h)
        assert done.status_code == 200 and done.json_body["ticket"]["status"] == "completed"

    again = post_json(client, f"/api/queue/tickets/{tickets[0]['id']}/complete", {}, staff_h)
    assert again.status_code == 200  # a retried completion is harmless
    assert post_json(client, f"/api/queue/tickets/{tickets[0]['id']}/no-show", {}, staff_h).status_code == 409
    waiting = post_json(client, f"/api/queue/tickets/{tickets[4]['id']}/complete", {}, staff_h)
    assert waiting.status_code == 409 and waiting.json_body["error"]["code"] == "TICKET_NOT_SERVING"

    info = client.http.get(f"/api/stores/{STORE}/queue", headers=staff_h).json_body
    assert info["averageServiceTime"] == 3.0  # (2 + 3 + 4) / 3 minutes, learned
    assert info["queueLength"] == 2 and info["estimatedWaitTime"] == 6.0

    post_json(client, f"/api/stores/{STORE}/queue/call-next", {}, staff_h)
    gone = post_json(client, f"/api/queue/tickets/{tickets[3]['id']}/no-show", {}, staff_h)
    assert gone.json_body["ticket"]["status"] == "no_show"
    fourth_h, fourth = customers[3]
    assert client.http.get(f"/api/queue/user/{fourth}", headers=fourth_h).json_body["ticket"] is None
    called = client.http.delete(f"/api/queue/leave/{tickets[3]['id']}", headers=fourth_h)
    assert called.status_code == 409 and called.json_body["error"]["code"] == "TICKET_NOT_WAITING"


def test_next_business_day_restarts_numbers_and_voids_old_tickets(shops, client, login, noon) -> None:
    headers, user = make_user(client, login, "q-day")
    old = join(client, headers, user).json_body["ticket"]
    noon.advance(timedelta(days=1))
    assert client.http.get(f"/api/queue/user/{user}", headers=headers).json_body["ticket"] is None
    new = join(client, headers, user).json_body["ticket"]
    assert new["id"] != old["id"] and new["number"] == 1 and new["businessDay"] == "2026-11-24"


def test_closed_store_refuses_new_tickets(shops, client, login, noon) -> None:
    headers, user = make_user(client, login, "q-late")
    noon.set(datetime(2026, 11, 23, 19, 0, tzinfo=UTC))  # 03:00 in Shanghai
    refused = join(client, headers, user)
    assert refused.status_code == 409 and refused.json_body["error"]["code"] == "STORE_CLOSED"
    assert client.http.get(f"/api/stores/{STORE}/queue", headers=headers).json_body["isOpen"] is False


def test_bad_input(shops, client, login, noon) -> None:
    headers, user = make_user(client, login, "q-bad")
    missing = post_json(client, "/api/queue/join", {"userId": user}, headers)
    assert missing.status_code == 400 and missing.json_body["error"]["field"] == "storeId"
    unknown = join(client, headers, user, store="s-nowhere")
    assert unknown.status_code == 404
    assert client.http.get("/api/stores/s-nowhere/queue", headers=headers).status_code == 404
    assert client.http.delete("/api/queue/leave/qt_missing", headers=headers).status_code == 404
    not_json = client.http.post("/api/queue/join", body=b"[1]", headers={**headers, "Content-Type": "application/json"})
    assert not_json.status_code == 400


def test_role_rules(shops, client, login, noon) -> None:
    owner_h, owner = make_user(client, login, "q-owner")
    other_h, other = make_user(client, login, "q-other")
    staff_here, _ = make_user(client, login, "q-staff-here", Role.STAFF, [STORE])
    staff_there, _ = make_user(client, login, "q-staff-there", Role.STAFF, [OTHER_STORE])
    admin, _ = make_user(client, login, "q-admin-here", Role.ADMIN)
    foreign_admin, _ = make_user(client, login, "q-admin-foreign", Role.ADMIN, merchant="m-other")

    assert join(client, {}, owner).status_code == 401
    assert join(client, other_h, owner).status_code == 403  # naming another user
    ticket = join(client, owner_h, owner).json_body["ticket"]
    assert client.http.get(f"/api/queue/user/{owner}", headers=other_h).status_code == 403
    assert client.http.get(f"/api/queue/user/{owner}", headers=staff_here).status_code == 403
    for headers in (other_h, staff_here, admin):
        assert client.http.delete(f"/api/queue/leave/{ticket['id']}", headers=headers).status_code == 403

    call = f"/api/stores/{STORE}/queue/call-next"
    for headers in (owner_h, other_h, staff_there, foreign_admin):
        response = post_json(client, call, {}, headers)
        assert response.status_code == 403 and response.json_body["error"]["code"] == "FORBIDDEN"
    assert post_json(client, call, {}, {}).status_code == 401
    for action in ("complete", "no-show"):
        for headers in (owner_h, staff_there, foreign_admin):
            assert post_json(client, f"/api/queue/tickets/{ticket['id']}/{action}", {}, headers).status_code == 403
    assert post_json(client, call, {}, admin).json_body["ticket"]["id"] == ticket["id"]
    assert post_json(client, f"/api/queue/tickets/{ticket['id']}/complete", {}, staff_here).status_code == 200
    assert other  # the other customer exists and never touched the ticket


def test_every_queue_route_needs_a_live_token(shops, client, login, noon) -> None:
    """The queue's state is not public: only login, stores and the catalog are (foundation issue)."""
    routes = assert_every_route_needs_a_live_token(client, login, "chalicelib.storequeue.routes")
    assert ("GET", "/api/stores/probe-id/queue") in routes


def test_service_time_is_learned_from_the_recent_completions(shops, client, login, noon) -> None:
    """Each completion is kept in the day's list (oldest first) that the average reads its window from."""
    from chalicelib.storequeue.models import QueueTable
    from chalicelib.storequeue.rules import business_day

    staff_h, _ = make_user(client, login, "q-recent-staff", Role.STAFF, [STORE])
    customers = [make_user(client, login, f"q-recent-{i}") for i in range(3)]
    tickets = [join(client, h, u).json_body["ticket"] for h, u in customers]
    for ticket, minutes in zip(tickets, (1, 2, 6), strict=True):
        post_json(client, f"/api/stores/{STORE}/queue/call-next", {}, staff_h)
        noon.advance(timedelta(minutes=minutes))
        assert post_json(client, f"/api/queue/tickets/{ticket['id']}/complete", {}, staff_h).status_code == 200
    day = QueueTable().line(STORE, business_day(noon.now(), "Asia/Shanghai")).day
    assert day.recent_seconds == (60.0, 120.0, 360.0)
    info = client.http.get(f"/api/stores/{STORE}/queue", headers=staff_h).json_body
    assert info["averageServiceTime"] == 3.0


def test_joins_are_rate_limited_per_user(shops, client, login, noon) -> None:
    """Each join creates a ticket (and leaving frees the user to join again): ten an hour, then 429."""
    from chalicelib.storequeue.rules import JOIN_LIMIT

    headers, user = make_user(client, login, "q-limited")
    for _ in range(JOIN_LIMIT.limit):
        ticket = join(client, headers, user).json_body["ticket"]
        assert client.http.delete(f"/api/queue/leave/{ticket['id']}", headers=headers).status_code == 200
    noon.advance(timedelta(minutes=20))
    refused = join(client, headers, user)
    assert refused.status_code == 429 and refused.json_body["error"]["code"] == "RATE_LIMITED"
    assert refused.headers["Retry-After"] == str(40 * 60)  # the rest of the hour's window
    info = client.http.get(f"/api/stores/{STORE}/queue", headers=headers).json_body
    assert (info["lastIssued"], info["queueLength"]) == (JOIN_LIMIT.limit, 0)  # the refused join drew nothing
    other_h, other = make_user(client, login, "q-not-limited")
    assert join(client, other_h, other).status_code == 200  # the limit is per user
    noon.advance(timedelta(minutes=40))
    again = join(client, headers, user)
    assert again.status_code == 200 and again.json_body["ticket"]["number"] == JOIN_LIMIT.limit + 2


def test_request_budget(shops, client, login, noon, local_aws) -> None:
    """Every queue route at its documented minimum (docs/data-model.md); no item is read twice."""
    staff_h, _ = make_user(client, login, "q-budget-staff", Role.STAFF, [STORE])
    headers, user = make_user(client, login, "q-budget")
    other_h, other = make_user(client, login, "q-budget-other")

    def calls(method: str, path: str, caller: dict[str, str], body: dict | None = None) -> dict[str, int]:
        local_aws.app.calls.clear()
        if body is None:
            response = client.http.request(method, path, headers=caller)
        else:
            response = post_json(client, path, body, caller, method=method)
        assert response.status_code == 200, response.json_body
        return dict(local_aws.app.calls)

    # session, store + one Query for the day's counter and waiting line together
    assert_budget(calls("GET", f"/api/stores/{STORE}/queue", headers), "GET /api/stores/{store_id}/queue", "line")
    # session, store; claim the guard (+ rate counter), draw the number, write ticket + slot; the line
    assert_budget(
        calls("POST", "/api/queue/join", headers, {"storeId": STORE, "userId": user}), "POST /api/queue/join", "new"
    )
    # a repeat: the refused claim answers with the guard, then its ticket and the line
    assert_budget(calls("POST", "/api/queue/join", headers, {"storeId": STORE}), "POST /api/queue/join", "repeat")
    # session; the guards (one Query), then per active ticket its store, the ticket and the line
    assert_budget(calls("GET", f"/api/queue/user/{user}", headers), "GET /api/queue/user/{user_id}", "one ticket")
    leaving = post_json(client, "/api/queue/join", {"storeId": STORE}, other_h).json_body["ticket"]
    # session, ticket; one transaction (ticket, slot and guard): nothing read again
    assert_budget(
        calls("DELETE", f"/api/queue/leave/{leaving['id']}", other_h), "DELETE /api/queue/leave/{ticket_id}", "leave"
    )
    assert_budget(
        calls("DELETE", f"/api/queue/leave/{leaving['id']}", other_h), "DELETE /api/queue/leave/{ticket_id}", "repeat"
    )
    # session, store, the line; one transaction per ticket tried; the answer built from that one read
    call = calls("POST", f"/api/stores/{STORE}/queue/call-next", staff_h, {})
    assert_budget(call, "POST /api/stores/{store_id}/queue/call-next", "one ticket")
    ticket_id = client.http.get(f"/api/queue/user/{user}", headers=headers).json_body["ticket"]["id"]
    # session, ticket (it names its merchant: no store read) + one transaction
    assert_budget(
        calls("POST", f"/api/queue/tickets/{ticket_id}/complete", staff_h, {}),
        "POST /api/queue/tickets/{ticket_id}/complete",
        "complete",
    )
    assert_budget(
        calls("POST", f"/api/queue/tickets/{ticket_id}/complete", staff_h, {}),
        "POST /api/queue/tickets/{ticket_id}/complete",
        "repeat",
    )
    post_json(client, "/api/queue/join", {"storeId": STORE}, other_h)
    post_json(client, f"/api/stores/{STORE}/queue/call-next", {}, staff_h)
    missing = client.http.get(f"/api/queue/user/{other}", headers=other_h).json_body["ticket"]["id"]
    assert_budget(
        calls("POST", f"/api/queue/tickets/{missing}/no-show", staff_h, {}),
        "POST /api/queue/tickets/{ticket_id}/no-show",
        "no-show",
    )
