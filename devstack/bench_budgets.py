"""The bench's `budgets` section: every route driven against moto, its DynamoDB calls against the table.

The drivers are the budget tests (`-k budget` under tests/api): they set up the world each route needs and
make its requests against the moto server. With BUDGETS_REPORT set, `tests/api/budget.py` records each
request's calls (route, case, observed, budget) instead of asserting, so one run yields a row per route.
A route fails when any of its cases made a call its budget does not allow (more of an operation, or an
operation it has none of), or when no test drove it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from devstack.budgets import budgets

ROOT = Path(__file__).resolve().parents[1]
Row = tuple[str, str, bool | None]


def _excess(observed: dict[str, int], budget: dict[str, int]) -> dict[str, int]:
    return {op: n - budget.get(op, 0) for op, n in observed.items() if n > budget.get(op, 0)}


def _total(calls: dict[str, int]) -> int:
    return sum(calls.values())


def budget_rows(workers: int = 2) -> list[Row]:
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "budgets.jsonl"
        env = {**os.environ, "BUDGETS_REPORT": str(report)}
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k", "budget", "tests/api"]
        if workers > 1:
            command += ["-n", str(workers)]
        run = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
        lines = report.read_text(encoding="utf-8").splitlines() if report.exists() else []
    seen: dict[str, list[dict[str, object]]] = {}
    for line in lines:
        record = json.loads(line)
        seen.setdefault(str(record["route"]), []).append(record)
    rows: list[Row] = []
    for route, cases in budgets().items():
        records = seen.get(route, [])
        if not records:
            rows.append((f"budget: {route}", "not driven by any budget test", False))
            continue
        over = []
        for record in records:
            observed, budget = record["observed"], record["budget"]
            assert isinstance(observed, dict) and isinstance(budget, dict)
            if excess := _excess(observed, budget):
                over.append(f"{record['case']}: +{excess}")
        worst = max(records, key=lambda r: _total(r["observed"]))  # type: ignore[arg-type]
        driven = sorted({str(r["case"]) for r in records})
        missing = sorted(cases.keys() - set(driven))
        value = f"{len(records)} requests ({len(driven)}/{len(cases)} cases), most {worst['observed']}"
        if missing:
            value += f"; cases not driven: {missing}"
        if over:
            value += f"; OVER: {'; '.join(over)}"
        rows.append((f"budget: {route}", value, not over and not missing))
    tail = run.stdout.strip().splitlines()[-1:] if run.stdout.strip() else [run.stderr.strip()[-200:]]
    rows.append(
        ("budget tests (drivers) run", f"exit {run.returncode}: {tail[0] if tail else ''}", run.returncode == 0)
    )
    return rows
