"""Export jobs: plain values and the pure rules of their life cycle (no storage, no AWS).

A job is `queued` when asked for, `running` while a worker holds its lease, then `done` (the file is
in the bucket under `object_key`) or `failed`. The rule that keeps a job from two files or from being
stuck "running" forever:
- a worker claims a job by a conditional write: queued, or running with an expired lease
  (`lease_until` < now), and it counts the attempt; the lease equals the queue's visibility timeout,
  so SQS redelivers the message only when the previous worker is gone or out of time;
- every attempt writes the same object key (`<merchantId>/<jobId>.<format>`) and first aborts the
  multipart upload a previous attempt left open, so a restart replaces, never adds, a file;
- a job still `running` after its last attempt's lease has expired is shown as `failed` (the message
  went to the DLQ; nothing will run it again).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from chalicelib.core.clock import from_iso, to_iso

LEASE_SECONDS = 900  # = the exports queue's visibility timeout (area.py)
MAX_ATTEMPTS = 3  # = the exports queue's maxReceiveCount
URL_TTL_SECONDS = 900  # a download link is valid this long from the moment it was handed out
FILE_DAYS = 7  # = the bucket's lifecycle expiry (area.py): no link for a file S3 has deleted
MAX_RANGE_DAYS = 366
PROGRESS_EVERY_ROWS = 5000


class Status(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Format(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


# Every kind the download center offers; a kind no area has registered yet (orders: the mall) is
# refused with EXPORT_KIND_UNAVAILABLE.
KINDS = ("orders", "customers", "reservations", "appointments", "points", "finance")


@dataclass(frozen=True)
class Job:
    id: str
    merchant_id: str
    kind: str
    format: Format
    start: str  # UTC ISO-8601, inclusive
    end: str  # UTC ISO-8601, exclusive
    status: Status
    created_at: str
    rows_done: int = 0
    rows_total: int | None = None
    attempts: int = 0
    lease_until: str | None = None
    upload_id: str | None = None
    finished_at: str | None = None
    error: str | None = None

    @property
    def object_key(self) -> str:
        return f"{self.merchant_id}/{self.id}.{self.format.value}"


def job_id(now: datetime, random_part: str) -> str:
    """Sorts by creation time, so a merchant's jobs list newest first by key alone."""
    return f"x{now.strftime('%Y%m%d%H%M%S')}{now.microsecond // 1000:03d}{random_part}"


def claimable(job: Job, now: datetime) -> bool:
    if job.status is Status.QUEUED:
        return True
    return job.status is Status.RUNNING and _expired(job.lease_until, now)


def shown_status(job: Job, now: datetime) -> Status:
    """What the merchant sees: a job whose last attempt died is failed, not running forever."""
    if job.status is Status.RUNNING and job.attempts >= MAX_ATTEMPTS and _expired(job.lease_until, now):
        return Status.FAILED
    return job.status


def download_available(job: Job, now: datetime) -> bool:
    if job.status is not Status.DONE or job.finished_at is None:
        return False
    return from_iso(job.finished_at) + timedelta(days=FILE_DAYS) > now


def lease_until(now: datetime) -> str:
    return to_iso(now + timedelta(seconds=LEASE_SECONDS))


def claimed(job: Job, now: datetime) -> Job:
    return replace(job, status=Status.RUNNING, attempts=job.attempts + 1, lease_until=lease_until(now), rows_done=0)


def _expired(until: str | None, now: datetime) -> bool:
    return until is None or from_iso(until) <= now
