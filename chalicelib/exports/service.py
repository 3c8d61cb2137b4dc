"""Export use cases: ask for a job, read jobs, run one (the worker). Ports only, no AWS."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chalicelib.core.clock import to_iso
from chalicelib.core.errors import NotFound, ValidationError
from chalicelib.exports import domain
from chalicelib.exports.domain import Format, Job, Status
from chalicelib.exports.ports import Ports
from chalicelib.exports.writers import write_csv, write_xlsx

CONTENT_TYPES = {
    Format.CSV: "text/csv; charset=utf-8",
    Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class ExportRequest:
    kind: str
    start: datetime
    end: datetime
    format: Format
    request_key: str | None


class KindUnavailable(ValidationError):
    code = "EXPORT_KIND_UNAVAILABLE"


def request_export(ports: Ports, merchant_id: str, request: ExportRequest, now: datetime) -> Job:
    if ports.kind(request.kind) is None:
        raise KindUnavailable(f"Exports of {request.kind} are not available yet.", field="kind")
    job = Job(
        id=domain.job_id(now, ports.new_random()),
        merchant_id=merchant_id,
        kind=request.kind,
        format=request.format,
        start=to_iso(request.start),
        end=to_iso(request.end),
        status=Status.QUEUED,
        created_at=to_iso(now),
    )
    stored = ports.jobs.create(job, request.request_key)
    if stored.id == job.id or stored.status is Status.QUEUED:
        # A repeat of a request whose job is still queued sends the message again: the first send may
        # be what was lost. Two messages for one job are harmless (only one worker can claim it).
        ports.enqueue(stored)
    return stored


def get_job(ports: Ports, merchant_id: str, job_id: str) -> Job:
    job = ports.jobs.get(merchant_id, job_id)
    if job is None:
        raise NotFound("No such export.", code="EXPORT_NOT_FOUND")
    return job


def run_job(ports: Ports, merchant_id: str, job_id: str, now: datetime) -> Job | None:
    """The worker's use case: claim, stream the rows into one multipart upload, finish. Returns the
    finished job, or None when there was nothing to do (done, failed, or another worker's lease)."""
    job = ports.jobs.get(merchant_id, job_id)
    if job is None or not domain.claimable(job, now):
        return None
    previous_upload = job.upload_id
    claimed = ports.jobs.claim(job, now)
    if claimed is None:
        return None
    if previous_upload:
        ports.files.abort(job.object_key, previous_upload)
    kind = ports.kind(job.kind)
    if kind is None:
        ports.jobs.fail(claimed, "EXPORT_KIND_UNAVAILABLE", now)
        return None
    columns, rows = kind
    upload = ports.files.start(job.object_key, CONTENT_TYPES[job.format])
    ports.jobs.progress(claimed, 0, upload.upload_id)
    try:
        write = write_csv if job.format is Format.CSV else write_xlsx
        count = write(
            columns,
            rows(merchant_id, job.start, job.end),
            upload.part,
            lambda done: ports.jobs.progress(claimed, done, upload.upload_id),
            domain.PROGRESS_EVERY_ROWS,
        )
        upload.complete()
    except BaseException as err:
        upload.abort()
        if claimed.attempts >= domain.MAX_ATTEMPTS:  # no delivery will come after this one
            ports.jobs.fail(claimed, type(err).__name__, now)
        raise
    ports.jobs.finish(claimed, count, now)
    return claimed
