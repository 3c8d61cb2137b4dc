"""The store locator's and the staff rota's wire models (validation and OpenAPI, core/contract.py)."""

from __future__ import annotations

from typing import Annotated, Any

from msgspec import UNSET, Meta, UnsetType

from chalicelib.core.contract import Model
from chalicelib.stores.service import DEFAULT_LIMIT, DEFAULT_RADIUS_M, MAX_LIMIT, MAX_RADIUS_M

WeeklyHours = Annotated[
    dict[str, Any], Meta(description='Weekly hours, e.g. {"mon": [["09:00", "17:00"]]} (days mon..sun).')
]


class NearbyQuery(Model):
    latitude: Annotated[float, Meta(ge=-90, le=90)]
    longitude: Annotated[float, Meta(ge=-180, le=180)]
    radius: Annotated[float, Meta(ge=1, le=MAX_RADIUS_M, description="Metres.")] = DEFAULT_RADIUS_M
    limit: Annotated[int, Meta(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT


class StaffMemberBody(Model):
    """Fields left out stay as they are; null clears them."""

    display_name: Annotated[str, Meta(max_length=20)] | UnsetType | None = UNSET
    shifts: WeeklyHours | UnsetType | None = UNSET


class StoreAnswer(Model):
    id: str
    name: str
    address: str | None
    phone: str | None
    latitude: float
    longitude: float
    timezone: str
    opening_hours: dict[str, Any]
    is_open: bool
    merchant_id: str | None
    distance: Annotated[int, Meta(description="Metres from the given point (nearby only).")] | None = None


class NearbyAnswer(Model):
    stores: list[StoreAnswer]


class StaffMemberAnswer(Model):
    store_id: str
    user_id: str
    display_name: str | None
    shifts: dict[str, Any] | None
