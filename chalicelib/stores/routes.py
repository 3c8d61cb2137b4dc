"""Public store locator and store detail."""

from __future__ import annotations

from chalicelib.core.clock import clock
from chalicelib.core.http import ApiBlueprint, json_response, query
from chalicelib.stores import models, service

bp = ApiBlueprint(__name__)


@bp.route("/api/stores/nearby", methods=["GET"])
def nearby() -> object:
    params = query(bp.request)
    latitude = params.number("latitude", required=True, minimum=-90, maximum=90)
    longitude = params.number("longitude", required=True, minimum=-180, maximum=180)
    radius = params.number("radius", default=service.DEFAULT_RADIUS_M, minimum=1, maximum=service.MAX_RADIUS_M)
    assert latitude is not None and longitude is not None and radius is not None
    found = service.find_nearby(latitude, longitude, radius, cell_query=models.stores_in_cell)
    now = clock().now()
    return json_response({"stores": [service.store_view(s.store, now, s.distance_m) for s in found]})


@bp.route("/api/stores/{store_id}", methods=["GET"])
def store_detail(store_id: str) -> object:
    store = service.require(models.get_store(store_id), store_id)
    return json_response(service.store_view(store, clock().now()))
