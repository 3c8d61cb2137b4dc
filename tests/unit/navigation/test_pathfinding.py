"""A* on known grids: optimal length, never through shelves, unreachable goals, spoken directions."""

from __future__ import annotations

import itertools
import random
from collections import deque

import pytest

from chalicelib.catalog.models import Product
from chalicelib.core.errors import Conflict, NotFound, ValidationError
from chalicelib.navigation import pathfinding, service
from chalicelib.navigation.pathfinding import Cell, Grid
from devstack import demo_data

# A wall with one gap at x=4 between the top and bottom halves.
MAZE = Grid(
    (
        ".....",
        "####.",
        ".....",
        ".###.",
        ".....",
    )
)


def bfs_length(grid: Grid, start: Cell, goals: set[Cell]) -> int | None:
    seen = {start}
    todo = deque([(start, 0)])
    while todo:
        cell, dist = todo.popleft()
        if cell in goals:
            return dist
        for nxt in grid.neighbours(cell):
            if nxt not in seen:
                seen.add(nxt)
                todo.append((nxt, dist + 1))
    return None


def assert_walkable_path(grid: Grid, path: list[Cell], start: Cell, goals: set[Cell]) -> None:
    assert path[0] == start and path[-1] in goals
    for a, b in itertools.pairwise(path):
        assert abs(a[0] - b[0]) + abs(a[1] - b[1]) == 1
    assert all(grid.walkable(c) for c in path)


def test_path_goes_round_the_wall_through_the_gap() -> None:
    path = pathfinding.shortest_path(MAZE, (0, 0), {(0, 2)})
    assert path is not None
    assert_walkable_path(MAZE, path, (0, 0), {(0, 2)})
    assert len(path) - 1 == 10  # 4 east, 2 south, 4 west
    assert (4, 1) in path


def test_unreachable_and_blocked_start() -> None:
    sealed = Grid(("..#..", "..#..", "..#.."))
    assert pathfinding.shortest_path(sealed, (0, 0), {(4, 2)}) is None
    assert pathfinding.shortest_path(sealed, (2, 0), {(0, 0)}) is None  # starting inside a shelf
    assert pathfinding.shortest_path(sealed, (0, 0), set()) is None


def test_optimal_on_the_demo_layout_against_breadth_first_search() -> None:
    grid = Grid(tuple(demo_data.layout()["cells"]))
    walkable = [(x, y) for y in range(grid.height) for x in range(grid.width) if grid.walkable((x, y))]
    rng = random.Random(7)
    for _ in range(60):
        start = rng.choice(walkable)
        shelf_spot = (rng.randrange(grid.width), rng.randrange(grid.height))
        goals = pathfinding.goals_near(grid, shelf_spot)
        path = pathfinding.shortest_path(grid, start, goals)
        expected = bfs_length(grid, start, goals)
        if expected is None:
            assert path is None
            continue
        assert path is not None
        assert_walkable_path(grid, path, start, goals)
        assert len(path) - 1 == expected


def test_goals_beside_a_shelf_cell() -> None:
    assert pathfinding.goals_near(MAZE, (1, 1)) == {(1, 0), (1, 2)}
    assert pathfinding.goals_near(MAZE, (0, 0)) == {(0, 0)}


def test_turn_by_turn_directions_with_cell_size() -> None:
    path = pathfinding.shortest_path(MAZE, (0, 0), {(0, 2)})
    assert path is not None
    steps = pathfinding.directions(path, 0.5)
    assert [s["instruction"] for s in steps] == ["向东直行 2 米", "右转", "直行 1 米", "右转", "直行 2 米"]
    assert pathfinding.turn_of((0, -1), (-1, 0)) == "left"  # heading north, turning west
    assert pathfinding.turn_of((1, 0), (0, -1)) == "left"  # heading east, turning north


def test_fewest_turns_among_equal_length_paths() -> None:
    open_floor = Grid(("....", "....", "...."))
    path = pathfinding.shortest_path(open_floor, (0, 0), {(3, 2)})
    assert path is not None and len(path) - 1 == 5
    assert len(pathfinding.waypoints(path)) == 3  # one corner, not a staircase


def product(location: dict | None) -> Product:
    return Product(store_id="s", id="p1", name="纯牛奶", category_id="c", price=1, merchant_id="m", location=location)


def test_plan_route_validates_start_and_reports_unreachable() -> None:
    layout = {"cells": list(MAZE.rows), "cellSize": 1.0, "aisles": []}
    target = product({"x": 1, "y": 1, "floor": 1, "shelf": "S1", "aisle": None})
    plan = service.plan_route(layout, target, 0.6, 0.2)
    assert plan["distance"] == 1 and plan["to"] == {"x": 1, "y": 0, "floor": 1}
    assert plan["steps"][-1]["instruction"] == "到达：纯牛奶（S1 货架）"
    for x, y, field in [(-1, 0, "fromX"), (5, 0, "fromX"), (0, 5, "fromY"), (0, 1, "fromX")]:
        with pytest.raises(ValidationError) as err:
            service.plan_route(layout, target, x, y)
        assert err.value.field == field
    walled = {"cells": ["..#..", "..###", "..#.."], "cellSize": 1.0}
    with pytest.raises(Conflict) as conflict:
        service.plan_route(walled, product({"x": 3, "y": 2}), 0, 0)
    assert conflict.value.code == "NO_ROUTE"
    with pytest.raises(NotFound):
        service.plan_route(layout, product(None), 0, 0)
