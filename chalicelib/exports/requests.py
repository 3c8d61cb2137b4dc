"""The exports routes' requests: wire models and their parsing into typed values."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

import msgspec
from msgspec import Meta

from chalicelib.core.contract import Model
from chalicelib.core.errors import ValidationError
from chalicelib.exports import domain
from chalicelib.exports.domain import Format
from chalicelib.exports.service import ExportRequest

MAX_LIST = 50
DEFAULT_LIST = 20
Day = Annotated[str, Meta(pattern=r"^\d{4}-\d{2}-\d{2}$", description="YYYY-MM-DD in the merchant's timezone")]
Kind = Literal["orders", "customers", "reservations", "appointments", "points", "finance"]


class ExportBody(Model):
    kind: Kind
    start: Day = msgspec.field(name="from")
    end: Day = msgspec.field(name="to")
    format: Literal["csv", "xlsx"] = "csv"


class ListQuery(Model):
    limit: Annotated[int, Meta(ge=1, le=MAX_LIST)] = DEFAULT_LIST
    cursor: Annotated[str, Meta(max_length=64, description="`nextCursor` of the previous page")] | None = None


class JobRef(Model):
    id: str
    status: str


class CreatedAnswer(Model):
    job: JobRef


class JobAnswer(Model):
    id: str
    kind: str
    format: str
    status: Literal["queued", "running", "done", "failed"]
    rows_done: int
    created_at: str
    rows_total: int | None = None
    url: str | None = None
    expires_at: str | None = None


class ListAnswer(Model):
    jobs: list[JobAnswer]
    next_cursor: str | None = None


def _day(text: str, name: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError(f"'{name}' is not a date (YYYY-MM-DD).", field=name) from None


def parse_export(body: ExportBody, timezone: str, request_key: str | None) -> ExportRequest:
    """Days in the merchant's timezone -> [start, end) in UTC: `to` is the last day included."""
    first, last = _day(body.start, "from"), _day(body.end, "to")
    if last < first:
        raise ValidationError("'to' is before 'from'.", field="to")
    if (last - first).days >= domain.MAX_RANGE_DAYS:
        raise ValidationError(f"An export covers at most {domain.MAX_RANGE_DAYS} days.", field="to")
    zone = ZoneInfo(timezone)
    start = datetime.combine(first, time(), zone).astimezone(ZoneInfo("UTC"))
    end = datetime.combine(last + timedelta(days=1), time(), zone).astimezone(ZoneInfo("UTC"))
    key = (request_key or "").strip() or None
    if key is not None and len(key) > 128:
        raise ValidationError("Idempotency-Key is longer than 128 characters.", field="Idempotency-Key")
    return ExportRequest(kind=body.kind, start=start, end=end, format=Format(body.format), request_key=key)


class ImportRowError(Model):
    row: int
    field: str | None
    code: str
    message: str


class ImportAnswer(Model):
    imported: int
