"""Member import on moto server: per-row errors write nothing; a valid file is written whole, and
sending it again changes nothing (no doubled points); each merchant's import is its own."""

from __future__ import annotations

import uuid
from typing import Any

from chalicelib.loyalty import api as loyalty
from devstack.demo_data import MERCHANT_2_ID, MERCHANT_ID
from tests.api.budget import assert_budget, dynamodb_calls

PATH = "/api/merchant/members/import"


def send(client: Any, headers: dict[str, str], text: str) -> Any:
    return client.http.post(PATH, body=text.encode(), headers={**headers, "Content-Type": "text/csv"})


def admin(login: Any, user: str = "demo-admin") -> dict[str, str]:
    return login(f"{user}#{uuid.uuid4().hex}")


GOOD = "phone,name,points,tier\n13800138000,张三,120,silver\n13900139000,李四,0,\n"


def test_errors_write_nothing(seeded, client, login) -> None:
    headers = admin(login)
    bad = GOOD + "12,王五,-3,\n"
    response = send(client, headers, bad)
    assert response.status_code == 400, response.json_body
    error = response.json_body["error"]
    assert error["code"] == "IMPORT_INVALID"
    assert [(r["row"], r["field"], r["code"]) for r in error["rows"]] == [
        (4, "phone", "INVALID"),
        (4, "points", "INVALID"),
    ]
    assert loyalty.imported_member(MERCHANT_ID, "13800138000") is None


def test_import_is_whole_and_idempotent(seeded, client, login, local_aws) -> None:
    headers = admin(login)
    # session, the merchant's loyalty config (its tiers); every row in one transaction
    calls = dynamodb_calls(local_aws, lambda: send(client, headers, GOOD))
    assert_budget(calls, "POST /api/merchant/members/import", "valid file")
    again = send(client, headers, GOOD)
    assert again.status_code == 200 and again.json_body == {"imported": 2}
    member = loyalty.imported_member(MERCHANT_ID, "13800138000")
    assert member is not None and (member.name, member.points, member.tier) == ("张三", 120, "silver")
    assert loyalty.imported_member(MERCHANT_2_ID, "13800138000") is None

    other = admin(login, "demo-admin-2")
    assert send(client, other, "phone,name,points\n13800138000,张三(杭州),5\n").status_code == 200
    assert loyalty.imported_member(MERCHANT_ID, "13800138000").points == 120  # type: ignore[union-attr]
    assert loyalty.imported_member(MERCHANT_2_ID, "13800138000").points == 5  # type: ignore[union-attr]


def test_only_admins(seeded, client, login) -> None:
    assert send(client, login(), GOOD).status_code == 403
    assert send(client, admin(login, "demo-staff"), GOOD).status_code == 403


def test_a_body_that_is_not_csv_is_refused_after_the_caller_is_known(seeded, client, login) -> None:
    """The route reads every body type, so a stranger gets 401 whatever they send; the merchant's admin
    sending JSON gets our 415, and nothing is imported."""
    json_body = {"Content-Type": "application/json"}
    stranger = client.http.post(PATH, body=b'{"phone": "1"}', headers=json_body)
    assert stranger.status_code == 401, stranger.json_body
    response = client.http.post(PATH, body=b'{"phone": "13700137000"}', headers={**admin(login), **json_body})
    assert response.status_code == 415, response.json_body
    assert response.json_body["error"]["code"] == "UNSUPPORTED_MEDIA_TYPE"
    assert loyalty.imported_member(MERCHANT_ID, "13700137000") is None
