"""Public store locator and store detail; the merchant admin's staff rota per store."""

from __future__ import annotations

from chalicelib.core.clock import clock
from chalicelib.core.errors import NotFound, ValidationError
from chalicelib.core.http import ApiBlueprint, current_principal, json_body, json_response, query
from chalicelib.identity import api as identity
from chalicelib.stores import hours, models, service

bp = ApiBlueprint(__name__)


@bp.route("/api/stores/nearby", methods=["GET"])
def nearby() -> object:
    params = query(bp.request)
    latitude = params.number("latitude", required=True, minimum=-90, maximum=90)
    longitude = params.number("longitude", required=True, minimum=-180, maximum=180)
    radius = params.number("radius", default=service.DEFAULT_RADIUS_M, minimum=1, maximum=service.MAX_RADIUS_M)
    limit = params.integer("limit", default=service.DEFAULT_LIMIT, minimum=1, maximum=service.MAX_LIMIT)
    assert latitude is not None and longitude is not None and radius is not None and limit is not None
    found = service.find_nearby(latitude, longitude, radius, cell_query=models.stores_in_cell, limit=limit)
    now = clock().now()
    return json_response({"stores": [service.store_view(s.store, now, s.distance_m) for s in found]})


@bp.route("/api/stores/{store_id}", methods=["GET"])
def store_detail(store_id: str) -> object:
    store = service.require_store(store_id)
    return json_response(service.store_view(store, clock().now()))


@bp.route("/api/stores/{store_id}/staff/{user_id}", methods=["PUT"])
def update_staff_member(store_id: str, user_id: str) -> object:
    """The merchant admin sets a staff member's name (what customers see) and weekly rota (who an
    assistance request reaches). Fields left out stay as they are; null clears them."""
    principal = current_principal(bp.request)
    store = service.require_store(store_id)
    principal.ensure_admin_of(store.merchant_id)
    body = json_body(bp.request)
    changes: dict[str, object] = {}
    if "displayName" in body:
        changes["display_name"] = body.text("displayName", max_length=20)
    if "shifts" in body:
        raw = body.raw("shifts")
        changes["shifts"] = None if raw is None else hours.validate(raw, field="shifts")
    if not changes:
        raise ValidationError("Give displayName and/or shifts.", code="NOTHING_TO_UPDATE")
    member = identity.update_store_staff(store_id, user_id, changes)
    if member is None:
        raise NotFound(f"User '{user_id}' is not staff of this store.", code="STAFF_NOT_FOUND", field="userId")
    return json_response(
        {"storeId": store_id, "userId": user_id, "displayName": member.display_name, "shifts": member.shifts}
    )
