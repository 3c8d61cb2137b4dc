"""The platform admin's merchant routes and a merchant admin's settings, on moto server: onboarding
(idempotent by its conditional write; the onboarded admin logs in as that merchant's admin), the list
(paged through an index partition), suspension (every route of the merchant's people and of customers
in its stores answers 403 MERCHANT_SUSPENDED until it is resumed), and each route's DynamoDB budget."""

from __future__ import annotations

import uuid
from typing import Any

from devstack import demo_data
from tests.api.budget import assert_budget, dynamodb_calls
from tests.conftest import post_json
from tests.people import new_customer

STORE_2 = demo_data.STORE_2[0]
TEA = {"merchantId": "m-tea", "name": "茶舍", "timezone": "Asia/Shanghai", "adminOpenid": "openid-tea-boss"}


def _as(login: Any, user: str) -> dict[str, str]:
    headers: dict[str, str] = login(f"{user}#{uuid.uuid4().hex}")
    return headers


def _error(response: Any) -> tuple[int, str]:
    return response.status_code, (response.json_body or {}).get("error", {}).get("code", "")


def test_the_platform_onboards_a_merchant_once_and_its_admin_signs_in_as_its_admin(seeded, client, login) -> None:
    platform = _as(login, "demo-platform")
    me = client.http.get("/api/auth/me", headers=platform).json_body
    assert (me["role"], me["merchantId"]) == ("platform", None)

    created = post_json(client, "/api/platform/merchants", TEA, platform)
    assert created.status_code == 201, created.json_body
    merchant = created.json_body["merchant"]
    assert (merchant["merchantId"], merchant["name"], merchant["status"]) == ("m-tea", "茶舍", "active")
    again = post_json(client, "/api/platform/merchants", TEA, platform)
    assert (again.status_code, again.json_body) == (200, created.json_body)  # a repeat: the same merchant

    boss = _as(login, "tea-boss")
    me = client.http.get("/api/auth/me", headers=boss).json_body
    assert (me["userId"], me["role"], me["merchantId"]) == (merchant["adminUserId"], "admin", "m-tea")
    settings = client.http.get("/api/merchant/settings", headers=boss).json_body
    assert (settings["merchantId"], settings["name"], settings["settings"]["loyaltyEnabled"]) == ("m-tea", "茶舍", True)

    clash = post_json(client, "/api/platform/merchants", {**TEA, "name": "别家茶舍"}, platform)
    assert _error(clash) == (409, "MERCHANT_EXISTS")
    taken = {**TEA, "merchantId": "m-other", "adminOpenid": demo_data.ADMIN_OPENID}
    assert _error(post_json(client, "/api/platform/merchants", taken, platform)) == (409, "ADMIN_ALREADY_USER")
    bad = post_json(client, "/api/platform/merchants", {**TEA, "merchantId": "M TEA"}, platform)
    assert _error(bad)[0] == 400
    assert _error(post_json(client, "/api/platform/merchants", {**TEA, "timezone": "Mars/Base"}, platform))[0] == 400
    for other in (_as(login, "demo-admin"), new_customer(login), {}):
        assert post_json(client, "/api/platform/merchants", {**TEA, "merchantId": "m-x"}, other).status_code in (
            401,
            403,
        )


def test_the_list_pages_newest_first_through_its_index(seeded, client, login) -> None:
    platform = _as(login, "demo-platform")
    for n in range(3):
        body = {**TEA, "merchantId": f"m-list-{n}", "adminOpenid": f"openid-list-{n}"}
        assert post_json(client, "/api/platform/merchants", body, platform).status_code == 201
    seen: list[str] = []
    cursor = None
    while True:
        url = "/api/platform/merchants?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = client.http.get(url, headers=platform).json_body
        assert len(page["merchants"]) <= 2
        seen += [m["merchantId"] for m in page["merchants"]]
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert seen[:3] == ["m-list-2", "m-list-1", "m-list-0"]
    assert set(seen) == {"m-list-0", "m-list-1", "m-list-2", demo_data.MERCHANT_ID, demo_data.MERCHANT_2_ID}
    assert _error(client.http.get("/api/platform/merchants?cursor=bm90LWEtY3Vyc29y", headers=platform)) == (
        400,
        "VALIDATION_ERROR",
    )
    assert client.http.get("/api/platform/merchants", headers=_as(login, "demo-admin")).status_code == 403


