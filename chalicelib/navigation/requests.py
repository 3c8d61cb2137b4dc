"""Indoor navigation's wire models (validation and OpenAPI, core/contract.py)."""

from __future__ import annotations

from typing import Annotated, Any

from msgspec import Meta

from chalicelib.core.contract import Id, Model

# Grid units; the store's grid bounds are checked against its layout (service.start_cell).
Coordinate = Annotated[float, Meta(ge=-1_000_000, le=1_000_000, description="Grid units.")]


class RouteQuery(Model):
    from_x: Coordinate
    from_y: Coordinate
    product_id: Id


class LayoutAnswer(Model):
    layout: Annotated[dict[str, Any], Meta(description="The store's map: grid size, shelves, aisles.")]


class Point(Model):
    x: float
    y: float


class FloorPoint(Point):
    floor: int | float


class ProductLocationAnswer(Model):
    id: str
    name: str
    location: FloorPoint
    shelf: Any
    aisle: Any


class RouteAnswer(Model):
    store_id: str
    product_id: str
    product: ProductLocationAnswer
    from_: Annotated[FloorPoint, Meta(description="The walkable cell the route starts from.")]
    to: FloorPoint
    distance: float
    unit: str
    path: list[FloorPoint]
    cells: list[Point]
    steps: list[dict[str, Any]]
