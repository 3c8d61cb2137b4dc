"""Export job items and their data access (the only module that touches them; `JobTable` is the
`ports.JobStore` adapter).

- job: `MERCHANT#<merchantId>` / `EXPORT#<jobId>`; job ids sort by creation time, so a merchant's
  recent jobs are one Query on the key, newest first.
- request key: `MERCHANT#<merchantId>` / `EXPORTKEY#<hash of the Idempotency-Key>` -> job id, written
  with the job in one transaction, so a repeated request finds the first job.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from chalicelib.core.clock import to_iso
from chalicelib.data.table import TableModel, TransactionCancelled, condition_failed, key, transact
from chalicelib.exports import domain
from chalicelib.exports.domain import Format, Job, Status

JOB_PREFIX = "EXPORT#"
KEY_PREFIX = "EXPORTKEY#"


class ExportJobItem(TableModel):
    merchant_id = UnicodeAttribute()
    job_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    format = UnicodeAttribute()
    start = UnicodeAttribute()
    end = UnicodeAttribute()
    status = UnicodeAttribute()
    created_at = UnicodeAttribute()
    rows_done = NumberAttribute(default=0)
    rows_total = NumberAttribute(null=True)
    attempts = NumberAttribute(default=0)
    lease_until = UnicodeAttribute(null=True)
    upload_id = UnicodeAttribute(null=True)
    finished_at = UnicodeAttribute(null=True)
    error = UnicodeAttribute(null=True)


class ExportRequestKeyItem(TableModel):
    merchant_id = UnicodeAttribute()
    job_id = UnicodeAttribute()


def job_key(merchant_id: str, job_id: str) -> tuple[str, str]:
    return key("MERCHANT", merchant_id), JOB_PREFIX + job_id


def request_key_key(merchant_id: str, request_key: str) -> tuple[str, str]:
    digest = hashlib.sha256(request_key.encode()).hexdigest()[:32]
    return key("MERCHANT", merchant_id), KEY_PREFIX + digest


def _to_job(item: ExportJobItem) -> Job:
    return Job(
        id=item.job_id,
        merchant_id=item.merchant_id,
        kind=item.kind,
        format=Format(item.format),
        start=item.start,
        end=item.end,
        status=Status(item.status),
        created_at=item.created_at,
        rows_done=int(item.rows_done or 0),
        rows_total=int(item.rows_total) if item.rows_total is not None else None,
        attempts=int(item.attempts or 0),
        lease_until=item.lease_until,
        upload_id=item.upload_id,
        finished_at=item.finished_at,
        error=item.error,
    )


def _item(job: Job) -> ExportJobItem:
    pk, sk = job_key(job.merchant_id, job.id)
    return ExportJobItem(
        pk,
        sk,
        merchant_id=job.merchant_id,
        job_id=job.id,
        kind=job.kind,
        format=job.format.value,
        start=job.start,
        end=job.end,
        status=job.status.value,
        created_at=job.created_at,
        rows_done=job.rows_done,
        attempts=job.attempts,
    )


class JobTable:
    def create(self, job: Job, request_key: str | None) -> Job:
        item = _item(job)
        if request_key is None:
            item.save(condition=ExportJobItem.pk.does_not_exist())
            return job
        pk, sk = request_key_key(job.merchant_id, request_key)
        marker = ExportRequestKeyItem(pk, sk, merchant_id=job.merchant_id, job_id=job.id)

        def build(tx):  # type: ignore[no-untyped-def]
            tx.save(item, condition=ExportJobItem.pk.does_not_exist())
            tx.save(marker, condition=ExportRequestKeyItem.pk.does_not_exist(), return_values="ALL_OLD", label="key")

        try:
            transact(build)
        except TransactionCancelled as err:
            old = err.old_item("key")
            if old is None:
                raise
            first = self.get(job.merchant_id, old["job_id"]["S"])
            if first is None:  # cannot be: the marker and its job were written together
                raise
            return first
        return job

    def get(self, merchant_id: str, job_id: str) -> Job | None:
        try:
            return _to_job(ExportJobItem.get(*job_key(merchant_id, job_id), consistent_read=True))
        except DoesNotExist:
            return None

    def recent(self, merchant_id: str, limit: int, after: str | None) -> list[Job]:
        pk = key("MERCHANT", merchant_id)
        condition: Condition
        if after is not None:
            condition = ExportJobItem.sk.between(JOB_PREFIX, JOB_PREFIX + after)
        else:
            condition = ExportJobItem.sk.startswith(JOB_PREFIX)
        found = [
            _to_job(i)
            for i in ExportJobItem.query(pk, condition, scan_index_forward=False, limit=limit + 1, page_size=limit + 1)
        ]
        return [j for j in found if j.id != after][:limit]

    def claim(self, job: Job, now: datetime) -> Job | None:
        claimed = domain.claimed(job, now)
        item = ExportJobItem(*job_key(job.merchant_id, job.id))
        expired = (ExportJobItem.status == Status.RUNNING.value) & (ExportJobItem.lease_until <= to_iso(now))
        try:
            item.update(
                actions=[
                    ExportJobItem.status.set(Status.RUNNING.value),
                    ExportJobItem.attempts.set(claimed.attempts),
                    ExportJobItem.lease_until.set(domain.lease_until(now)),
                    ExportJobItem.rows_done.set(0),
                ],
                condition=(ExportJobItem.attempts == job.attempts)
                & ((ExportJobItem.status == Status.QUEUED.value) | expired),
            )
        except UpdateError as err:
            if condition_failed(err):
                return None
            raise
        return claimed

    def _held(self, job: Job):  # type: ignore[no-untyped-def]
        return (ExportJobItem.status == Status.RUNNING.value) & (ExportJobItem.attempts == job.attempts)

    def progress(self, job: Job, rows_done: int, upload_id: str | None) -> None:
        actions: list[Action] = [ExportJobItem.rows_done.set(rows_done)]
        if upload_id is not None:
            actions.append(ExportJobItem.upload_id.set(upload_id))
        ExportJobItem(*job_key(job.merchant_id, job.id)).update(actions=actions, condition=self._held(job))

    def finish(self, job: Job, rows: int, now: datetime) -> None:
        ExportJobItem(*job_key(job.merchant_id, job.id)).update(
            actions=[
                ExportJobItem.status.set(Status.DONE.value),
                ExportJobItem.rows_done.set(rows),
                ExportJobItem.rows_total.set(rows),
                ExportJobItem.finished_at.set(to_iso(now)),
                ExportJobItem.upload_id.remove(),
                ExportJobItem.lease_until.remove(),
            ],
            condition=self._held(job),
        )

    def fail(self, job: Job, error: str, now: datetime) -> None:
        ExportJobItem(*job_key(job.merchant_id, job.id)).update(
            actions=[
                ExportJobItem.status.set(Status.FAILED.value),
                ExportJobItem.error.set(error),
                ExportJobItem.finished_at.set(to_iso(now)),
            ],
            condition=self._held(job),
        )
