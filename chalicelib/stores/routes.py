"""Public store locator and store detail; the merchant admin's staff rota per store."""

from __future__ import annotations

from chalicelib.core.clock import clock
from chalicelib.core.errors import NotFound
from chalicelib.core.http import ApiBlueprint, json_body, json_response, query
from chalicelib.identity import models as identity
from chalicelib.identity.routes import current_principal
from chalicelib.stores import hours, models, service

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


@bp.route("/api/stores/{store_id}/staff/{user_id}/shifts", methods=["PUT"])
def set_staff_shifts(store_id: str, user_id: str) -> object:
    """Who is on shift decides which staff a customer's assistance request reaches."""
    principal = current_principal(bp.request)
    store = service.require(models.get_store(store_id), store_id)
    principal.ensure_admin_of(store.merchant_id)
    raw = json_body(bp.request).raw("shifts")
    shifts = None if raw is None else hours.validate(raw, field="shifts")
    if not identity.set_shifts(store_id, user_id, shifts):
        raise NotFound(f"User '{user_id}' is not staff of this store.", code="STAFF_NOT_FOUND", field="userId")
    return json_response({"storeId": store_id, "userId": user_id, "shifts": shifts})
