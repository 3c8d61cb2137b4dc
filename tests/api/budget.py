"""DynamoDB call budgets: what one request costs, and that it read no item twice.

The counts live in one table, `devstack/budgets.json` (route -> case -> calls by operation). A budget test
names the route and case; `assert_budget` compares what the request made with the table. With
`BUDGETS_REPORT` set (the bench's budgets section), each observation is appended to that file as a JSON
line instead of failing here, so the bench can print a row per route and fail on any excess."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

from devstack.budgets import budgets
from devstack.local_aws import LocalAws


def budget(route: str, case: str) -> dict[str, int]:
    cases = budgets().get(route)
    assert cases is not None, f"{route} has no entry in devstack/budgets.json"
    assert case in cases, f"{route} has no case {case!r} in devstack/budgets.json"
    return cases[case]


def assert_budget(observed: dict[str, int], route: str, case: str) -> None:
    """The request's calls equal the table's (neither more nor, silently, fewer: a lower count is a
    documentation change)."""
    expected = budget(route, case)
    report = os.environ.get("BUDGETS_REPORT")
    if report:
        line = json.dumps({"route": route, "case": case, "observed": observed, "budget": expected})
        with open(report, "a", encoding="utf-8") as out:
            out.write(line + "\n")
        return
    assert observed == expected, f"{route} ({case}): made {observed}, budget {expected}"


def dynamodb_calls(local_aws: LocalAws, request: Callable[[], Any]) -> dict[str, int]:
    """The DynamoDB operations one request made, by name. Fails if a GetItem or BatchGetItem asked
    for an item an earlier call of the same request already read."""
    local_aws.app.clear()
    request()
    reads = local_aws.app.keys_read
    repeated = sorted({read for read in reads if reads.count(read) > 1})
    assert not repeated, f"read more than once in one request: {repeated}"
    return dict(local_aws.app.calls)
