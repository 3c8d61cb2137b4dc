"""Export use cases on in-memory ports: idempotent requests, one file however often a job runs,
a crashed attempt restarted after its lease, a job never shown running forever."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.exports import domain, service, views
from chalicelib.exports.domain import Format, Status
from chalicelib.exports.service import ExportRequest, KindUnavailable
from tests.fakes.exports import FakeExports

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
COLUMNS = ("id", "name")


def request(kind: str = "points", key: str | None = None, fmt: Format = Format.CSV) -> ExportRequest:
    return ExportRequest(kind, NOW - timedelta(days=1), NOW, fmt, key)


def fake(rows: int = 3) -> FakeExports:
    exports = FakeExports()
    exports.add_kind("points", COLUMNS, [{"id": i, "name": f"n{i}", "merchant": "m1"} for i in range(rows)])
    return exports


def read_csv(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def test_unknown_kind_is_unavailable() -> None:
    with pytest.raises(KindUnavailable) as raised:
        service.request_export(fake().ports(), "m1", request("orders"), NOW)
    assert raised.value.code == "EXPORT_KIND_UNAVAILABLE" and raised.value.status == 400


def test_same_request_key_same_job() -> None:
    exports = fake()
    first = service.request_export(exports.ports(), "m1", request(key="k"), NOW)
    again = service.request_export(exports.ports(), "m1", request(key="k"), NOW + timedelta(seconds=1))
    other_merchant = service.request_export(exports.ports(), "m2", request(key="k"), NOW)
    assert again == first and other_merchant.id != first.id
    assert len(exports.jobs.jobs) == 2


def test_run_writes_one_file_and_a_second_delivery_does_nothing() -> None:
    exports = fake(rows=3)
    job = service.request_export(exports.ports(), "m1", request(), NOW)
    done = service.run_job(exports.ports(), "m1", job.id, NOW)
    assert done is not None
    assert service.run_job(exports.ports(), "m1", job.id, NOW) is None
    stored = exports.jobs.get("m1", job.id)
    assert stored is not None and stored.status is Status.DONE and stored.rows_total == 3
    assert list(exports.files.objects) == [job.object_key]
    assert [r["name"] for r in read_csv(exports.files.objects[job.object_key])] == ["n0", "n1", "n2"]
    view = views.job_view(stored, NOW, exports.files)
    assert view["url"].startswith("https://") and view["status"] == "done"
    # After the bucket's lifecycle deleted the file, no link is offered.
    assert "url" not in views.job_view(stored, NOW + timedelta(days=domain.FILE_DAYS + 1), exports.files)


def crashing(after: int) -> Iterator[dict[str, object]]:
    for i in range(after):
        yield {"id": i, "name": f"n{i}"}
    raise ConnectionError("worker killed")


def test_crashed_attempt_is_restarted_after_its_lease_into_the_same_single_file() -> None:
    exports = fake(rows=2)
    job = service.request_export(exports.ports(), "m1", request(), NOW)
    good = exports.kinds["points"]
    exports.kinds["points"] = (COLUMNS, lambda m, s, e: crashing(after=1))
    with pytest.raises(ConnectionError):
        service.run_job(exports.ports(), "m1", job.id, NOW)
    running = exports.jobs.get("m1", job.id)
    assert running is not None and running.status is Status.RUNNING and exports.files.objects == {}
    # Another delivery inside the lease (a duplicate message) leaves it to the holder.
    assert service.run_job(exports.ports(), "m1", job.id, NOW + timedelta(seconds=10)) is None
    exports.kinds["points"] = good
    later = NOW + timedelta(seconds=domain.LEASE_SECONDS + 1)
    assert service.run_job(exports.ports(), "m1", job.id, later) is not None
    assert list(exports.files.objects) == [job.object_key] and exports.files.open == {}
    assert len(read_csv(exports.files.objects[job.object_key])) == 2


def test_a_killed_last_attempt_shows_failed_not_running_forever() -> None:
    exports = fake()
    job = service.request_export(exports.ports(), "m1", request(), NOW)
    exports.kinds["points"] = (COLUMNS, lambda m, s, e: crashing(after=0))
    now = NOW
    for _ in range(domain.MAX_ATTEMPTS):
        with pytest.raises(ConnectionError):
            service.run_job(exports.ports(), "m1", job.id, now)
        now += timedelta(seconds=domain.LEASE_SECONDS + 1)
    stored = exports.jobs.get("m1", job.id)
    assert stored is not None and stored.status is Status.FAILED  # the last attempt recorded it


def test_a_job_whose_last_worker_vanished_is_shown_failed() -> None:
    job = domain.Job(
        "x1",
        "m1",
        "points",
        Format.CSV,
        "a",
        "b",
        Status.RUNNING,
        "c",
        attempts=domain.MAX_ATTEMPTS,
        lease_until="2026-12-01T08:00:00Z",
    )
    assert domain.shown_status(job, NOW - timedelta(seconds=1)) is Status.RUNNING
    assert domain.shown_status(job, NOW + timedelta(seconds=1)) is Status.FAILED
    assert not domain.claimable(domain.Job("x", "m", "k", Format.CSV, "a", "b", Status.DONE, "c"), NOW)


def test_recent_newest_first_with_cursor() -> None:
    exports = fake()
    ids = [service.request_export(exports.ports(), "m1", request(), NOW + timedelta(seconds=i)).id for i in range(3)]
    page = exports.jobs.recent("m1", 2, None)
    assert [j.id for j in page] == [ids[2], ids[1]]
    assert [j.id for j in exports.jobs.recent("m1", 2, page[-1].id)] == [ids[0]]
