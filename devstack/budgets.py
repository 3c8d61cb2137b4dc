"""The DynamoDB call budget table, `budgets.json` beside this module: route ("METHOD /path" as in
chalicelib/route_table.py) -> case -> calls by operation. One source for the budget tests
(tests/api/budget.py) and the bench's budgets section (devstack/bench_budgets.py)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

TABLE = Path(__file__).with_name("budgets.json")

Budgets = dict[str, dict[str, dict[str, int]]]


@cache
def budgets() -> Budgets:
    table: dict[str, Any] = json.loads(TABLE.read_text(encoding="utf-8"))
    return {route: cases for route, cases in table.items() if not route.startswith("_")}
