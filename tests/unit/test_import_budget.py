"""The API function's cold start is a product feature: its imports stay cheap."""

from __future__ import annotations

import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _import_seconds(statement: str) -> float:
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    return float(subprocess.check_output([sys.executable, "-c", code], cwd=ROOT, text=True))


def _medians(*statements: str, rounds: int = 7) -> list[float]:
    """Fresh processes, interleaved, so load from other tests hits every statement alike."""
    runs: list[list[float]] = [[] for _ in statements]
    for _ in range(rounds):
        for index, statement in enumerate(statements):
            runs[index].append(_import_seconds(statement))
    return [statistics.median(r) for r in runs]


def test_app_import_pulls_in_no_xray_sdk_idempotency_or_parameters() -> None:
    code = (
        "import sys, app; heavy = [m for m in ('aws_xray_sdk', 'aws_lambda_powertools.utilities.idempotency', "
        "'aws_lambda_powertools.utilities.parameters', 'moto', 'devstack', 'matplotlib') "
        "if m in sys.modules]; print(heavy)"
    )
    assert subprocess.check_output([sys.executable, "-c", code], cwd=ROOT, text=True).strip() == "[]"


def test_app_import_costs_at_most_twice_boto3() -> None:
    boto3_alone, whole_app = _medians("import boto3", "import app")
    assert whole_app < 2.0 * boto3_alone + 0.15, (whole_app, boto3_alone)
