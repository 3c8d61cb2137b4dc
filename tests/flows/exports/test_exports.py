"""Download center on moto server: a job asked through the API, run by the exports worker from its
queue (event runner), the file read back from S3 through the presigned link (CSV and xlsx); the
bucket's lifecycle; isolation between merchants; idempotency; a redelivered or crashed job."""

from __future__ import annotations

import csv
import io
import urllib.request
import uuid
from typing import Any

import boto3
import pytest

from chalicelib.core.clock import ManualClock, clock, to_iso
from chalicelib.exports.area import EXPORTS_BUCKET
from chalicelib.loyalty import models
from chalicelib.loyalty.domain import LedgerEntry, Member
from devstack.demo_data import MERCHANT_2_ID, MERCHANT_ID
from devstack.event_runner import EventRunner
from devstack.stack import REGION
from tests.conftest import post_json

LOYALTY = models.LoyaltyTable()
DAY = "2026-11-20"  # in Asia/Shanghai: 2026-11-19T16:00Z .. 2026-11-20T16:00Z
INSIDE = "2026-11-20T03:00:00Z"
OUTSIDE = "2026-11-21T03:00:00Z"


@pytest.fixture
def runner(seeded: Any) -> EventRunner:
    from app import app

    return EventRunner(app, ManualClock(clock().now()), [seeded.scheduler_group], REGION)


def member(user_id: str, merchant_id: str, since: str, points: int = 0) -> None:
    LOYALTY.enroll(
        Member(
            user_id=user_id,
            merchant_id=merchant_id,
            points=0,
            lifetime_points=0,
            earned={},
            card_number=f"C-{user_id}",
            member_since=since,
        )
    )
    if points:
        entry = LedgerEntry(
            transaction_id=f"t-{user_id}",
            kind="earn",
            points=points,
            description="购物积分",
            occurred_at=since,
            created_at=since,
            amount=points * 100,
            store_id="s-x",
        )
        assert LOYALTY.credit(user_id, merchant_id, entry, since[:7])


def code(user: str) -> str:
    """A fresh WeChat login code of a demo user (each code works once)."""
    return f"{user}#{uuid.uuid4().hex}"


def ask(client: Any, headers: dict[str, str], kind: str, fmt: str = "csv", key: str | None = None) -> Any:
    extra = {"Idempotency-Key": key} if key else {}
    return post_json(
        client, "/api/merchant/exports", {"kind": kind, "from": DAY, "to": DAY, "format": fmt}, {**headers, **extra}
    )


def job(client: Any, headers: dict[str, str], job_id: str) -> dict[str, Any]:
    response = client.http.get(f"/api/merchant/exports/{job_id}", headers=headers)
    assert response.status_code == 200, response.json_body
    body: dict[str, Any] = response.json_body
    return body


def download(url: str) -> bytes:
    with urllib.request.urlopen(url) as response:
        data: bytes = response.read()
    return data


def test_points_csv_of_the_callers_merchant_only(seeded, client, login, runner) -> None:
    member("u-a", MERCHANT_ID, INSIDE, points=120)
    member("u-b", MERCHANT_ID, OUTSIDE, points=30)  # the next day: not in the range
    member("u-other", MERCHANT_2_ID, INSIDE, points=999)  # the other merchant, same day
    admin = login(code("demo-admin"))

    created = ask(client, admin, "points")
    assert created.status_code == 202, created.json_body
    job_id = created.json_body["job"]["id"]
    assert created.json_body["job"]["status"] == "queued"
    assert job(client, admin, job_id)["status"] == "queued"

    runner.drain_queues()
    done = job(client, admin, job_id)
    assert done["status"] == "done" and done["rowsDone"] == done["rowsTotal"] == 1
    assert done["url"] and done["expiresAt"] > to_iso(clock().now())
    text = download(done["url"]).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["userId"], r["points"], r["description"]) for r in rows] == [("u-a", "120", "购物积分")]

    # The other merchant's admin cannot see the job, and its own export holds only its own rows.
    other = login(code("demo-admin-2"))
    assert client.http.get(f"/api/merchant/exports/{job_id}", headers=other).status_code == 404
    mine = ask(client, other, "points").json_body["job"]["id"]
    runner.drain_queues()
    rows = list(csv.DictReader(io.StringIO(download(job(client, other, mine)["url"]).decode("utf-8-sig"))))
    assert [r["userId"] for r in rows] == ["u-other"]
    listed = client.http.get("/api/merchant/exports", headers=other).json_body["jobs"]
    assert [j["id"] for j in listed] == [mine]


