"""Login through the WeChat sandbox, and every way a token can be refused."""

from __future__ import annotations

from datetime import timedelta

from chalicelib.core.clock import ManualClock, clock, use_clock
from tests.api.budget import assert_budget
from tests.conftest import post_json


def test_login_creates_customer_and_token_works(client, sandbox) -> None:
    response = post_json(client, "/api/auth/login", {"code": "fresh-user-1"})
    assert response.status_code == 200
    body = response.json_body
    assert set(body) == {"token", "userId", "role", "expiresAt"}  # never the session_key
    assert body["role"] == "customer"
    me = client.http.get("/api/auth/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200 and me.json_body["userId"] == body["userId"]
    # The same WeChat user logging in again is the same account.
    again = post_json(client, "/api/auth/login", {"code": "fresh-user-1-second"}).json_body
    assert again["userId"] != body["userId"]  # a different code is a different openid in the sandbox


def test_code_is_single_use_and_invalid_code_is_401(client) -> None:
    assert post_json(client, "/api/auth/login", {"code": "once"}).status_code == 200
    reused = post_json(client, "/api/auth/login", {"code": "once"})
    assert reused.status_code == 401 and reused.json_body["error"]["code"] == "INVALID_CODE"
    invalid = post_json(client, "/api/auth/login", {"code": "invalid"})
    assert invalid.status_code == 401


def test_login_bad_input(client) -> None:
    missing = post_json(client, "/api/auth/login", {})
    assert missing.status_code == 400 and missing.json_body["error"]["field"] == "code"
    wrong_type = post_json(client, "/api/auth/login", {"code": 123})
    assert wrong_type.status_code == 400
    not_json = client.http.post("/api/auth/login", body=b"{nope", headers={"Content-Type": "application/json"})
    assert not_json.status_code == 400 and not_json.json_body["error"]["code"] == "INVALID_JSON"


def test_demo_roles(seeded, client, login) -> None:
    admin = client.http.get("/api/auth/me", headers=login("demo-admin")).json_body
    assert admin["role"] == "admin" and admin["merchantId"] == "m-demo"
    staff = client.http.get("/api/auth/me", headers=login("demo-staff")).json_body
    assert staff["role"] == "staff" and "s-jingan" in staff["storeIds"]


def test_one_user_logs_in_again_with_a_fresh_code_as_wx_login_gives(seeded, client) -> None:
    """WeChat gives a new code per wx.login; the sandbox reads `<user>#<anything>` as `<user>`'s code."""

    def login(code: str) -> dict:
        response = post_json(client, "/api/auth/login", {"code": code})
        assert response.status_code == 200, response.json_body
        return dict(response.json_body)

    first, second = login("demo-staff#run-1"), login("demo-staff#run-2")
    assert (first["role"], second["role"]) == ("staff", "staff") and first["userId"] == second[
        "userId"
    ] == "u-demo-staff"
    customer_once, customer_again = login("walkthrough-me#1"), login("walkthrough-me#2")
    assert customer_once["userId"] == customer_again["userId"] and customer_once["role"] == "customer"
    assert customer_once["userId"] != login("walkthrough-someone-else#1")["userId"]
    reused = post_json(client, "/api/auth/login", {"code": "demo-staff#run-1"})  # each code still works once
    assert reused.status_code == 401 and reused.json_body["error"]["code"] == "INVALID_CODE"


def test_missing_tampered_and_expired_tokens_are_401(client, login) -> None:
    headers = login()
    token = headers["Authorization"].split()[1]
    cases = {
        "missing": {},
        "not bearer": {"Authorization": f"Basic {token}"},
        "tampered": {"Authorization": f"Bearer {token[:-2]}xx"},
        "garbage": {"Authorization": "Bearer " + "a" * 400},
    }
    for name, case in cases.items():
        response = client.http.get("/api/auth/me", headers=case)
        assert response.status_code == 401, name
        assert set(response.json_body["error"]) >= {"code", "message"}
    previous = use_clock(ManualClock(clock().now() + timedelta(days=8)))
    try:
        expired = client.http.get("/api/auth/me", headers=headers)
    finally:
        use_clock(previous)
    assert expired.status_code == 401 and expired.json_body["error"]["code"] == "TOKEN_EXPIRED"


def test_json_labelled_as_text_or_form_is_still_read_and_errors_stay_ours(aws, client) -> None:
    for content_type in ("text/plain", "application/x-www-form-urlencoded"):
        response = client.http.post(
            "/api/auth/login",
            body=b'{"code": "labelled-' + content_type.encode() + b'"}',
            headers={"Content-Type": content_type},
        )
        assert response.status_code == 200, response.body
        bad = client.http.post("/api/auth/login", body=b"code=abc", headers={"Content-Type": content_type})
        assert bad.status_code == 400 and bad.json_body["error"]["code"] == "INVALID_JSON"


def test_a_lone_surrogate_in_the_code_is_a_400_not_a_500(client) -> None:
    """JSON may escape a lone UTF-16 surrogate; no UTF-8 text (WeChat, DynamoDB) can hold one."""
    for code in ("\ud800", "abc\udfffdef"):
        response = post_json(client, "/api/auth/login", {"code": code})
        assert response.status_code == 400, response.json_body
        assert response.json_body["error"]["field"] == "code"
    paired = post_json(client, "/api/auth/login", {"code": "emoji-\ud83d\ude00"})  # a valid pair is real text
    assert paired.status_code == 200, paired.json_body


def test_a_lone_surrogate_anywhere_in_a_body_is_a_400(client) -> None:
    nested = post_json(client, "/api/auth/login", {"code": "ok", "extra": {"deep": ["\ud800"]}})
    assert nested.status_code == 400 and nested.json_body["error"]["field"] == "extra"
    in_a_name = post_json(client, "/api/auth/login", {"code": "ok", "\udfff": 1})
    assert in_a_name.status_code == 400 and "field" not in in_a_name.json_body["error"]


def test_request_budget(client, local_aws) -> None:
    """Documented in docs/data-model.md (identity); no item is read twice."""
    from datetime import UTC, datetime

    from chalicelib.identity.models import IdentityStore

    local_aws.app.calls.clear()
    first = post_json(client, "/api/auth/login", {"code": "budget-first"})
    assert first.status_code == 200
    # The identity UpdateItem finds no openid, one transaction creates identity + user, one session put.
    assert_budget(dict(local_aws.app.calls), "POST /api/auth/login", "new user")

    IdentityStore().create_user("u-budget", "openid-budget-known", "", datetime.now(UTC))
    local_aws.app.calls.clear()
    known = post_json(client, "/api/auth/login", {"code": "budget-known"})
    assert known.status_code == 200 and known.json_body["userId"] == "u-budget"
    # The UpdateItem records the new session_key and answers whose openid it is: no identity GetItem.
    assert_budget(dict(local_aws.app.calls), "POST /api/auth/login", "known user")

    headers = {"Authorization": f"Bearer {known.json_body['token']}"}
    local_aws.app.calls.clear()
    assert client.http.get("/api/auth/me", headers=headers).status_code == 200
    assert_budget(dict(local_aws.app.calls), "GET /api/auth/me", "session")
