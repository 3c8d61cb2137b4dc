"""The DynamoDB budget table (devstack/budgets.json) names every route and only routes that exist."""

from __future__ import annotations

from chalicelib.route_table import ROUTES
from devstack.budgets import budgets

OPERATIONS = {"GetItem", "BatchGetItem", "Query", "PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems"}


def test_every_route_has_a_budget_and_every_budget_a_route() -> None:
    routes = {f"{method} {path}" for method, path, _, _ in ROUTES}
    table = budgets()
    assert sorted(routes - table.keys()) == [], "routes without a DynamoDB budget"
    assert sorted(table.keys() - routes) == [], "budgets for routes that do not exist"


def test_every_case_counts_known_operations() -> None:
    for route, cases in budgets().items():
        assert cases, route
        for case, calls in cases.items():
            assert calls.keys() <= OPERATIONS, (route, case)
            assert all(isinstance(n, int) and n > 0 for n in calls.values()), (route, case)
