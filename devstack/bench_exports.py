"""`make bench ARGS="--only exports"`: the exports worker's memory on a large export.

Each export runs in a fresh worker process (`service.run_job` with the live ports: job item, S3
multipart upload on the local moto server, as the exports queue's consumer runs it) that reports its
own peak RSS. A figure is the difference between the peak for N rows and for N/10 rows of the same kind
and format: the same process, imports and clients, only the rows differ, so a flat pipeline shows a
growth near zero however large N is.

Two row sources:
- `bench` rows: N = 100,000 generated in the worker (a kind registered the way an area registers one),
  so the figure is the pipeline's own (writer, parts, upload, progress writes) at the issue's size;
- `points` rows: the loyalty ledger read from moto through gsi2 (500-item pages), at N = 5,000,
  because moto answers each page of a GSI query by walking the whole table (a page costs O(table)), so
  100k rows through moto would take hours; what this half shows is that paging keeps memory flat too.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
MERCHANT = "m-bench"
GROWTH_GOAL_MIB = 20.0  # peak RSS of the worker at N rows - at N/10 rows

_WORKER = """
import json, resource, sys, time
from chalicelib.core.areas import ExportKind, install_export_kinds
from chalicelib.core.clock import clock
from chalicelib.wiring import EXPORT_KINDS
from chalicelib.exports import service
from chalicelib.exports.adapters import live_ports
bench = ExportKind("bench", "devstack.bench_exports:generated_rows", ("n", "userId", "points", "createdAt", "note"))
install_export_kinds({**EXPORT_KINDS, "bench": bench})
started = time.perf_counter()
job = service.run_job(live_ports(), sys.argv[1], sys.argv[2], clock().now())
print(json.dumps({
    "seconds": time.perf_counter() - started,
    "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "rows": job is not None,
}))
"""


def generated_rows(merchant_id: str, start: str, end: str) -> Any:
    """`bench` rows: as many as the range has seconds' worth of rows requested (see exports())."""
    count = int(os.environ["BENCH_EXPORT_ROWS"])
    for n in range(count):
        yield {"n": n, "userId": f"u{n % 5000:05d}", "points": n % 500, "createdAt": start, "note": "购物积分 purchase"}


def _seed(table: str, rows: int, day: str) -> None:
    """Ledger entries as loyalty writes them (gsi2 = LEDGER#<merchant> / <createdAt>#<user>#<tx>)."""
    import boto3

    dynamodb = boto3.client("dynamodb")
    batch: list[dict[str, Any]] = []
    for n in range(rows):
        created = f"{day}T{(n // 3600) % 24:02d}:{(n // 60) % 60:02d}:{n % 60:02d}Z"
        user, tx = f"u{n % 5000:05d}", f"t{day}-{n:07d}"
        item = {
            "pk": {"S": f"USER#{user}"},
            "sk": {"S": f"LOYALTY#{MERCHANT}#TX#{tx}"},
            "et": {"S": "Ledger"},
            "merchant_id": {"S": MERCHANT},
            "transaction_id": {"S": tx},
            "kind": {"S": "earn"},
            "points": {"N": str(n % 500)},
            "amount": {"N": str((n % 500) * 100)},
            "store_id": {"S": "s-bench"},
            "description": {"S": "购物积分 purchase points"},
            "occurred_at": {"S": created},
            "created_at": {"S": created},
            "gsi1pk": {"S": f"LOYALTY#{MERCHANT}#USER#{user}"},
            "gsi1sk": {"S": f"{created}#{tx}"},
            "gsi2pk": {"S": f"LEDGER#{MERCHANT}"},
            "gsi2sk": {"S": f"{created}#{user}#{tx}"},
        }
        batch.append({"PutRequest": {"Item": item}})
        if len(batch) == 25:
            dynamodb.batch_write_item(RequestItems={table: batch})
            batch = []
    if batch:
        dynamodb.batch_write_item(RequestItems={table: batch})


def _run_worker(job_id: str, generated: int = 0) -> dict[str, Any]:
    run = subprocess.run(
        [sys.executable, "-c", _WORKER, MERCHANT, job_id],
        cwd=ROOT,
        env={**os.environ, "BENCH_EXPORT_ROWS": str(generated)},
        capture_output=True,
        text=True,
    )
    if run.returncode != 0:
        raise RuntimeError(f"export worker failed: {run.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(run.stdout.strip().splitlines()[-1])
    return result


def exports(rows: int = 100_000, db_rows: int = 5_000) -> list[tuple[str, str, bool | None]]:
    from datetime import UTC, datetime, timedelta

    from chalicelib.core.areas import ExportKind, install_export_kinds
    from chalicelib.exports import service
    from chalicelib.exports.adapters import live_ports
    from chalicelib.exports.domain import Format
    from chalicelib.wiring import EXPORT_KINDS
    from devstack.local_aws import LocalAws
    from devstack.provision import provision
    from devstack.stack import PREFIX, REGION, SES_SENDER

    os.environ.update({"RESOURCE_PREFIX": PREFIX, "TABLE_NAME": f"{PREFIX}-table", "SES_SENDER": SES_SENDER})
    aws = LocalAws().start()
    try:
        os.environ.update(aws.client_env(REGION))
        secrets = {
            "wechat-app": {"appSecret": "x"},
            "wechatpay": dict.fromkeys(("privateKey", "apiV3Key", "platformPublicKey"), "x"),
        }
        provisioned = provision(PREFIX, secret_values=secrets)
        os.environ.update(provisioned.env())
        bench = ExportKind("bench", "devstack.bench_exports:generated_rows", ("n",))
        install_export_kinds({**EXPORT_KINDS, "bench": bench})
        small_day, large_day = "2026-11-01", "2026-11-02"
        started = time.perf_counter()
        _seed(provisioned.table_name, db_rows // 10, small_day)
        _seed(provisioned.table_name, db_rows, large_day)
        seeded = time.perf_counter() - started
        table: list[tuple[str, str, bool | None]] = [
            (f"exports: seeding {db_rows + db_rows // 10:,} ledger items into moto", f"{seeded:.0f} s", None)
        ]
        cases = (("bench", rows, small_day, large_day), ("points", db_rows, small_day, large_day))
        for kind, count, small, large in cases:
            for fmt in (Format.CSV, Format.XLSX):
                peaks = {}
                for label, day, n in (("small", small, count // 10), ("large", large, count)):
                    begin = datetime.fromisoformat(f"{day}T00:00:00+00:00")
                    request = service.ExportRequest(kind, begin, begin + timedelta(days=1), fmt, None)
                    job = service.request_export(live_ports(), MERCHANT, request, datetime.now(UTC))
                    result = _run_worker(job.id, generated=n if kind == "bench" else 0)
                    done = live_ports().jobs.get(MERCHANT, job.id)
                    assert done is not None and done.rows_total == n, (done, n)
                    peaks[label] = result["peak_mib"]
                    table.append(
                        (
                            f"exports: {kind} {fmt.value}, {n:,} rows (worker process)",
                            f"peak RSS {result['peak_mib']:.0f} MiB, {result['seconds']:.1f} s, "
                            f"{n / result['seconds']:,.0f} rows/s",
                            None,
                        )
                    )
                growth = peaks["large"] - peaks["small"]
                table.append(
                    (
                        f"exports: {kind} {fmt.value} peak RSS growth, {count:,} rows vs {count // 10:,}",
                        f"{growth:.1f} MiB (goal: flat, < {GROWTH_GOAL_MIB:.0f} MiB)",
                        growth < GROWTH_GOAL_MIB,
                    )
                )
        return table
    finally:
        aws.stop()
