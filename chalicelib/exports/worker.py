"""The exports queue's consumer: one message = one job to run (service.run_job)."""

from __future__ import annotations

from typing import Any

from chalicelib.core.clock import clock
from chalicelib.core.observability import logger
from chalicelib.exports import service
from chalicelib.exports.adapters import live_ports


def handle(body: dict[str, Any]) -> None:
    job = service.run_job(live_ports(), str(body["merchantId"]), str(body["jobId"]), clock().now())
    if job is None:
        logger.info("export job needs no run", job_id=body["jobId"])
