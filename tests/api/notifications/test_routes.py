"""The caller's inbox over the API: their own notifications only, at one Query."""

from __future__ import annotations

from chalicelib.notifications.models import record_once
from tests.api.budget import assert_budget
from tests.api.token_rules import assert_every_route_needs_a_live_token


def test_the_inbox_is_the_callers_newest_first_within_budget(client, login, local_aws) -> None:
    headers = login()
    me = client.http.get("/api/auth/me", headers=headers).json_body["userId"]
    record_once("n-old", me, "queue_called", "到你了", "1", {"n": 1}, "2026-11-23T04:00:00Z")
    record_once("n-new", me, "staff_message", "回复", "2", {}, "2026-11-23T05:00:00Z")
    record_once("n-else", "u-someone-else", "staff_message", "x", "y", {}, "2026-11-23T06:00:00Z")
    local_aws.app.calls.clear()
    response = client.http.get("/api/notifications?limit=5", headers=headers)
    assert_budget(dict(local_aws.app.calls), "GET /api/notifications", "inbox")  # session + the inbox
    assert [(n["id"], n["kind"]) for n in response.json_body["notifications"]] == [
        ("n-new", "staff_message"),
        ("n-old", "queue_called"),
    ]
    assert client.http.get("/api/notifications?limit=0", headers=headers).status_code == 400


def test_every_notifications_route_needs_a_live_token(client, login) -> None:
    assert assert_every_route_needs_a_live_token(client, login, "chalicelib.notifications.routes")