def test_customers_xlsx(seeded, client, login, runner) -> None:
    import openpyxl

    member("u-1", MERCHANT_ID, INSIDE)
    member("u-2", MERCHANT_ID, "2026-11-20T09:00:00Z")
    admin = login(code("demo-admin"))
    job_id = ask(client, admin, "customers", "xlsx").json_body["job"]["id"]
    runner.drain_queues()
    done = job(client, admin, job_id)
    assert done["status"] == "done" and done["rowsTotal"] == 2
    sheet = openpyxl.load_workbook(io.BytesIO(download(done["url"])), read_only=True).active
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[0] == ["userId", "cardNumber", "points", "lifetimePoints", "memberSince"]
    assert [v[0] for v in values[1:]] == ["u-1", "u-2"]


def test_idempotency_key_returns_the_same_job(seeded, client, login, runner) -> None:
    admin = login(code("demo-admin"))
    first = ask(client, admin, "points", key="k-1").json_body["job"]["id"]
    again = ask(client, admin, "points", key="k-1").json_body["job"]["id"]
    other = ask(client, admin, "points", key="k-2").json_body["job"]["id"]
    assert first == again != other
    runner.drain_queues()
    listed = client.http.get("/api/merchant/exports", headers=admin).json_body["jobs"]
    assert sorted(j["id"] for j in listed) == sorted([first, other])
    assert all(j["status"] == "done" for j in listed)
    objects = boto3.client("s3").list_objects_v2(Bucket=seeded.bucket_names[EXPORTS_BUCKET.env_name])
    assert sorted(o["Key"] for o in objects["Contents"]) == sorted(f"{MERCHANT_ID}/{j}.csv" for j in (first, other))


def test_orders_unavailable_and_roles(seeded, client, login) -> None:
    admin = login(code("demo-admin"))
    refused = ask(client, admin, "orders")
    assert refused.status_code == 400 and refused.json_body["error"]["code"] == "EXPORT_KIND_UNAVAILABLE"
    assert ask(client, login(code("demo-staff")), "points").status_code == 403
    assert ask(client, login(), "points").status_code == 403
    bad = post_json(client, "/api/merchant/exports", {"kind": "points", "from": DAY, "to": "2026-11-01"}, admin)
    assert bad.status_code == 400


