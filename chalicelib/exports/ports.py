"""What the export use cases need, as ports: the job store, the file store, the queue, the rows."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from chalicelib.exports.domain import Job


class JobStore(Protocol):
    def create(self, job: Job, request_key: str | None) -> Job:
        """Writes the job; with a request key already used by this merchant, returns that job instead."""

    def get(self, merchant_id: str, job_id: str) -> Job | None: ...

    def recent(self, merchant_id: str, limit: int, after: str | None) -> list[Job]:
        """Newest first, job ids below `after` when given."""

    def claim(self, job: Job, now: datetime) -> Job | None:
        """The job with this attempt's lease, if its state still allows a claim (domain.claimable)."""

    def progress(self, job: Job, rows_done: int, upload_id: str | None) -> None:
        """Only while this attempt still holds the job (same attempt number)."""

    def finish(self, job: Job, rows: int, now: datetime) -> None: ...

    def fail(self, job: Job, error: str, now: datetime) -> None: ...


class Upload(Protocol):
    upload_id: str

    def part(self, data: bytes) -> None: ...

    def complete(self) -> None: ...

    def abort(self) -> None: ...


class Files(Protocol):
    def start(self, key: str, content_type: str) -> Upload: ...

    def abort(self, key: str, upload_id: str) -> None:
        """Abort an upload an earlier attempt left open (no error if it is gone)."""

    def download_url(self, key: str, filename: str, seconds: int) -> str: ...


RowsFunction = Callable[[str, str, str], Iterable[Mapping[str, Any]]]


@dataclass(frozen=True)
class Ports:
    jobs: JobStore
    files: Files
    enqueue: Callable[[Job], None]
    # kind name -> (columns, rows function), or None when no area provides that kind (yet)
    kind: Callable[[str], tuple[tuple[str, ...], RowsFunction] | None]
    new_random: Callable[[], str]
