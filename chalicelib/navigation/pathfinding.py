"""A* on a store's grid (4-neighbour moves, shelves are walls) and turn-by-turn directions.

Grid coordinates: x grows east (column), y grows south (row), as in the layout's `cells` rows.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise

Cell = tuple[int, int]

WALKABLE = frozenset({".", "E"})
HEADINGS: dict[Cell, tuple[str, str]] = {
    (1, 0): ("east", "向东"),
    (-1, 0): ("west", "向西"),
    (0, 1): ("south", "向南"),
    (0, -1): ("north", "向北"),
}


@dataclass(frozen=True)
class Grid:
    rows: tuple[str, ...]

    @property
    def width(self) -> int:
        return len(self.rows[0]) if self.rows else 0

    @property
    def height(self) -> int:
        return len(self.rows)

    def inside(self, cell: Cell) -> bool:
        x, y = cell
        return 0 <= x < self.width and 0 <= y < self.height

    def walkable(self, cell: Cell) -> bool:
        return self.inside(cell) and self.rows[cell[1]][cell[0]] in WALKABLE

    def neighbours(self, cell: Cell) -> Iterable[Cell]:
        x, y = cell
        for dx, dy in HEADINGS:
            nxt = (x + dx, y + dy)
            if self.walkable(nxt):
                yield nxt


def goals_near(grid: Grid, spot: Cell) -> set[Cell]:
    """Where to stand to reach a product: its cell if walkable, else the walkable cells beside it."""
    if grid.walkable(spot):
        return {spot}
    x, y = spot
    return {(x + dx, y + dy) for dx, dy in HEADINGS if grid.walkable((x + dx, y + dy))}


def shortest_path(grid: Grid, start: Cell, goals: set[Cell]) -> list[Cell] | None:
    """Cells from start to the nearest goal inclusive, or None if no goal can be reached.

    Manhattan distance to the closest goal is admissible for unit-cost 4-neighbour moves, so the
    first goal popped is optimal. Ties prefer fewer turns (a path people can follow).
    """
    if not grid.walkable(start) or not goals:
        return None

    def estimate(cell: Cell) -> int:
        return min(abs(cell[0] - gx) + abs(cell[1] - gy) for gx, gy in goals)

    # (f, g, turns, order, cell, heading); `order` keeps the heap from comparing further.
    frontier: list[tuple[int, int, int, int, Cell, Cell]] = [(estimate(start), 0, 0, 0, start, (0, 0))]
    best: dict[tuple[Cell, Cell], tuple[int, int]] = {(start, (0, 0)): (0, 0)}
    came_from: dict[tuple[Cell, Cell], tuple[Cell, Cell]] = {}
    order = 0
    while frontier:
        _, cost, turns, _, cell, heading = heapq.heappop(frontier)
        if best.get((cell, heading), (cost, turns)) < (cost, turns):
            continue
        if cell in goals:
            path = [cell]
            state = (cell, heading)
            while state in came_from:
                state = came_from[state]
                path.append(state[0])
            return path[::-1]
        for nxt in grid.neighbours(cell):
            step = (nxt[0] - cell[0], nxt[1] - cell[1])
            scored = (cost + 1, turns + (1 if heading not in ((0, 0), step) else 0))
            if scored < best.get((nxt, step), (1 << 30, 0)):
                best[(nxt, step)] = scored
                came_from[(nxt, step)] = (cell, heading)
                order += 1
                heapq.heappush(frontier, (scored[0] + estimate(nxt), scored[0], scored[1], order, nxt, step))
    return None


def waypoints(path: list[Cell]) -> list[Cell]:
    """Start, every corner, and the end."""
    if len(path) < 3:
        return list(path)
    points = [path[0]]
    for before, here, after in zip(path, path[1:], path[2:], strict=False):
        if (here[0] - before[0], here[1] - before[1]) != (after[0] - here[0], after[1] - here[1]):
            points.append(here)
    points.append(path[-1])
    return points


def _metres(cells: int, cell_size: float) -> float:
    return round(cells * cell_size, 1)


def _say_metres(metres: float) -> str:
    return f"{metres:g}"


def turn_of(heading: Cell, step: Cell) -> str:
    """ "left" / "right" / "back" for a change of heading, with y growing south (screen coordinates)."""
    cross = heading[0] * step[1] - heading[1] * step[0]
    if cross > 0:
        return "right"
    if cross < 0:
        return "left"
    return "back"


TURN_WORDS = {"left": "左转", "right": "右转", "back": "掉头"}


def directions(path: list[Cell], cell_size: float) -> list[dict[str, object]]:
    """Turn-by-turn steps: a first "向东直行 5 米", then "左转"/"右转" followed by "直行 N 米"."""
    points = waypoints(path)
    steps: list[dict[str, object]] = []
    heading: Cell | None = None
    for start, end in pairwise(points):
        length = abs(end[0] - start[0]) + abs(end[1] - start[1])
        step = ((end[0] - start[0]) // length, (end[1] - start[1]) // length)
        name, chinese = HEADINGS[step]
        if heading is not None:
            turn = turn_of(heading, step)
            steps.append(
                {"action": f"turn_{turn}", "instruction": TURN_WORDS[turn], "at": {"x": start[0], "y": start[1]}}
            )
        metres = _metres(length, cell_size)
        prefix = chinese if heading is None else ""
        steps.append(
            {
                "action": "straight",
                "instruction": f"{prefix}直行 {_say_metres(metres)} 米",
                "heading": name,
                "distance": metres,
                "from": {"x": start[0], "y": start[1]},
                "to": {"x": end[0], "y": end[1]},
            }
        )
        heading = step
    return steps
