"""`make bench`: figures the issues name, each a ratio or a count measured side by side in one run.

The machines are shared and noisy, so nothing here is an absolute time to compare across runs: cold
start is a ratio to `import boto3` measured interleaved in fresh processes, warm overhead a ratio to a
raw GetItem on the same moto server, contention a throughput and latency spread at 1/10/50 clients on
the same stack, memory the local stack's growth per thousand transactions. Results print as a
Markdown table (docs/benchmarks.md keeps the last run). Exits non-zero when a goal is missed.

    make bench                      # everything, default sizes
    make bench ARGS="--only cold"   # one section: cold, warm, contention, memory, budgets, exports, analytics, flat
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

COLD_START_GOAL = 1.25  # API entry module import / boto3 import (issue 8)
WARM_GOAL = 1.3  # store detail route CPU / one raw GetItem CPU (issue 8)


def _import_seconds(statement: str) -> float:
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    return float(subprocess.check_output([sys.executable, "-c", code], cwd=ROOT, text=True))


def cold_start(rounds: int = 15) -> list[tuple[str, str, bool | None]]:
    """Medians of fresh-process imports, interleaved so the machine's load hits each alike."""
    statements = {
        "boto3": "import boto3",
        "app": "import app",
        "libraries": "import boto3, chalice, pynamodb.models, aws_lambda_powertools.logging, "
        "aws_lambda_powertools.metrics",
    }
    runs: dict[str, list[float]] = {name: [] for name in statements}
    for _ in range(rounds):
        for name, statement in statements.items():
            runs[name].append(_import_seconds(statement))
    median = {name: statistics.median(values) for name, values in runs.items()}
    ratio = median["app"] / median["boto3"]
    return [
        ("cold start: import app / import boto3", f"{ratio:.2f} (goal <= {COLD_START_GOAL})", ratio <= COLD_START_GOAL),
        ("cold start: the pinned libraries / import boto3", f"{median['libraries'] / median['boto3']:.2f}", None),
        ("deployment package: chalicelib + app.py (bytes, source)", str(_source_bytes()), None),
    ]


def _source_bytes() -> int:
    files = [ROOT / "app.py", *sorted((ROOT / "chalicelib").rglob("*.py"))]
    return sum(f.stat().st_size for f in files)


def _cpu(action: Callable[[], Any], repeat: int) -> float:
    """Median process CPU seconds per call over `repeat` calls, in 5 batches."""
    batches = []
    for _ in range(5):
        start = time.process_time()
        for _ in range(repeat):
            action()
        batches.append((time.process_time() - start) / repeat)
    return statistics.median(batches)


def warm_overhead(stack: Any, repeat: int = 200) -> list[tuple[str, str, bool | None]]:
    """CPU per store-detail request in process vs one raw GetItem of the same item, on the same moto
    server (the server runs in this process too, so both sides carry its share alike)."""
    import boto3
    from chalice.test import Client

    table = os.environ["TABLE_NAME"]
    dynamodb = boto3.client("dynamodb")
    key = {"pk": {"S": "STORE#s-jingan"}, "sk": {"S": "META"}}
    with Client(stack.app_module.app) as client:
        client.http.get("/api/stores/s-jingan")  # warm: area imported, connections open
        dynamodb.get_item(TableName=table, Key=key)
        route = _cpu(lambda: client.http.get("/api/stores/s-jingan"), repeat)
        raw = _cpu(lambda: dynamodb.get_item(TableName=table, Key=key), repeat)
    ratio = route / raw
    return [
        ("warm: GET /api/stores/{id} CPU / raw GetItem CPU", f"{ratio:.2f} (goal <= {WARM_GOAL})", ratio <= WARM_GOAL)
    ]


def _post(url: str, body: dict[str, Any], token: str | None = None) -> tuple[int, dict[str, Any]]:
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as err:
        return err.code, json.load(err)


def _login(api: str, code: str) -> str:
    status, body = _post(f"{api}/api/auth/login", {"code": code})
    assert status == 200, body
    return str(body["token"])


