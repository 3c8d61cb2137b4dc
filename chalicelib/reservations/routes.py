"""Pickup reservations: customers reserve, list and cancel; store staff list and complete pickups."""

from __future__ import annotations

from chalicelib.core.clock import clock
from chalicelib.core.contract import STAFF, RouteContract, stripped
from chalicelib.core.http import ApiBlueprint, current_principal, json_response
from chalicelib.reservations import service
from chalicelib.reservations.adapters import aws_ports
from chalicelib.reservations.requests import (
    MyReservationsQuery,
    PickupBody,
    ReservationChangedAnswer,
    ReservationsAnswer,
    ReservationsQuery,
    ReserveBody,
    ReservedAnswer,
)
from chalicelib.reservations.views import reservation_view

bp = ApiBlueprint(__name__)


@bp.route(
    "/api/reservations",
    methods=["POST"],
    contract=RouteContract(
        body=ReserveBody, answers={200: ReservedAnswer}, errors=(409, 429), summary="Reserve a product for pickup"
    ),
)
def create_reservation() -> object:
    principal = current_principal(bp.request)
    body = bp.body(ReserveBody)
    principal.ensure_self(stripped(body.user_id))
    request_key = stripped(body.request_id) or bp.request.headers.get("idempotency-key") or None
    reservation = service.reserve(
        aws_ports(),
        principal,
        body.store_id.strip(),
        body.product_id.strip(),
        body.quantity,
        request_key,
        clock().now(),
    )
    return json_response(
        {
            "success": True,
            "reservationId": reservation.id,
            "expiresAt": reservation.expires_at,
            "pickupCode": reservation.pickup_code,
            "reservation": reservation_view(reservation, include_code=True),
        }
    )


@bp.route(
    "/api/reservations",
    methods=["GET"],
    contract=RouteContract(query=MyReservationsQuery, answers={200: ReservationsAnswer}, summary="My reservations"),
)
def my_reservations() -> object:
    principal = current_principal(bp.request)
    wanted = bp.query(MyReservationsQuery)
    found = service.of_user(aws_ports(), principal, stripped(wanted.user_id), wanted.status, wanted.limit)
    return json_response({"reservations": [reservation_view(r, include_code=True) for r in found]})


@bp.route(
    "/api/reservations/{reservation_id}",
    methods=["DELETE"],
    contract=RouteContract(answers={200: ReservationChangedAnswer}, errors=(409,), summary="Cancel my reservation"),
)
def cancel_reservation(reservation_id: str) -> object:
    principal = current_principal(bp.request)
    reservation = service.cancel(aws_ports(), principal, reservation_id, clock().now())
    return json_response({"success": True, "reservation": reservation_view(reservation, include_code=False)})


@bp.route(
    "/api/reservations/{reservation_id}/pickup",
    methods=["POST"],
    contract=RouteContract(
        body=PickupBody,
        answers={200: ReservationChangedAnswer},
        errors=(409,),
        roles=STAFF,
        summary="Hand a reservation over at the counter",
    ),
)
def complete_pickup(reservation_id: str) -> object:
    principal = current_principal(bp.request)
    code = bp.body(PickupBody).pickup_code.strip()
    reservation = service.pickup(aws_ports(), principal, reservation_id, code, clock().now())
    return json_response({"success": True, "reservation": reservation_view(reservation, include_code=False)})


@bp.route(
    "/api/stores/{store_id}/reservations",
    methods=["GET"],
    contract=RouteContract(
        query=ReservationsQuery, answers={200: ReservationsAnswer}, roles=STAFF, summary="A store's reservations"
    ),
)
def store_reservations(store_id: str) -> object:
    principal = current_principal(bp.request)
    wanted = bp.query(ReservationsQuery)
    found = service.of_store(aws_ports(), principal, store_id, wanted.status, wanted.limit)
    return json_response({"reservations": [reservation_view(r, include_code=False) for r in found]})
