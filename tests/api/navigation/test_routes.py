"""Indoor navigation routes on the demo layout: map, product location, walkable route, bad input."""

from __future__ import annotations

import itertools

import pytest

from chalicelib.catalog import models as catalog
from chalicelib.navigation.models import put_layout
from chalicelib.stores import models as stores
from devstack import demo_data
from tests.api.budget import assert_budget, dynamodb_calls
from tests.api.token_rules import assert_every_route_needs_a_live_token

STORE = "s-jingan"


@pytest.fixture
def mapped_store(aws) -> None:
    _, name, address, phone, lat, lon, opening = next(s for s in demo_data.STORES if s[0] == STORE)
    stores.put_store(
        stores.Store(STORE, demo_data.MERCHANT_ID, name, address, phone, lat, lon, "Asia/Shanghai", opening, {})
    )
    put_layout(STORE, demo_data.layout(), merchant_id=demo_data.MERCHANT_ID)
    for index in (0, 8):
        pname, _pname_en, category_id, price, _unit = demo_data.PRODUCTS[index]
        catalog.put_product(
            catalog.Product(
                STORE,
                f"p{index + 1:03d}",
                pname,
                category_id,
                price,
                demo_data.MERCHANT_ID,
                location=demo_data.shelf_location(index),
            )
        )
    catalog.put_product(catalog.Product(STORE, "p-unplaced", "新品", "fresh", 100, demo_data.MERCHANT_ID))
    # A store that exists but has no map yet.
    stores.put_store(
        stores.Store("s-unmapped", demo_data.MERCHANT_ID, "无地图店", "地址", "1", 31.2, 121.4, "Asia/Shanghai", {}, {})
    )


@pytest.fixture
def signed_in(login) -> dict[str, str]:
    return login()


def test_layout(mapped_store, client, signed_in) -> None:
    layout = client.http.get(f"/api/stores/{STORE}/layout", headers=signed_in).json_body["layout"]
    assert (layout["width"], layout["height"]) == (24, 16)
    assert len(layout["cells"]) == 16 and all(len(row) == 24 for row in layout["cells"])
    assert {"shelves", "aisles", "entrances", "cellSize"} <= set(layout)
    assert (
        client.http.get("/api/stores/s-nowhere/layout", headers=signed_in).json_body["error"]["code"]
        == "STORE_NOT_FOUND"
    )
    assert (
        client.http.get("/api/stores/s-unmapped/layout", headers=signed_in).json_body["error"]["code"]
        == "LAYOUT_NOT_FOUND"
    )


def test_product_location(mapped_store, client, signed_in) -> None:
    body = client.http.get(f"/api/stores/{STORE}/products/p001/location", headers=signed_in).json_body
    expected = demo_data.shelf_location(0)
    assert body == {
        "id": "p001",
        "name": "纯牛奶 250ml",
        "location": {"x": expected["x"], "y": expected["y"], "floor": 1},
        "shelf": expected["shelf"],
        "aisle": expected["aisle"],
    }
    assert client.http.get(f"/api/stores/{STORE}/products/p-missing/location", headers=signed_in).status_code == 404
    unplaced = client.http.get(f"/api/stores/{STORE}/products/p-unplaced/location", headers=signed_in)
    assert unplaced.status_code == 404 and unplaced.json_body["error"]["code"] == "LOCATION_UNKNOWN"


def test_route_from_the_entrance_walks_round_the_shelves(mapped_store, client, signed_in) -> None:
    entrance = demo_data.ENTRANCES[0]
    response = client.http.get(
        f"/api/stores/{STORE}/route?fromX={entrance['x']}&fromY={entrance['y']}&productId=p009", headers=signed_in
    )
    assert response.status_code == 200
    route = response.json_body
    cells = demo_data.layout()["cells"]
    path = [(c["x"], c["y"]) for c in route["cells"]]
    assert path[0] == (entrance["x"], entrance["y"])
    assert all(cells[y][x] != "#" for x, y in path)
    assert all(abs(a[0] - b[0]) + abs(a[1] - b[1]) == 1 for a, b in itertools.pairwise(path))
    target = demo_data.shelf_location(8)
    assert path[-1] == (target["x"], target["y"])
    assert route["distance"] == len(path) - 1 == abs(target["x"] - entrance["x"]) + abs(target["y"] - entrance["y"])
    straight = [s for s in route["steps"] if s["action"] == "straight"]
    assert sum(s["distance"] for s in straight) == route["distance"]
    assert straight[0]["instruction"].startswith("向") and straight[0]["instruction"].endswith("米")
    assert route["steps"][-1]["action"] == "arrive" and "橙汁 1L" in route["steps"][-1]["instruction"]
    assert route["path"][0] == {"x": entrance["x"], "y": entrance["y"], "floor": 1}


def test_route_bad_input(mapped_store, client, signed_in) -> None:
    base = f"/api/stores/{STORE}/route"
    for query, field in [
        ("fromY=1&productId=p001", "fromX"),
        ("fromX=1&productId=p001", "fromY"),
        ("fromX=abc&fromY=1&productId=p001", "fromX"),
        ("fromX=99&fromY=1&productId=p001", "fromX"),
        ("fromX=1&fromY=-3&productId=p001", "fromY"),
        ("fromX=1&fromY=1", "productId"),
        ("fromX=4&fromY=3&productId=p001", "fromX"),  # inside shelf S1
    ]:
        response = client.http.get(f"{base}?{query}", headers=signed_in)
        assert response.status_code == 400, query
        assert response.json_body["error"]["field"] == field, query
    assert client.http.get(f"{base}?fromX=1&fromY=1&productId=p-missing", headers=signed_in).status_code == 404
    assert client.http.get(f"{base}?fromX=1&fromY=1&productId=p-unplaced", headers=signed_in).status_code == 404
    assert (
        client.http.get("/api/stores/s-unmapped/route?fromX=1&fromY=1&productId=p001", headers=signed_in).status_code
        == 404
    )


def test_every_navigation_route_needs_a_live_token(mapped_store, client, login) -> None:
    """Maps and routes are for signed-in customers: only login, stores and the catalog are public."""
    routes = assert_every_route_needs_a_live_token(client, login, "chalicelib.navigation.routes")
    assert routes == [
        ("GET", "/api/stores/probe-id/layout"),
        ("GET", "/api/stores/probe-id/products/probe-id/location"),
        ("GET", "/api/stores/probe-id/route"),
    ]
    assert client.http.get(f"/api/stores/{STORE}/layout").status_code == 401


def test_request_budget(mapped_store, client, signed_in, local_aws) -> None:
    """Every navigation route at its documented minimum (docs/data-model.md), no item read twice."""

    def calls(path: str) -> dict[str, int]:
        return dynamodb_calls(local_aws, lambda: client.http.get(path, headers=signed_in))

    assert_budget(
        calls(f"/api/stores/{STORE}/layout"), "GET /api/stores/{store_id}/layout", "mapped"
    )  # session + layout
    assert_budget(
        calls("/api/stores/s-unmapped/layout"), "GET /api/stores/{store_id}/layout", "unmapped"
    )  # + the store, to tell which 404
    assert_budget(
        calls(f"/api/stores/{STORE}/products/p001/location"),
        "GET /api/stores/{store_id}/products/{product_id}/location",
        "product",
    )
    # session + layout + product; A* runs in memory
    assert_budget(
        calls(f"/api/stores/{STORE}/route?fromX=1&fromY=15&productId=p009"),
        "GET /api/stores/{store_id}/route",
        "to a product",
    )
