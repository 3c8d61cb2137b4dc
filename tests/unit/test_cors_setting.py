"""CORS is a stage setting: off unless the stage names a browser origin (the mini program needs none)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ROUTE_CORS = (
    "import json, app; route = app.app.routes['/api/stores/nearby']['GET'];"
    "print(json.dumps(route.cors.get_access_control_headers() if route.cors else None))"
)


def _route_cors(origin: str) -> object:
    env = {**os.environ, "CORS_ALLOW_ORIGIN": origin}
    return json.loads(subprocess.check_output([sys.executable, "-c", ROUTE_CORS], cwd=ROOT, env=env, text=True))


def test_no_cors_headers_unless_the_stage_names_an_origin() -> None:
    assert _route_cors("") is None


def test_a_named_origin_gets_preflight_headers_on_every_route() -> None:
    headers = _route_cors("https://console.example.com")
    assert isinstance(headers, dict)
    assert headers["Access-Control-Allow-Origin"] == "https://console.example.com"
    assert "Authorization" in headers["Access-Control-Allow-Headers"]
