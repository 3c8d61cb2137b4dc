"""Functions publish business and failure counts as CloudWatch EMF on stdout, flushed per invocation."""

from __future__ import annotations

import json
from typing import Any

import pytest


def _emf_metrics(output: str) -> dict[str, float]:
    found: dict[str, float] = {}
    for line in output.splitlines():
        try:
            blob = json.loads(line)
        except ValueError:
            continue
        if not isinstance(blob, dict) or "_aws" not in blob:
            continue
        for directive in blob["_aws"]["CloudWatchMetrics"]:
            for metric in directive["Metrics"]:
                value = blob[metric["Name"]]
                found[metric["Name"]] = sum(value) if isinstance(value, list) else value
    return found


def test_rejections_are_counted_by_error_code(
    aws: Any, client: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.core import observability

    observability.metrics.clear_metrics()  # other tests ran with metrics disabled, which never flushes them
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    capsys.readouterr()
    assert client.http.get("/api/stores/nearby?latitude=north&longitude=121").status_code == 400
    assert client.http.get("/api/stores/no-such-store").status_code == 404
    metrics = _emf_metrics(capsys.readouterr().out)
    assert metrics.get("Rejected.VALIDATION_ERROR") == 1, metrics
    assert metrics.get("Rejected.STORE_NOT_FOUND") == 1, metrics
    assert "UnhandledError" not in metrics


def test_points_metrics_count_credits_and_sum_points_apart(aws: Any) -> None:
    from chalicelib.core.observability import metrics
    from chalicelib.loyalty import consumer

    def accrual(transaction_id: str, points: int) -> dict[str, Any]:
        return {
            "kind": "earn",
            "user_id": "u-metrics",
            "merchant_id": "m-metrics",
            "points": points,
            "amount": points * 100,
            "transaction_id": transaction_id,
            "occurred_at": "2026-03-01T10:00:00Z",
            "month": "2026-03",
        }

    metrics.clear_metrics()
    try:
        consumer.handle(accrual("t-1", 30))
        consumer.handle(accrual("t-2", 12))
        consumer.handle(accrual("t-1", 30))  # a redelivery credits nothing and counts nothing
        recorded = {name: sum(m["Value"]) for name, m in metrics.metric_set.items()}
    finally:
        metrics.clear_metrics()
    assert recorded == {"PointsCredited": 2, "PointsAmount": 42}
