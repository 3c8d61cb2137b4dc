"""Covering cells never miss a store: checked against brute force on random stores."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from chalicelib.core.errors import ValidationError
from chalicelib.stores import geo
from chalicelib.stores.domain import Store
from chalicelib.stores.service import find_nearby


def _store(i: int, lat: float, lon: float) -> Store:
    return Store(
        id=f"s{i}",
        merchant_id="m",
        name=f"s{i}",
        address="",
        phone="",
        latitude=lat,
        longitude=lon,
        timezone="Asia/Shanghai",
        opening_hours={},
        settings={},
    )


def _cell_index(stores: list[Store]):
    index: dict[tuple[int, str], list[Store]] = {}
    for store in stores:
        for precision, cell in geo.geohashes(store.latitude, store.longitude).items():
            index.setdefault((precision, cell), []).append(store)
    calls: list[tuple[int, str]] = []

    def query(precision: int, cell: str) -> list[Store]:
        calls.append((precision, cell))
        return index.get((precision, cell), [])

    return query, calls


def _offset(lat: float, lon: float, distance_m: float, bearing_deg: float) -> tuple[float, float]:
    """The point `distance_m` away on a great circle (for stores exactly at the rim)."""
    import math

    d = distance_m / geo.EARTH_RADIUS_M
    b = math.radians(bearing_deg)
    p1, l1 = math.radians(lat), math.radians(lon)
    p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(b))
    l2 = l1 + math.atan2(math.sin(b) * math.sin(d) * math.cos(p1), math.cos(d) - math.sin(p1) * math.sin(p2))
    return math.degrees(p2), (math.degrees(l2) + 540) % 360 - 180


@pytest.mark.parametrize(
    ("center", "radius"),
    [
        ((31.2304, 121.4737), 10_000),
        ((31.2304, 121.4737), 50_000),
        ((31.2304, 121.4737), 800),
        ((-16.5, 179.97), 30_000),  # Fiji, across the antimeridian
        ((65.0, -179.99), 50_000),  # far north, across the antimeridian
        ((0.0, 0.0), 5_000),  # equator and prime meridian
    ],
)
def test_nearby_matches_brute_force_on_1000_random_stores(center: tuple[float, float], radius: float) -> None:
    rng = random.Random(f"{center}-{radius}")
    lat0, lon0 = center
    stores = []
    for i in range(1000):
        kind = i % 4
        if kind == 0:  # just inside the rim
            lat, lon = _offset(lat0, lon0, radius * rng.uniform(0.995, 0.9999), rng.uniform(0, 360))
        elif kind == 1:  # just outside the rim
            lat, lon = _offset(lat0, lon0, radius * rng.uniform(1.0001, 1.005), rng.uniform(0, 360))
        else:  # anywhere in a box around the circle
            lat, lon = _offset(lat0, lon0, radius * rng.uniform(0, 2.5), rng.uniform(0, 360))
        stores.append(_store(i, lat, lon))
    query, calls = _cell_index(stores)

    found = find_nearby(lat0, lon0, radius, cell_query=query)

    expected = {s.id for s in stores if geo.distance_m(lat0, lon0, s.latitude, s.longitude) <= radius}
    assert {n.store.id for n in found} == expected
    assert len(expected) > 200  # the rim cases really are in play
    distances = [n.distance_m for n in found]
    assert distances == sorted(distances)
    precision, cells = geo.covering_cells(lat0, lon0, radius)
    assert calls == [(precision, c) for c in cells]  # one query per covering cell, nothing else


def test_antimeridian_circle_is_split_in_two_boxes() -> None:
    boxes = geo.bounding_boxes(-16.5, 179.97, 30_000)
    assert len(boxes) == 2
    assert any(b.max_lon == 180.0 for b in boxes) and any(b.min_lon == -180.0 for b in boxes)


def test_polar_circle_spans_all_longitudes() -> None:
    (box,) = geo.bounding_boxes(89.9, 10.0, 50_000)
    assert (box.min_lon, box.max_lon, box.max_lat) == (-180.0, 180.0, 90.0)


def test_precision_follows_radius() -> None:
    assert geo.covering_cells(31.23, 121.47, 500)[0] == 5
    assert geo.covering_cells(31.23, 121.47, 10_000)[0] == 4
    assert geo.covering_cells(31.23, 121.47, 50_000)[0] == 3
    for radius in (500, 5_000, 10_000, 50_000):
        assert len(geo.covering_cells(31.23, 121.47, radius)[1]) <= geo.MAX_CELLS


def test_distance_known_value() -> None:
    # People's Square to Lujiazui, about 2.7 km.
    assert 2_500 < geo.distance_m(31.2304, 121.4737, 31.2397, 121.4998) < 2_800


def _recording(calls: list[tuple[int, str]]) -> Callable[[int, str], list[Store]]:
    def query(precision: int, cell: str) -> list[Store]:
        calls.append((precision, cell))
        return []

    return query


@pytest.mark.parametrize(
    ("lat", "lon", "radius"),
    [(90, 0, 1), (-90, 0, 1), (89.9, 10, 50_000), (-89.9, -170, 50_000), (90, 180, 50_000)],
)
def test_a_circle_holding_a_pole_is_refused_without_a_query(lat: float, lon: float, radius: float) -> None:
    calls: list[tuple[int, str]] = []
    with pytest.raises(ValidationError) as refused:
        find_nearby(lat, lon, radius, cell_query=_recording(calls))
    assert refused.value.code == "SEARCH_AREA_UNSUPPORTED"
    assert calls == []


@pytest.mark.parametrize(
    ("lat", "lon", "radius"),
    [(0, 180, 50_000), (0, -180, 50_000), (-16.5, 179.97, 30_000), (80, 0, 50_000), (-80, 179.9, 50_000)],
)
def test_any_other_circle_takes_at_most_max_cells_queries(lat: float, lon: float, radius: float) -> None:
    calls: list[tuple[int, str]] = []
    find_nearby(lat, lon, radius, cell_query=_recording(calls))
    assert 1 <= len(calls) <= geo.MAX_CELLS


def test_limit_keeps_the_nearest() -> None:
    stores = [_store(i, 31.23 + i * 0.001, 121.47) for i in range(30)]
    query, _ = _cell_index(stores)
    found = find_nearby(31.23, 121.47, 10_000, cell_query=query, limit=5)
    assert [n.store.id for n in found] == [s.id for s in stores[:5]]
