"""Which geohash cells cover a search circle, and exact great-circle distance.

The table keeps each store's geohash at precisions 3, 4 and 5 in three sparse GSIs; a search
picks the finest precision whose covering stays within MAX_CELLS cells (one Query each), then
filters the candidates exactly by distance.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from pygeohash import encode
from pygeohash.bounding_box import BoundingBox, geohashes_in_box

EARTH_RADIUS_M = 6_371_008.8
PRECISIONS = (5, 4, 3)  # finest first
MAX_CELLS = 9


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def geohashes(lat: float, lon: float) -> dict[int, str]:
    return {p: encode(lat, lon, p) for p in PRECISIONS}


def bounding_boxes(lat: float, lon: float, radius_m: float) -> list[BoundingBox]:
    """The circle's exact spherical bounding box, split in two where it crosses the antimeridian."""
    angular = radius_m / EARTH_RADIUS_M
    dlat = math.degrees(angular)
    min_lat, max_lat = lat - dlat, lat + dlat
    if max_lat >= 90.0 or min_lat <= -90.0:
        # The circle holds a pole: every longitude is in reach.
        return [BoundingBox(max(min_lat, -90.0), -180.0, min(max_lat, 90.0), 180.0)]
    ratio = math.sin(angular) / math.cos(math.radians(lat))
    if ratio >= 1.0:
        return [BoundingBox(min_lat, -180.0, max_lat, 180.0)]
    dlon = math.degrees(math.asin(ratio))
    # A hair of slack absorbs float rounding at the box edges; extra candidates are filtered anyway.
    slack = 1e-9
    min_lat, max_lat = min_lat - slack, max_lat + slack
    west, east = lon - dlon - slack, lon + dlon + slack
    boxes: list[BoundingBox] = []
    if west < -180.0:
        boxes.append(BoundingBox(min_lat, west + 360.0, max_lat, 180.0))
        west = -180.0
    if east > 180.0:
        boxes.append(BoundingBox(min_lat, -180.0, max_lat, east - 360.0))
        east = 180.0
    boxes.append(BoundingBox(min_lat, west, max_lat, east))
    return boxes


def _cells(boxes: Iterable[BoundingBox], precision: int) -> list[str]:
    found: set[str] = set()
    for box in boxes:
        found.update(geohashes_in_box(box, precision))
    return sorted(found)


def covering_cells(lat: float, lon: float, radius_m: float) -> tuple[int, list[str]]:
    """(precision, cells): the finest precision covering the circle in at most MAX_CELLS cells,
    else the precision needing the fewest cells."""
    boxes = bounding_boxes(lat, lon, radius_m)
    best: tuple[int, list[str]] | None = None
    for precision in PRECISIONS:
        cells = _cells(boxes, precision)
        if len(cells) <= MAX_CELLS:
            return precision, cells
        if best is None or len(cells) < len(best[1]):
            best = (precision, cells)
    assert best is not None
    return best
