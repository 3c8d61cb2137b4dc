"""Pickup reservations' wire models (validation and OpenAPI, core/contract.py)."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta

from chalicelib.core.contract import Id, Model
from chalicelib.reservations.domain import ReservationStatus
from chalicelib.reservations.rules import MAX_QUANTITY

DEFAULT_PAGE = 50
MAX_PAGE = 100
RequestKey = Annotated[str, Meta(max_length=128, description="The client's request id: a retry reserves once.")]


class ReserveBody(Model):
    store_id: Id
    product_id: Id
    quantity: Annotated[int, Meta(ge=1, le=MAX_QUANTITY)] = 1
    user_id: Annotated[str, Meta(max_length=64, description="The caller's own id, if sent.")] | None = None
    request_id: RequestKey | None = None


class ReservationsQuery(Model):
    status: ReservationStatus | None = None
    limit: Annotated[int, Meta(ge=1, le=MAX_PAGE)] = DEFAULT_PAGE


class MyReservationsQuery(ReservationsQuery):
    user_id: Annotated[str, Meta(max_length=64)] | None = None


class PickupBody(Model):
    pickup_code: Annotated[str, Meta(pattern=r"\S", max_length=32)]


class ReservationAnswer(Model):
    id: str
    reservation_id: str
    store_id: str
    product_id: str
    product_name: str
    user_id: str
    quantity: int
    status: ReservationStatus
    created_at: str
    expires_at: str
    updated_at: str
    pickup_code: Annotated[str, Meta(description="Only in the customer's own views.")] | None = None


class ReservedAnswer(Model):
    success: bool
    reservation_id: str
    expires_at: str
    pickup_code: str
    reservation: ReservationAnswer


class ReservationChangedAnswer(Model):
    success: bool
    reservation: ReservationAnswer


class ReservationsAnswer(Model):
    reservations: list[ReservationAnswer]