def _rush(api: str, tokens: list[str], per_client: int) -> tuple[list[float], dict[int, int]]:
    latencies: list[float] = []
    outcomes: dict[int, int] = {}
    lock = threading.Lock()

    def customer(token: str) -> None:
        for n in range(per_client):
            start = time.perf_counter()
            status, _ = _post(
                f"{api}/api/reservations",
                {"storeId": "s-jingan", "productId": "p001", "quantity": 1, "requestId": f"{token[:12]}-{n}"},
                token,
            )
            with lock:
                latencies.append(time.perf_counter() - start)
                outcomes[status] = outcomes.get(status, 0) + 1

    threads = [threading.Thread(target=customer, args=(t,)) for t in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, outcomes


def contention(stack: Any, per_client: int = 20) -> list[tuple[str, str, bool | None]]:
    """Reservations of one unit of one product by 1, 10 and 50 concurrent customers over HTTP."""
    api = stack.api_url
    rows: list[tuple[str, str, bool | None]] = []
    for clients in (1, 10, 50):
        tokens = [_login(api, f"bench-{clients}-{i}-{time.time_ns()}") for i in range(clients)]
        began = time.perf_counter()
        latencies, outcomes = _rush(api, tokens, per_client)
        elapsed = time.perf_counter() - began
        latencies.sort()
        p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
        rows.append(
            (
                f"contention: {clients} clients on one SKU",
                f"{len(latencies) / elapsed:.1f} req/s, p50 {statistics.median(latencies) * 1000:.0f} ms, "
                f"p99 {p99 * 1000:.0f} ms, statuses {dict(sorted(outcomes.items()))}",
                None if set(outcomes) <= {200, 409} else False,
            )
        )
    return rows


def memory(stack: Any, transactions: int = 2000) -> list[tuple[str, str, bool | None]]:
    """Peak RSS growth of the local stack's process per 1k reservation transactions (moto keeps
    rollback snapshots per transaction: the patch in devstack/local_aws.py must keep this flat)."""
    api = stack.api_url
    token = _login(api, f"bench-memory-{time.time_ns()}")
    half = transactions // 2
    marks = []
    for phase in range(2):
        for n in range(half):
            _post(
                f"{api}/api/reservations",
                {"storeId": "s-jingan", "productId": "p002", "quantity": 1, "requestId": f"m{phase}-{n}"},
                token,
            )
        marks.append(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)  # MiB (Linux: KiB)
    growth = (marks[1] - marks[0]) / (half / 1000)
    return [
        (
            f"memory: peak RSS growth per 1k transactions (second {half} of {transactions})",
            f"{growth:.1f} MiB (goal: flat, < 5 MiB)",
            growth < 5,
        )
    ]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--only", choices=["cold", "warm", "contention", "memory", "budgets", "exports", "analytics", "flat"]
    )
    parser.add_argument("--export-rows", type=int, default=100_000)
    parser.add_argument("--analytics-records", type=int, default=100_000)
    parser.add_argument("--transactions", type=int, default=2000)
    parser.add_argument("--flat-large", type=int, default=100_000, help="records of the large side of `flat`")
    args = parser.parse_args()
    rows: list[tuple[str, str, bool | None]] = []
    if args.only in (None, "cold"):
        rows += cold_start()
    if args.only in (None, "budgets"):
        from devstack.bench_budgets import budget_rows

        rows += budget_rows()
    if args.only in (None, "exports"):
        from devstack.bench_exports import exports

        rows += exports(args.export_rows)
    if args.only not in ("cold", "budgets", "exports"):
        os.environ["RESERVATION_LIMIT_PER_PRODUCT"] = "1000000"  # one customer reserves many times here
        os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
        os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
        from devstack.stack import LocalStack

        stack = LocalStack().start()
        try:
            if args.only in (None, "warm"):
                rows += warm_overhead(stack)
            if args.only in (None, "contention"):
                rows += contention(stack)
            if args.only in (None, "memory"):
                rows += memory(stack, args.transactions)
            if args.only in (None, "analytics"):
                from devstack.bench_analytics import analytics

                rows += analytics(stack, large=args.analytics_records)
            if args.only in (None, "flat"):
                from devstack.bench_flat import flat

                rows += flat(stack, large=args.flat_large)
        finally:
            stack.stop()
    print("| figure | value | goal met |\n|---|---|---|")
    for name, value, met in rows:
        print(f"| {name} | {value} | {'' if met is None else ('yes' if met else 'NO')} |")
    return 1 if any(met is False for _, _, met in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
