"""Store locator and detail over the API, including the DynamoDB request budget."""

from __future__ import annotations

import uuid
from functools import partial

import pytest

from chalicelib.core.auth import Role
from chalicelib.core.clock import clock
from chalicelib.identity.models import IdentityStore
from chalicelib.stores import geo
from devstack import demo_data
from tests.api.budget import assert_budget, budget, dynamodb_calls
from tests.conftest import post_json

SQUARE = demo_data.PEOPLES_SQUARE


def test_nearby_returns_only_stores_inside_radius_nearest_first(seeded, client) -> None:
    response = client.http.get(f"/api/stores/nearby?latitude={SQUARE[0]}&longitude={SQUARE[1]}&radius=10000")
    assert response.status_code == 200
    stores = response.json_body["stores"]
    assert len(stores) >= 3
    assert [s["distance"] for s in stores] == sorted(s["distance"] for s in stores)
    assert all(s["distance"] <= 10_000 for s in stores)
    assert "s-suzhou" not in {s["id"] for s in stores}
    first = stores[0]
    assert {"id", "name", "address", "phone", "latitude", "longitude", "distance", "openingHours", "isOpen"} <= set(
        first
    )


def test_default_radius_is_5km(seeded, client) -> None:
    stores = client.http.get(f"/api/stores/nearby?latitude={SQUARE[0]}&longitude={SQUARE[1]}").json_body["stores"]
    assert stores and all(s["distance"] <= 5_000 for s in stores)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("longitude=121.4", "latitude"),
        ("latitude=abc&longitude=121.4", "latitude"),
        ("latitude=91&longitude=121.4", "latitude"),
        ("latitude=31&longitude=-180.5", "longitude"),
        ("latitude=31&longitude=nan", "longitude"),
        ("latitude=31&longitude=121&radius=50001", "radius"),
        ("latitude=31&longitude=121&radius=0", "radius"),
        ("latitude=31&longitude=121&radius=ten", "radius"),
    ],
)
def test_nearby_bad_input_names_the_field(aws, client, query: str, field: str) -> None:
    response = client.http.get(f"/api/stores/nearby?{query}")
    assert response.status_code == 400
    assert response.json_body["error"]["field"] == field


def test_store_detail_and_unknown_store(seeded, client) -> None:
    detail = client.http.get("/api/stores/s-jingan")
    assert detail.status_code == 200 and detail.json_body["name"] == "鲜邻超市 静安寺店"
    missing = client.http.get("/api/stores/s-nowhere")
    assert missing.status_code == 404 and missing.json_body["error"]["code"] == "STORE_NOT_FOUND"


def test_request_budget(seeded, client, login, local_aws) -> None:
    """Every stores route at its documented minimum (docs/data-model.md), no item read twice.
    The store pages' catalog routes have theirs in tests/api/catalog/test_routes.py."""
    for radius, case in ((800, "800 m"), (10_000, "10 km"), (50_000, "50 km")):
        path = f"/api/stores/nearby?latitude={SQUARE[0]}&longitude={SQUARE[1]}&radius={radius}"
        _, cells = geo.covering_cells(SQUARE[0], SQUARE[1], radius)
        assert budget("GET /api/stores/nearby", case) == {"Query": len(cells)}  # one Query per covering cell
        assert_budget(dynamodb_calls(local_aws, partial(client.http.get, path)), "GET /api/stores/nearby", case)
    detail = dynamodb_calls(local_aws, lambda: client.http.get("/api/stores/s-jingan"))
    assert_budget(detail, "GET /api/stores/{store_id}", "detail")
    code = f"admin-{uuid.uuid4().hex[:12]}"
    IdentityStore().create_user(
        f"u-{code}", f"openid-{code}", "", clock().now(), role=Role.ADMIN, merchant_id=demo_data.MERCHANT_ID
    )
    admin = login(code)
    rename = "/api/stores/s-jingan/staff/u-demo-staff"
    # session + store (whose merchant the admin must run), then one conditional UpdateItem
    renamed = dynamodb_calls(local_aws, lambda: post_json(client, rename, {"displayName": "小李"}, admin, "PUT"))
    assert_budget(renamed, "PUT /api/stores/{store_id}/staff/{user_id}", "rename")


def test_nearby_against_brute_force_in_dynamodb(aws, client) -> None:
    """The same covering check as the unit test, through the real GSIs, across the antimeridian."""
    import random

    from chalicelib.stores.models import Store, put_store

    rng = random.Random(7)
    center = (-16.8, 179.95)
    stores = []
    for i in range(300):
        lat = center[0] + rng.uniform(-0.6, 0.6)
        lon = (center[1] + rng.uniform(-0.6, 0.6) + 540) % 360 - 180
        store = Store(
            id=f"r{i}",
            merchant_id="m",
            name=f"r{i}",
            address="a",
            phone="p",
            latitude=lat,
            longitude=lon,
            timezone="Pacific/Fiji",
            opening_hours={},
            settings={},
        )
        put_store(store)
        stores.append(store)
    radius = 40_000
    url = f"/api/stores/nearby?latitude={center[0]}&longitude={center[1]}&radius={radius}"
    body = client.http.get(f"{url}&limit=100").json_body
    inside = sorted(
        (geo.distance_m(*center, s.latitude, s.longitude), s.id)
        for s in stores
        if geo.distance_m(*center, s.latitude, s.longitude) <= radius
    )
    assert 50 < len(inside) < 100
    assert [s["id"] for s in body["stores"]] == [store_id for _, store_id in inside]  # nearest first
    assert [s["id"] for s in client.http.get(url).json_body["stores"]] == [store_id for _, store_id in inside[:20]]


def test_nearby_refuses_a_circle_holding_a_pole_without_reading(aws, client, local_aws) -> None:
    for latitude in (90, -90):
        local_aws.app.calls.clear()
        response = client.http.get(f"/api/stores/nearby?latitude={latitude}&longitude=0&radius=1")
        assert response.status_code == 400
        assert response.json_body["error"]["code"] == "SEARCH_AREA_UNSUPPORTED"
        assert sum(local_aws.app.calls.values()) == 0
