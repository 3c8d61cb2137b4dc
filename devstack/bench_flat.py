"""`make bench ARGS="--only flat"`: items read per request at 1k vs 100k records (issue 8).

Items read = what DynamoDB examined for the request: a Query's ScannedCount plus the items GetItem and
BatchGetItem returned (counted by the local stack's DynamoDB wrapper, devstack/local_aws.py). Each row
compares one request at 1k records with the same request at 100k and fails when the ratio passes
FLAT_GOAL:

- nearby stores: the default radius and limit at a point inside a cloud of stores (1k stores, then the
  same cloud grown to 100k in the same area);
- one inventory page of a store with 1k products vs one with 100k (no filter);
- the same page with a rare keyword (one product of the store matches).

The records go straight into moto's in-memory table (the items the app's own writes would make, built
by the same code), so seeding 100k takes seconds instead of hours of BatchWriteItem calls.
"""

from __future__ import annotations

import random
import time
from typing import Any
from urllib.parse import quote

FLAT_GOAL = 1.1
CLOUD = (30.6570, 104.0660)  # far from the demo stores: only the bench's stores are in reach
CLOUD_HALF_SIDE_DEG = 0.2  # stores spread over a ~45 km square
RARE_KEYWORD = "松露"
Row = tuple[str, str, bool | None]


def _moto_table() -> Any:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    from chalicelib.core.config import settings

    return dynamodb_backends[DEFAULT_ACCOUNT_ID][settings().region].get_table(settings().table_name)


def _put_direct(items: list[Any]) -> None:
    """PynamoDB items into moto's table as PutItem would store them, without the HTTP round trips and
    without stream records (the local event runner would spend minutes replaying 100k inserts)."""
    table = _moto_table()
    shard, table.stream_shard = table.stream_shard, None
    try:
        for item in items:
            table.put_item(item.serialize())
    finally:
        table.stream_shard = shard


def _seed_stores(count: int, start: int, rng: random.Random) -> None:
    from chalicelib.stores import domain, models

    lat0, lon0 = CLOUD
    items = []
    for n in range(start, start + count):
        lat = lat0 + rng.uniform(-CLOUD_HALF_SIDE_DEG, CLOUD_HALF_SIDE_DEG)
        lon = lon0 + rng.uniform(-CLOUD_HALF_SIDE_DEG, CLOUD_HALF_SIDE_DEG)
        store = domain.Store(
            f"bench-s{n:06d}",
            "m-bench",
            f"门店 {n}",
            "",
            "",
            lat,
            lon,
            "Asia/Shanghai",
            {"mon": [["09:00", "21:00"]]},
            {},
        )
        items.append(models.store_item(store))
    _put_direct(items)


def _seed_products(store_id: str, count: int) -> None:
    """`count` products, one of them the rare one the keyword finds (in the middle of the store)."""
    from chalicelib.catalog import models as catalog

    items: list[Any] = []
    for n in range(count):
        if n == count // 2:
            product = catalog.Product(store_id, f"q{n:06d}", "黑松露酱", "rare", 9900, "m-bench", "Truffle Sauce")
            items += catalog.index_items(product, "")
        else:
            product = catalog.Product(store_id, f"q{n:06d}", "货品", "bulk", 100, "m-bench")
            items += catalog.index_items(product, "")
    _put_direct(items)


def _measure(stack: Any, client: Any, path: str) -> tuple[int, int, dict[str, int]]:
    """(items read, calls, calls by operation) of one GET, which must answer 200."""
    recorder = stack.aws.app
    recorder.clear()
    response = client.http.get(path)
    assert response.status_code == 200, (path, response.body)
    calls = dict(recorder.calls)
    return sum(recorder.items_read.values()), sum(calls.values()), calls


def _row(name: str, small: tuple[int, int, dict[str, int]], large: tuple[int, int, dict[str, int]], got: str) -> Row:
    ratio = large[0] / max(small[0], 1)
    value = (
        f"items read {small[0]} vs {large[0]} (ratio {ratio:.2f}, goal <= {FLAT_GOAL}); "
        f"calls {small[1]} vs {large[1]} {large[2]}; {got}"
    )
    return (name, value, ratio <= FLAT_GOAL)


def flat(stack: Any, small: int = 1_000, large: int = 100_000) -> list[Row]:
    from chalice.test import Client

    rng = random.Random(8)
    lat, lon = CLOUD
    nearby = f"/api/stores/nearby?latitude={lat}&longitude={lon}"
    rows: list[Row] = []
    began = time.perf_counter()
    with Client(stack.app_module.app) as client:
        _seed_stores(small, 0, rng)
        near_name = f"flat: nearby stores, {small} vs {large} stores (radius 5 km, limit 20)"
        try:
            near_small = _measure(stack, client, nearby)
            returned_small = len(client.http.get(nearby).json_body["stores"])
            _seed_stores(large - small, small, rng)
            near_large = _measure(stack, client, nearby)
            returned_large = len(client.http.get(nearby).json_body["stores"])
            rows.append(
                _row(near_name, near_small, near_large, f"stores returned {returned_small} vs {returned_large}")
            )
        except AssertionError as failed:  # the geohash-GSI locator reads whole cells: too slow at 100k
            rows.append((near_name, f"no answer: {str(failed)[:160]}", False))
        _seed_products("bench-p-small", small)
        _seed_products("bench-p-large", large)
        seeded = time.perf_counter() - began
        page = [_measure(stack, client, f"/api/stores/bench-p-{size}/inventory") for size in ("small", "large")]
        rows.append(_row(f"flat: one inventory page, {small} vs {large} products", page[0], page[1], "100 products"))
        keyword = quote(RARE_KEYWORD)
        path = "/api/stores/bench-p-{}/inventory?keyword=" + keyword
        rare = [_measure(stack, client, path.format(size)) for size in ("small", "large")]
        found = [p["name"] for p in client.http.get(path.format("large")).json_body["products"]]
        rows.append(
            _row(
                f"flat: inventory page with a rare keyword, {small} vs {large} products",
                rare[0],
                rare[1],
                f"found {found}",
            )
        )
    rows.append((f"flat: seeding {2 * large + small} records (s)", f"{seeded:.0f}", None))
    return rows
