"""Export jobs as the merchant console reads them (the contract's field names live here)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from chalicelib.core.clock import to_iso
from chalicelib.exports import domain
from chalicelib.exports.domain import Job
from chalicelib.exports.ports import Files


def job_view(job: Job, now: datetime, files: Files | None = None) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": job.id,
        "kind": job.kind,
        "format": job.format.value,
        "status": domain.shown_status(job, now).value,
        "rowsDone": job.rows_done,
        "rowsTotal": job.rows_total,
        "createdAt": job.created_at,
    }
    if files is not None and domain.download_available(job, now):
        # Signed here, on each read (no AWS call: a signature), so a link is always fresh.
        view["url"] = files.download_url(
            job.object_key, f"{job.kind}-{job.id}.{job.format.value}", domain.URL_TTL_SECONDS
        )
        view["expiresAt"] = to_iso(now + timedelta(seconds=domain.URL_TTL_SECONDS))
    return view