def test_a_suspended_merchants_people_and_its_stores_answer_403_until_resumed(seeded, client, login) -> None:
    platform = _as(login, "demo-platform")
    admin_2 = _as(login, "demo-admin-2")
    admin_1 = _as(login, "demo-admin")
    customer = new_customer(login)
    reserve = {"storeId": STORE_2, "productId": "p007", "quantity": 1}

    suspended = post_json(client, f"/api/platform/merchants/{demo_data.MERCHANT_2_ID}/suspend", {}, platform)
    assert (suspended.status_code, suspended.json_body["merchant"]["status"]) == (200, "suspended")
    assert (
        post_json(client, f"/api/platform/merchants/{demo_data.MERCHANT_2_ID}/suspend", {}, platform).status_code == 200
    )
    assert _error(client.http.get("/api/merchant/settings", headers=admin_2)) == (403, "MERCHANT_SUSPENDED")
    assert _error(client.http.get(f"/api/stores/{STORE_2}/reservations", headers=admin_2)) == (
        403,
        "MERCHANT_SUSPENDED",
    )
    assert _error(post_json(client, "/api/reservations", reserve, customer)) == (403, "MERCHANT_SUSPENDED")
    assert _error(client.http.get(f"/api/stores/{STORE_2}/products/p007")) == (403, "MERCHANT_SUSPENDED")
    # The other merchant is untouched, and so is a customer's own account.
    assert client.http.get("/api/merchant/settings", headers=admin_1).status_code == 200
    assert client.http.get("/api/notifications", headers=customer).status_code == 200

    resumed = post_json(client, f"/api/platform/merchants/{demo_data.MERCHANT_2_ID}/resume", {}, platform)
    assert (resumed.status_code, resumed.json_body["merchant"]["status"]) == (200, "active")
    assert client.http.get("/api/merchant/settings", headers=admin_2).status_code == 200
    assert post_json(client, "/api/reservations", reserve, customer).json_body["success"] is True
    assert _error(post_json(client, "/api/platform/merchants/m-nobody/suspend", {}, platform)) == (
        404,
        "MERCHANT_NOT_FOUND",
    )
    assert post_json(client, f"/api/platform/merchants/{demo_data.MERCHANT_ID}/suspend", {}, admin_1).status_code == 403


def test_a_merchant_admin_changes_its_own_settings_only(seeded, client, login) -> None:
    admin_1 = _as(login, "demo-admin")
    change = {"name": "鲜邻超市 (新)", "settings": {"loyaltyEnabled": False, "supportPhone": "021-6000"}}
    put = post_json(client, "/api/merchant/settings", change, admin_1, method="PUT")
    assert put.status_code == 200, put.json_body
    read = client.http.get("/api/merchant/settings", headers=admin_1).json_body
    assert read == put.json_body
    assert (read["name"], read["timezone"]) == ("鲜邻超市 (新)", "Asia/Shanghai")
    assert read["settings"] == {
        "loyaltyEnabled": False,
        "reservationsEnabled": True,
        "appointmentsEnabled": True,
        "supportPhone": "021-6000",
    }
    assert (
        _error(post_json(client, "/api/merchant/settings", {"settings": {"bogus": 1}}, admin_1, method="PUT"))[0] == 400
    )
    bad_zone = post_json(client, "/api/merchant/settings", {"timezone": "Mars/Base"}, admin_1, method="PUT")
    assert _error(bad_zone) == (400, "VALIDATION_ERROR")
    # The other merchant's admin reads and changes its own merchant, never this one.
    admin_2 = _as(login, "demo-admin-2")
    assert client.http.get("/api/merchant/settings", headers=admin_2).json_body["name"] == "湖畔便利"
    staff = _as(login, "demo-staff")
    assert client.http.get("/api/merchant/settings", headers=staff).status_code == 403


def test_merchants_routes_budget(seeded, client, local_aws, login) -> None:
    platform = _as(login, "demo-platform")
    admin = _as(login, "demo-admin")
    create = dynamodb_calls(local_aws, lambda: post_json(client, "/api/platform/merchants", TEA, platform))
    assert_budget(create, "POST /api/platform/merchants", "new")
    repeat = dynamodb_calls(local_aws, lambda: post_json(client, "/api/platform/merchants", TEA, platform))
    assert_budget(repeat, "POST /api/platform/merchants", "repeat")
    listed = dynamodb_calls(local_aws, lambda: client.http.get("/api/platform/merchants?limit=2", headers=platform))
    assert_budget(listed, "GET /api/platform/merchants", "page")
    for action in ("suspend", "resume"):
        path = f"/api/platform/merchants/{{merchant_id}}/{action}"
        url = f"/api/platform/merchants/m-tea/{action}"
        done = dynamodb_calls(local_aws, lambda url=url: post_json(client, url, {}, platform))  # type: ignore[misc]
        assert_budget(done, f"POST {path}", "existing")
    read = dynamodb_calls(local_aws, lambda: client.http.get("/api/merchant/settings", headers=admin))
    assert_budget(read, "GET /api/merchant/settings", "admin")
    change = {"settings": {"supportPhone": "021-1"}}
    put = dynamodb_calls(local_aws, lambda: post_json(client, "/api/merchant/settings", change, admin, method="PUT"))
    assert_budget(put, "PUT /api/merchant/settings", "change")
