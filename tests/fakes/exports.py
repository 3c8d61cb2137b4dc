"""In-memory export ports: jobs, files (multipart uploads that must be completed to count), queue."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from chalicelib.exports import domain
from chalicelib.exports.domain import Job, Status
from chalicelib.exports.ports import Ports, RowsFunction


class FakeJobs:
    def __init__(self) -> None:
        self.jobs: dict[tuple[str, str], Job] = {}
        self.keys: dict[tuple[str, str], str] = {}

    def create(self, job: Job, request_key: str | None) -> Job:
        if request_key is not None:
            first = self.keys.get((job.merchant_id, request_key))
            if first is not None:
                return self.jobs[(job.merchant_id, first)]
            self.keys[(job.merchant_id, request_key)] = job.id
        assert (job.merchant_id, job.id) not in self.jobs
        self.jobs[(job.merchant_id, job.id)] = job
        return job

    def get(self, merchant_id: str, job_id: str) -> Job | None:
        return self.jobs.get((merchant_id, job_id))

    def recent(self, merchant_id: str, limit: int, after: str | None) -> list[Job]:
        mine = sorted((j for (m, _), j in self.jobs.items() if m == merchant_id), key=lambda j: j.id, reverse=True)
        return [j for j in mine if after is None or j.id < after][:limit]

    def claim(self, job: Job, now: datetime) -> Job | None:
        current = self.jobs[(job.merchant_id, job.id)]
        if current.attempts != job.attempts or not domain.claimable(current, now):
            return None
        claimed = domain.claimed(current, now)
        self.jobs[(job.merchant_id, job.id)] = claimed
        return claimed

    def _held(self, job: Job) -> Job:
        current = self.jobs[(job.merchant_id, job.id)]
        if current.status is not Status.RUNNING or current.attempts != job.attempts:
            raise RuntimeError("lease lost")
        return current

    def progress(self, job: Job, rows_done: int, upload_id: str | None) -> None:
        current = self._held(job)
        self.jobs[(job.merchant_id, job.id)] = replace(
            current, rows_done=rows_done, upload_id=upload_id or current.upload_id
        )

    def finish(self, job: Job, rows: int, now: datetime) -> None:
        current = self._held(job)
        self.jobs[(job.merchant_id, job.id)] = replace(
            current, status=Status.DONE, rows_done=rows, rows_total=rows, finished_at=now.isoformat(), upload_id=None
        )

    def fail(self, job: Job, error: str, now: datetime) -> None:
        current = self._held(job)
        self.jobs[(job.merchant_id, job.id)] = replace(current, status=Status.FAILED, error=error)


@dataclass
class FakeUpload:
    files: FakeFiles
    key: str
    upload_id: str
    parts: list[bytes] = field(default_factory=list)

    def part(self, data: bytes) -> None:
        assert self.upload_id in self.files.open, "upload aborted"
        self.parts.append(data)

    def complete(self) -> None:
        assert self.files.open.pop(self.upload_id) is self
        self.files.objects[self.key] = b"".join(self.parts)

    def abort(self) -> None:
        self.files.abort(self.key, self.upload_id)


class FakeFiles:
    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}
        self.open: dict[str, FakeUpload] = {}
        self._ids = itertools.count(1)

    def start(self, key: str, content_type: str) -> FakeUpload:
        upload = FakeUpload(self, key, f"up-{next(self._ids)}")
        self.open[upload.upload_id] = upload
        return upload

    def abort(self, key: str, upload_id: str) -> None:
        self.open.pop(upload_id, None)

    def download_url(self, key: str, filename: str, seconds: int) -> str:
        return f"https://files.example/{key}?expires={seconds}"


@dataclass
class FakeExports:
    jobs: FakeJobs = field(default_factory=FakeJobs)
    files: FakeFiles = field(default_factory=FakeFiles)
    sent: list[Job] = field(default_factory=list)
    kinds: dict[str, tuple[tuple[str, ...], RowsFunction]] = field(default_factory=dict)
    _random: Any = field(default_factory=lambda: itertools.count(1))

    def add_kind(self, name: str, columns: tuple[str, ...], rows: Iterable[Mapping[str, Any]]) -> None:
        data = list(rows)
        self.kinds[name] = (columns, lambda m, s, e: iter(r for r in data if r.get("merchant") in (None, m)))

    def ports(self) -> Ports:
        return Ports(
            jobs=self.jobs,
            files=self.files,
            enqueue=self.sent.append,
            kind=self.kinds.get,
            new_random=lambda: f"{next(self._random):08x}",
        )