def test_bucket_is_private_encrypted_and_expires_files(seeded) -> None:
    s3 = boto3.client("s3")
    name = seeded.bucket_names[EXPORTS_BUCKET.env_name]
    rules = s3.get_bucket_lifecycle_configuration(Bucket=name)["Rules"]
    assert rules[0]["Expiration"]["Days"] == EXPORTS_BUCKET.expire_days and rules[0]["Status"] == "Enabled"
    assert s3.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"]["BlockPublicPolicy"]
    encryption = s3.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"]
    assert encryption["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"


def _csv_rows(client: Any, headers: dict[str, str], runner: EventRunner, kind: str) -> list[dict[str, str]]:
    job_id = ask(client, headers, kind).json_body["job"]["id"]
    runner.drain_queues()
    done = job(client, headers, job_id)
    assert done["status"] == "done", done
    return list(csv.DictReader(io.StringIO(download(done["url"]).decode("utf-8-sig"))))


def test_reservations_appointments_finance_kinds(seeded, client, login, runner) -> None:
    """Each area's rows, written as the area writes them, for the caller's merchant and day only."""
    from datetime import timedelta

    from chalicelib.appointments.domain import Appointment
    from chalicelib.appointments.items import appointment_item
    from chalicelib.core.clock import from_iso
    from chalicelib.payments import models as payments
    from chalicelib.reservations import models as reservations
    from chalicelib.reservations.domain import Reservation, ReservationStatus

    for merchant, rid, when in (
        (MERCHANT_ID, "r-in", INSIDE),
        (MERCHANT_ID, "r-late", OUTSIDE),
        (MERCHANT_2_ID, "r-other", INSIDE),
    ):
        reservation = Reservation(
            rid, merchant, "s-x", "p1", "p1", "牛奶", "u-1", 2, ReservationStatus.OPEN, "1234", when, when, when
        )
        reservations._items(reservation, ttl=2_000_000_000)[0].save()
        start = from_iso(when) + timedelta(days=3)
        appointment_item(
            Appointment(
                id=f"a-{rid}",
                status="confirmed",  # type: ignore[arg-type]
                user_id="u-1",
                store_id="s-x",
                merchant_id=merchant,
                staff_id="st-1",
                staff_name="张顾问",
                service_id="svc",
                service_name="剪发",
                duration=30,
                buffer=0,
                start=start,
                end=start + timedelta(minutes=30),
                total_amount=8800,
                out_trade_no=None,
                customer={"name": "张三", "phone": "13800138000"},
                created_at=from_iso(when),
                updated_at=from_iso(when),
            )
        ).save()
        for suffix, paid in (("paid", True), ("open", False)):
            out_trade_no = f"o-{rid}-{suffix}"
            payments.open_payment(
                out_trade_no, 8800, "appointment", f"a-{rid}", merchant, "wxapp", "mch", "u-1", "openid", from_iso(when)
            )
            if paid:
                payments.mark_paid(out_trade_no, f"wx-{rid}", from_iso(when))

    admin = login(code("demo-admin"))
    assert [r["reservationId"] for r in _csv_rows(client, admin, runner, "reservations")] == ["r-in"]
    appointments = _csv_rows(client, admin, runner, "appointments")
    assert [(r["appointmentId"], r["customerName"], r["totalAmount"]) for r in appointments] == [
        ("a-r-in", "张三", "8800")
    ]
    finance = _csv_rows(client, admin, runner, "finance")
    assert [(r["outTradeNo"], r["status"], r["amount"]) for r in finance] == [("o-r-in-paid", "paid", "8800")]
    other = login(code("demo-admin-2"))
    assert [r["reservationId"] for r in _csv_rows(client, other, runner, "reservations")] == ["r-other"]
    assert [r["outTradeNo"] for r in _csv_rows(client, other, runner, "finance")] == ["o-r-other-paid"]


def test_crashed_worker_restarts_into_one_file_and_no_open_upload(seeded, client, login, runner) -> None:
    """A worker dies mid-file (its multipart upload left open); the redelivery after the lease aborts
    that upload and writes the job's one object again."""
    from dataclasses import replace
    from datetime import timedelta

    from chalicelib.core.clock import use_clock
    from chalicelib.exports import domain, service
    from chalicelib.exports.adapters import live_ports

    member("u-a", MERCHANT_ID, INSIDE, points=5)
    admin = login(code("demo-admin"))
    job_id = ask(client, admin, "points").json_body["job"]["id"]

    def dies(merchant_id: str, start: str, end: str) -> Any:
        yield {"userId": "partial"}
        raise ConnectionError("killed")

    live = live_ports()
    with pytest.raises(ConnectionError):
        service.run_job(replace(live, kind=lambda name: (("userId",), dies)), MERCHANT_ID, job_id, clock().now())
    bucket = seeded.bucket_names[EXPORTS_BUCKET.env_name]
    s3 = boto3.client("s3")
    assert job(client, admin, job_id)["status"] == "running"
    # The killed worker could not abort its upload (here: its abort is undone by starting one anew).
    leftover = s3.create_multipart_upload(Bucket=bucket, Key=f"{MERCHANT_ID}/{job_id}.csv")["UploadId"]
    from chalicelib.exports.models import ExportJobItem, job_key

    ExportJobItem(*job_key(MERCHANT_ID, job_id)).update(actions=[ExportJobItem.upload_id.set(leftover)])

    runner.drain_queues()  # the queued message, inside the lease: nothing to do
    assert job(client, admin, job_id)["status"] == "running"
    later = ManualClock(clock().now() + timedelta(seconds=domain.LEASE_SECONDS + 1))
    previous = use_clock(later)
    try:
        service.run_job(live_ports(), MERCHANT_ID, job_id, later.now())  # the redelivery
        done = job(client, admin, job_id)
    finally:
        use_clock(previous)
    assert done["status"] == "done" and done["rowsTotal"] == 1
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == [f"{MERCHANT_ID}/{job_id}.csv"]
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
