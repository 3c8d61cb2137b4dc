"""The route table the API function registers from is exactly what the areas' blueprints declare."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from devstack import route_table

ROOT = Path(__file__).resolve().parents[2]


def test_route_table_matches_the_blueprints() -> None:
    assert route_table.TABLE_PATH.read_text() == route_table.render(), "stale: run `make routes`"


def test_app_serves_every_route_of_the_table_and_nothing_else() -> None:
    from app import app
    from chalicelib.route_table import ROUTES

    served = {(method, path) for path, methods in app.routes.items() for method in methods}
    assert served == {(method, path) for method, path, _, _ in ROUTES}
    assert len(ROUTES) > 50


def test_importing_the_app_imports_no_area_code() -> None:
    """Areas load with their first request: a cold start pays only for the area the request needs."""
    code = (
        "import sys, app; loaded = sorted(m for m in sys.modules if m.startswith('chalicelib.') and "
        "m.rsplit('.', 1)[-1] in ('routes', 'service', 'models', 'repo')); print(loaded)"
    )
    assert subprocess.check_output([sys.executable, "-c", code], cwd=ROOT, text=True).strip() == "[]"
