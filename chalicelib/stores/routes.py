"""Public store locator and store detail; the merchant admin's staff rota per store."""

from __future__ import annotations

from msgspec import UNSET

from chalicelib.core.clock import clock
from chalicelib.core.contract import ADMIN, PUBLIC, RouteContract, stripped
from chalicelib.core.errors import NotFound, ValidationError
from chalicelib.core.http import ApiBlueprint, current_principal, json_response
from chalicelib.identity import api as identity
from chalicelib.stores import hours, models, service
from chalicelib.stores.requests import NearbyAnswer, NearbyQuery, StaffMemberAnswer, StaffMemberBody, StoreAnswer

bp = ApiBlueprint(__name__)


@bp.route(
    "/api/stores/nearby",
    methods=["GET"],
    contract=RouteContract(query=NearbyQuery, answers={200: NearbyAnswer}, roles=PUBLIC, summary="Stores near a point"),
)
def nearby() -> object:
    wanted = bp.query(NearbyQuery)
    found = service.find_nearby(
        wanted.latitude, wanted.longitude, wanted.radius, cell_query=models.stores_in_cell, limit=wanted.limit
    )
    now = clock().now()
    return json_response({"stores": [service.store_view(s.store, now, s.distance_m) for s in found]})


@bp.route(
    "/api/stores/{store_id}",
    methods=["GET"],
    contract=RouteContract(answers={200: StoreAnswer}, roles=PUBLIC, summary="One store"),
)
def store_detail(store_id: str) -> object:
    store = service.require_store(store_id)
    return json_response(service.store_view(store, clock().now()))


@bp.route(
    "/api/stores/{store_id}/staff/{user_id}",
    methods=["PUT"],
    contract=RouteContract(
        body=StaffMemberBody, answers={200: StaffMemberAnswer}, roles=ADMIN, summary="Set a staff member's name, rota"
    ),
)
def update_staff_member(store_id: str, user_id: str) -> object:
    """The merchant admin sets a staff member's name (what customers see) and weekly rota (who an
    assistance request reaches). Fields left out stay as they are; null clears them."""
    principal = current_principal(bp.request)
    store = service.require_store(store_id)
    principal.ensure_admin_of(store.merchant_id)
    body = bp.body(StaffMemberBody)
    changes: dict[str, object] = {}
    if body.display_name is not UNSET:
        changes["display_name"] = stripped(body.display_name)
    if body.shifts is not UNSET:
        changes["shifts"] = None if body.shifts is None else hours.validate(body.shifts, field="shifts")
    if not changes:
        raise ValidationError("Give displayName and/or shifts.", code="NOTHING_TO_UPDATE")
    member = identity.update_store_staff(store_id, user_id, changes)
    if member is None:
        raise NotFound(f"User '{user_id}' is not staff of this store.", code="STAFF_NOT_FOUND", field="userId")
    return json_response(
        {"storeId": store_id, "userId": user_id, "displayName": member.display_name, "shifts": member.shifts}
    )
