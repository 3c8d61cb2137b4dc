"""Navigation rules: validating a layout position, product locations, and routes to a product."""

from __future__ import annotations

import math
from typing import Any

from chalicelib.catalog.api import Product
from chalicelib.core.errors import Conflict, NotFound, ValidationError
from chalicelib.navigation import pathfinding
from chalicelib.navigation.pathfinding import Cell, Grid


def require_layout(layout: dict[str, Any] | None, store_id: str) -> dict[str, Any]:
    if layout is None:
        raise NotFound(f"Store '{store_id}' has no layout.", code="LAYOUT_NOT_FOUND")
    return layout


def grid_of(layout: dict[str, Any]) -> Grid:
    return Grid(tuple(str(row) for row in layout.get("cells", [])))


def cell_size(layout: dict[str, Any]) -> float:
    size = layout.get("cellSize", 1.0)
    return float(size) if isinstance(size, int | float) and size > 0 else 1.0


def product_location(product: Product) -> dict[str, Any]:
    """`{x, y, floor}` plus shelf and aisle, or 404 when the product has not been placed."""
    location = product.location or {}
    if not all(isinstance(location.get(axis), int | float) for axis in ("x", "y")):
        raise NotFound(f"Product '{product.id}' has no location in this store.", code="LOCATION_UNKNOWN")
    return {
        "id": product.id,
        "name": product.name,
        "location": {"x": location["x"], "y": location["y"], "floor": location.get("floor", 1)},
        "shelf": location.get("shelf"),
        "aisle": location.get("aisle"),
    }


def start_cell(grid: Grid, from_x: float, from_y: float) -> Cell:
    """The client's position (grid units; fractions fall in the cell they are in) as a walkable cell."""
    cell = (math.floor(from_x), math.floor(from_y))
    if not 0 <= cell[0] < grid.width:
        raise ValidationError(f"'fromX' must be within 0..{grid.width - 1}.", field="fromX")
    if not 0 <= cell[1] < grid.height:
        raise ValidationError(f"'fromY' must be within 0..{grid.height - 1}.", field="fromY")
    if not grid.walkable(cell):
        raise ValidationError("The starting point is inside a shelf.", code="START_NOT_WALKABLE", field="fromX")
    return cell


def _aisle_name(layout: dict[str, Any], aisle_id: Any) -> str | None:
    for aisle in layout.get("aisles", []):
        if aisle.get("id") == aisle_id:
            return str(aisle.get("name") or aisle_id)
    return str(aisle_id) if aisle_id else None


def plan_route(layout: dict[str, Any], product: Product, from_x: float, from_y: float) -> dict[str, Any]:
    """Shortest walkable path to a cell beside the product's shelf, as waypoints and spoken steps."""
    grid = grid_of(layout)
    start = start_cell(grid, from_x, from_y)
    target = product_location(product)
    goals = pathfinding.goals_near(grid, (int(target["location"]["x"]), int(target["location"]["y"])))
    path = pathfinding.shortest_path(grid, start, goals)
    if path is None:
        raise Conflict("No walkable route reaches this product from here.", code="NO_ROUTE")
    size = cell_size(layout)
    steps = pathfinding.directions(path, size)
    where = "，".join(
        part
        for part in (f"{target['shelf']} 货架" if target["shelf"] else "", _aisle_name(layout, target["aisle"]))
        if part
    )
    steps.append(
        {
            "action": "arrive",
            "instruction": f"到达：{product.name}" + (f"（{where}）" if where else ""),
            "at": {"x": path[-1][0], "y": path[-1][1]},
        }
    )
    floor = target["location"]["floor"]
    return {
        "productId": product.id,
        "product": target,
        "from": {"x": start[0], "y": start[1], "floor": floor},
        "to": {"x": path[-1][0], "y": path[-1][1], "floor": floor},
        "distance": round((len(path) - 1) * size, 1),
        "unit": "m",
        "path": [{"x": x, "y": y, "floor": floor} for x, y in pathfinding.waypoints(path)],
        "cells": [{"x": x, "y": y} for x, y in path],
        "steps": steps,
    }
