"""Pickup reservations: customers reserve, list and cancel; store staff list and complete pickups."""

from __future__ import annotations

from chalicelib.core.clock import clock
from chalicelib.core.http import ApiBlueprint, current_principal, json_body, json_response, query
from chalicelib.reservations import rules, service
from chalicelib.reservations.adapters import aws_ports
from chalicelib.reservations.views import reservation_view

bp = ApiBlueprint(__name__)

DEFAULT_PAGE = 50
MAX_PAGE = 100


@bp.route("/api/reservations", methods=["POST"])
def create_reservation() -> object:
    principal = current_principal(bp.request)
    body = json_body(bp.request)
    principal.ensure_self(body.text("userId", max_length=64) or None)
    store_id = body.require_text("storeId", max_length=64)
    product_id = body.require_text("productId", max_length=64)
    quantity = body.integer("quantity", default=1, minimum=1, maximum=rules.MAX_QUANTITY)
    assert quantity is not None
    request_key = body.text("requestId", max_length=128) or bp.request.headers.get("idempotency-key") or None
    reservation = service.reserve(aws_ports(), principal, store_id, product_id, quantity, request_key, clock().now())
    return json_response(
        {
            "success": True,
            "reservationId": reservation.id,
            "expiresAt": reservation.expires_at,
            "pickupCode": reservation.pickup_code,
            "reservation": reservation_view(reservation, include_code=True),
        }
    )


@bp.route("/api/reservations", methods=["GET"])
def my_reservations() -> object:
    principal = current_principal(bp.request)
    params = query(bp.request)
    status = rules.validate_status(params.text("status", max_length=20))
    limit = params.integer("limit", default=DEFAULT_PAGE, minimum=1, maximum=MAX_PAGE)
    assert limit is not None
    found = service.of_user(aws_ports(), principal, params.text("userId", max_length=64) or None, status, limit)
    return json_response({"reservations": [reservation_view(r, include_code=True) for r in found]})


@bp.route("/api/reservations/{reservation_id}", methods=["DELETE"])
def cancel_reservation(reservation_id: str) -> object:
    principal = current_principal(bp.request)
    reservation = service.cancel(aws_ports(), principal, reservation_id, clock().now())
    return json_response({"success": True, "reservation": reservation_view(reservation, include_code=False)})


@bp.route("/api/reservations/{reservation_id}/pickup", methods=["POST"])
def complete_pickup(reservation_id: str) -> object:
    principal = current_principal(bp.request)
    code = json_body(bp.request).require_text("pickupCode", max_length=32)
    reservation = service.pickup(aws_ports(), principal, reservation_id, code, clock().now())
    return json_response({"success": True, "reservation": reservation_view(reservation, include_code=False)})


@bp.route("/api/stores/{store_id}/reservations", methods=["GET"])
def store_reservations(store_id: str) -> object:
    principal = current_principal(bp.request)
    params = query(bp.request)
    status = rules.validate_status(params.text("status", max_length=20))
    limit = params.integer("limit", default=DEFAULT_PAGE, minimum=1, maximum=MAX_PAGE)
    assert limit is not None
    found = service.of_store(aws_ports(), principal, store_id, status, limit)
    return json_response({"reservations": [reservation_view(r, include_code=False) for r in found]})
