"""`make bench ARGS="--only analytics"`: what the merchant dashboard reads as history grows.

Two merchants on the same local stack: one with 1k counted stream records, one with 100k, spread over
the same 60 local days. Each record goes through the analytics consumer as the table stream would
hand it (a reservation's INSERT image in Lambda's record shape), so each is one counted transaction.
Then each merchant's 30-day dashboard is read (with a store, so the forecast's reads are in too), and
the items and calls DynamoDB served it are counted. Goal: items read at 100k / at 1k <= 1.1.
"""

from __future__ import annotations

import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from typing import Any

ITEMS_GOAL = 1.1
DAYS = 60
STORE = "s-bench"
FEED = "chalicelib.reservations.domain:reservation_counters"


def _record(merchant_id: str, n: int, total: int, start: datetime) -> dict[str, Any]:
    at = (start + timedelta(seconds=n * DAYS * 86400 // total)).strftime("%Y-%m-%dT%H:%M:%SZ")
    image = {
        "pk": {"S": f"RESERVATION#{merchant_id}-{n}"},
        "sk": {"S": "META"},
        "et": {"S": "Reservation"},
        "merchant_id": {"S": merchant_id},
        "store_id": {"S": STORE},
        "product_id": {"S": f"p{n % 20}"},
        "quantity": {"N": "1"},
        "status": {"S": "open"},
        "created_at": {"S": at},
        "updated_at": {"S": at},
    }
    return {"eventID": f"bench-{merchant_id}-{n}", "eventName": "INSERT", "dynamodb": {"NewImage": image}}


def _feed(merchant_id: str, total: int, start: datetime, workers: int) -> float:
    from chalicelib.analytics.consumer import apply

    began = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(lambda n: apply(_record(merchant_id, n, total, start), FEED), range(total), chunksize=64))
    return time.perf_counter() - began


class _Reads:
    """Items and BatchGetItem calls DynamoDB answered, from botocore's after-call events."""

    def __init__(self) -> None:
        self.items = 0
        self.calls = 0

    def __call__(self, parsed: dict[str, Any], **_: Any) -> None:
        self.calls += 1
        self.items += sum(len(items) for items in parsed.get("Responses", {}).values())


def analytics(
    stack: Any, small: int = 1_000, large: int = 100_000, workers: int = 8
) -> list[tuple[str, str, bool | None]]:
    from chalicelib.analytics import service
    from chalicelib.analytics.adapters import live_ports
    from chalicelib.core import aws

    start = datetime(2026, 10, 1, tzinfo=UTC)
    feed_seconds = {size: _feed(f"m-bench-{size}", size, start, workers) for size in (small, large)}
    reads = _Reads()
    aws.client("dynamodb").meta.events.register("after-call.dynamodb.BatchGetItem", reads)
    first, last = date(2026, 11, 1), date(2026, 11, 30)
    figures: dict[int, tuple[int, int, float, int]] = {}
    for size in (small, large):
        reads.items = reads.calls = 0
        timings = []
        for _ in range(20):
            began = time.perf_counter()
            result, _low = service.dashboard(live_ports(), f"m-bench-{size}", STORE, first, last, last)
            timings.append(time.perf_counter() - began)
        figures[size] = (reads.items // 20, reads.calls // 20, statistics.median(timings), sum(result.totals.values()))
    ratio = figures[large][0] / figures[small][0]
    rows: list[tuple[str, str, bool | None]] = [
        (
            f"analytics: items read for a 30-day store dashboard, {large:,} / {small:,} records",
            f"{figures[large][0]} / {figures[small][0]} = {ratio:.2f} (goal <= {ITEMS_GOAL})",
            ratio <= ITEMS_GOAL,
        ),
        (
            "analytics: BatchGetItem calls per dashboard (days, then stock)",
            f"{figures[large][1]} / {figures[small][1]}",
            None,
        ),
        (
            f"analytics: dashboard median time, {large:,} / {small:,} records",
            f"{figures[large][2] / figures[small][2]:.2f}",
            None,
        ),
        (
            f"analytics: stream records counted per second (one transaction each, {workers} threads, local moto)",
            f"{large / feed_seconds[large]:.0f}",
            None,
        ),
    ]
    return rows
