"""Appointments end to end on moto server: concurrent claims, the booking saga's reminders through
EventBridge Scheduler and the event runner (never for cancelled or moved bookings), the saga's
compensation, and cancel with a WeChat Pay refund."""

from __future__ import annotations

import itertools
import json
import os
import threading
import urllib.request
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3
import pytest

from chalicelib.appointments import booking, changes, domain, requests, rules
from chalicelib.appointments.adapters import AwsEffects, StorePlaces, aws_deps
from chalicelib.appointments.ports import Deps
from chalicelib.appointments.repo import TableRepository
from chalicelib.core.auth import Principal, Role
from chalicelib.core.errors import Conflict
from chalicelib.core.resources import TIMERS_QUEUE
from chalicelib.payments.api import CLOSED_UNPAID, NO_PAYMENT, REFUNDED, Settlement
from tests.api.appointments.support import (
    CUSTOMER,
    MONDAY_8AM,
    TUESDAY,
    book,
    put,
)
from tests.conftest import post_json

TABLE = TableRepository()


def saga_finished(appointment_id: str) -> Callable[[], bool]:
    from chalicelib.appointments.saga import execution_arn

    arn = execution_arn(os.environ["BOOKING_STATE_MACHINE_ARN"], appointment_id)

    def check() -> bool:
        status = boto3.client("stepfunctions").describe_execution(executionArn=arn)["status"]
        assert status in ("RUNNING", "SUCCEEDED"), status
        return bool(status == "SUCCEEDED")

    return check


def reminder_schedules(aws: Any, appointment_id: str) -> list[str]:
    names = [s["Name"] for s in boto3.client("scheduler").list_schedules(GroupName=aws.scheduler_group)["Schedules"]]
    return sorted(n for n in names if appointment_id in n)


def inbox_kinds(client: Any, headers: dict[str, str]) -> list[str]:
    return sorted(n["kind"] for n in client.http.get("/api/notifications", headers=headers).json_body["notifications"])


def customer(login: Any) -> tuple[dict[str, str], str]:
    """A logged-in customer and the openid the sandbox knows them by."""
    code = f"flow-{uuid.uuid4().hex[:12]}"
    return login(code), f"openid-{code}"


# --- concurrency ------------------------------------------------------------------------------
def principal(n: int) -> Principal:
    return Principal(f"u-race-{n}", Role.CUSTOMER)


def _race(bookings: list[requests.BookingRequest]) -> list[str]:
    deps = aws_deps()
    barrier = threading.Barrier(len(bookings))

    def attempt(n: int) -> str:
        barrier.wait()
        try:
            booking.book(deps, principal(n), bookings[n], MONDAY_8AM)
            return "ok"
        except Conflict as err:
            return err.code

    with ThreadPoolExecutor(max_workers=len(bookings)) as pool:
        return list(pool.map(attempt, range(len(bookings))))


def request(service_id: str, time_slot: str, amount: int = 0) -> requests.BookingRequest:
    return requests.BookingRequest(
        service_id, "st-zhang", date(2026, 3, 3), time_slot, rules.customer_info(CUSTOMER), amount
    )


@pytest.mark.parametrize("trial", range(2))
def test_20_concurrent_bookings_of_one_slot_one_wins(world, trial: int) -> None:
    outcomes = _race([request("svc-consult", "10:00") for _ in range(20)])
    assert outcomes.count("ok") == 1, outcomes
    assert outcomes.count("SLOT_TAKEN") == 19
    day_start, day_end = datetime(2026, 3, 3, 0, 0, tzinfo=UTC), datetime(2026, 3, 3, 12, 0, tzinfo=UTC)
    assert len(TABLE.staff_appointments("st-zhang", day_start, day_end)) == 1
    owners = {owner for owner, _ in TABLE.claimed_units("st-zhang", day_start, day_end).values()}
    assert len(owners) == 1


def test_concurrent_bookings_of_different_overlapping_durations(world) -> None:
    # 60 min massage at 10:00 (+15 buffer), 30 min consults at 10:30 and 11:00, 45 min haircut at 09:30:
    # every pair overlaps the massage, so at most the massage or a set of mutually disjoint others wins.
    mixed = (
        [request("svc-massage", "10:00", 19800) for _ in range(6)]
        + [request("svc-consult", "10:30") for _ in range(6)]
        + [request("svc-haircut", "09:30", 8800) for _ in range(6)]
    )
    _race(mixed)
    day_start, day_end = datetime(2026, 3, 3, 0, 0, tzinfo=UTC), datetime(2026, 3, 3, 12, 0, tzinfo=UTC)
    kept = TABLE.staff_appointments("st-zhang", day_start, day_end)
    assert 1 <= len(kept) <= 2
    spans = sorted((a.start, a.end + timedelta(minutes=a.buffer)) for a in kept)
    for (_, first_end), (second_start, _) in itertools.pairwise(spans):
        assert first_end <= second_start  # never two overlapping appointments for one staff member


def _open_count(user_id: str) -> int:
    from chalicelib.appointments.items import OpenBookingsItem, open_bookings_key
    from devstack import demo_data

    return int(OpenBookingsItem.get(*open_bookings_key(user_id, demo_data.MERCHANT_ID), consistent_read=True).open)


@pytest.mark.parametrize("trial", range(2))
def test_one_customers_concurrent_bookings_never_exceed_the_cap(world, trial: int) -> None:
    """12 threads of one customer, each for a different free slot: DynamoDB's conditional counter
    lets exactly the cap (3) through, whatever the interleaving; every way out of "open" gives a place
    back exactly once, so the count never drifts."""
    deps = aws_deps()
    me = Principal(f"u-greedy-{trial}", Role.CUSTOMER)
    days, slots = (3, 4, 5), ("09:00", "10:00", "11:00", "14:00")
    wanted = [
        requests.BookingRequest("svc-consult", "st-zhang", date(2026, 3, d), s, rules.customer_info(CUSTOMER), 0)
        for d in days
        for s in slots
    ]
    barrier = threading.Barrier(len(wanted))

    def attempt(want: requests.BookingRequest) -> str:
        barrier.wait()
        try:
            return booking.book(deps, me, want, MONDAY_8AM).appointment.id
        except Conflict as err:
            return err.code

    with ThreadPoolExecutor(max_workers=len(wanted)) as pool:
        outcomes = list(pool.map(attempt, wanted))
    made = [o for o in outcomes if o.startswith("apt")]
    assert len(made) == 3 and outcomes.count("TOO_MANY_OPEN_BOOKINGS") == 9, outcomes
    assert _open_count(me.user_id) == 3
    span = (datetime(2026, 3, 3, tzinfo=UTC), datetime(2026, 3, 6, tzinfo=UTC))
    assert sorted(a.id for a in TABLE.staff_appointments("st-zhang", *span) if a.user_id == me.user_id) == sorted(made)
    assert {owner for owner, _ in TABLE.claimed_units("st-zhang", *span).values()} >= set(made)
    # Cancelled twice at once (one wins), then the others: back to zero, never below.
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda _: _cancel_quietly(deps, me, made[0]), range(2)))
    assert _open_count(me.user_id) == 2
    for appt_id in made[1:]:
        changes.cancel(deps, me, appt_id, "", MONDAY_8AM)
    assert _open_count(me.user_id) == 0
    again = booking.book(deps, me, wanted[0], MONDAY_8AM).appointment
    assert again.status == domain.Status.CONFIRMED
    for appt_id in [*made, again.id]:  # no saga of this test may publish into the next one's queues
        world.run_until(saga_finished(appt_id))


def _cancel_quietly(deps: Deps, me: Principal, appointment_id: str) -> str:
    try:
        return changes.cancel(deps, me, appointment_id, "", MONDAY_8AM).appointment.status
    except Conflict as err:
        return err.code


# --- reminders --------------------------------------------------------------------------------
def test_reminders_are_delivered_on_every_channel_when_due(world, aws, client, login, sandbox) -> None:
    runner = world
    me, openid = customer(login)
    appt_id = book(client, me).json_body["appointment"]["id"]  # Tuesday 10:00, free
    runner.run_until(saga_finished(appt_id))
    assert reminder_schedules(aws, appt_id) == [
        f"appointment_reminder-{appt_id}-24h",
        f"appointment_reminder-{appt_id}-2h",
    ]
    runner.drain_queues()
    assert inbox_kinds(client, me) == ["appointment_confirmed"]

    runner.clock.set(datetime(2026, 3, 2, 1, 59, tzinfo=UTC))  # Monday 09:59: not due yet
    runner.tick()
    assert inbox_kinds(client, me) == ["appointment_confirmed"]
    runner.clock.set(datetime(2026, 3, 2, 2, 0, tzinfo=UTC))  # 24 h before
    runner.tick()
    runner.drain_queues()
    assert inbox_kinds(client, me) == ["appointment_confirmed", "appointment_reminder"]
    sent = sandbox.messages.messages(openid)
    assert [m["template_id"] for m in sent] == ["tmpl-appointment_confirmed", "tmpl-appointment_reminder"]
    assert sent[1]["data"]["time2"]["value"] == f"{TUESDAY} 10:00"
    emails = json.loads(urllib.request.urlopen(f"{os.environ['AWS_ENDPOINT_URL']}/moto-api/data.json").read())
    mail = [(m["subject"], m["destinations"]["ToAddresses"]) for m in emails["ses"]["Message"]]
    assert mail == [("预约成功", [CUSTOMER["email"]]), ("预约提醒", [CUSTOMER["email"]])]
    # Each channel was claimed (so sent exactly once) for the reminder, SMS through SNS included.
    from chalicelib.notifications.models import DeliveredMarker

    note_id = f"appt-reminder-{appt_id}-24h-2026-03-03T02:00:00Z"
    claimed = {m.sk for m in DeliveredMarker.query(f"NOTIFICATION#{note_id}")}
    assert claimed == {"MARKER", "CHANNEL#wechat", "CHANNEL#sms", "CHANNEL#email"}

    runner.clock.set(datetime(2026, 3, 3, 0, 0, tzinfo=UTC))  # 2 h before
    runner.tick()
    runner.drain_queues()
    assert inbox_kinds(client, me) == ["appointment_confirmed", "appointment_reminder", "appointment_reminder"]
    assert reminder_schedules(aws, appt_id) == []  # one-time schedules delete themselves


def _stale_reminder(appt_id: str, name: str, start: str) -> None:
    """A schedule that fires after its booking moved on (deleted too late, or delivered twice)."""
    body = {
        "kind": "appointment_reminder",
        "key": f"{appt_id}-{name}",
        "payload": {"appointmentId": appt_id, "name": name, "start": start},
    }
    boto3.client("sqs").send_message(
        QueueUrl=os.environ[f"{TIMERS_QUEUE.suffix.upper()}_QUEUE_URL"], MessageBody=json.dumps(body)
    )


def test_no_reminder_for_a_cancelled_booking(world, aws, client, login, sandbox) -> None:
    runner = world
    me, openid = customer(login)
    appt_id = book(client, me).json_body["appointment"]["id"]
    runner.run_until(saga_finished(appt_id))
    assert len(reminder_schedules(aws, appt_id)) == 2
    assert put(client, f"/api/appointments/{appt_id}/cancel", {"reason": "plans changed"}, me).status_code == 200
    assert reminder_schedules(aws, appt_id) == []
    _stale_reminder(appt_id, "24h", "2026-03-03T02:00:00Z")
    for moment in (datetime(2026, 3, 2, 2, 0, tzinfo=UTC), datetime(2026, 3, 3, 0, 0, tzinfo=UTC)):
        runner.clock.set(moment)
        runner.tick()
        runner.drain_queues()
    assert inbox_kinds(client, me) == ["appointment_cancelled", "appointment_confirmed"]
    assert "tmpl-appointment_reminder" not in [m["template_id"] for m in sandbox.messages.messages(openid)]


def test_moved_booking_is_reminded_at_its_new_time_only(world, aws, client, login) -> None:
    runner = world
    me, _ = customer(login)
    appt_id = book(client, me).json_body["appointment"]["id"]  # Tuesday 10:00
    runner.run_until(saga_finished(appt_id))
    moved = put(client, f"/api/appointments/{appt_id}/reschedule", {"date": "2026-03-04", "timeSlot": "15:00"}, me)
    assert moved.status_code == 200, moved.json_body
    assert len(reminder_schedules(aws, appt_id)) == 2
    _stale_reminder(appt_id, "24h", "2026-03-03T02:00:00Z")  # the old booking's 24 h reminder
    runner.clock.set(datetime(2026, 3, 2, 2, 0, tzinfo=UTC))  # the old 24 h mark
    runner.tick()
    runner.drain_queues()
    assert "appointment_reminder" not in inbox_kinds(client, me)
    runner.clock.set(datetime(2026, 3, 3, 7, 0, tzinfo=UTC))  # Tuesday 15:00 = the new 24 h mark
    runner.tick()
    runner.drain_queues()
    notes = client.http.get("/api/notifications", headers=me).json_body["notifications"]
    reminders = [n for n in notes if n["kind"] == "appointment_reminder"]
    assert len(reminders) == 1 and reminders[0]["data"]["date"] == "2026-03-04"
    assert reminders[0]["data"]["timeSlot"] == "15:00"


def test_cancel_racing_a_reschedule_releases_the_slot_the_booking_moved_to(world, client, login, monkeypatch) -> None:
    me, _ = customer(login)
    appt_id = book(client, me).json_body["appointment"]["id"]  # Tuesday 10:00, confirmed
    stale = TABLE.get_appointment(appt_id)
    assert stale is not None
    moved = put(client, f"/api/appointments/{appt_id}/reschedule", {"date": "2026-03-04", "timeSlot": "15:00"}, me)
    assert moved.status_code == 200, moved.json_body

    class ReadJustBeforeTheReschedule(TableRepository):
        """The cancel read the booking just before the reschedule committed, and writes just after it."""

        reads = iter([stale])

        def get_appointment(self, appointment_id: str) -> domain.Appointment | None:
            return next(self.reads, None) or super().get_appointment(appointment_id)

    owner = Principal(stale.user_id, Role.CUSTOMER)
    deps = Deps(ReadJustBeforeTheReschedule(), RecordingPayments(None), StorePlaces())
    cancelled = changes.cancel(deps, owner, appt_id, "plans changed", world.clock.now()).appointment
    assert cancelled.status == domain.Status.CANCELLED and cancelled.start == datetime(2026, 3, 4, 7, 0, tzinfo=UTC)
    wednesday_15 = datetime(2026, 3, 4, 7, 0, tzinfo=UTC)
    assert TABLE.claimed_units("st-zhang", wednesday_15, wednesday_15 + timedelta(hours=1)) == {}
    assert book(client, login(), date="2026-03-04", timeSlot="15:00").status_code == 200  # the slot is bookable


# --- compensation -----------------------------------------------------------------------------
class RecordingPayments(AwsEffects):
    """Real table, timers and queue; payments recorded instead of called (the payments tests cover
    settling): a payment in `status` is closed if open, refunded if paid."""

    def __init__(self, status: str | None) -> None:
        self.status = status
        self.calls: list[tuple[str, ...]] = []

    def settle_payment(self, out_trade_no: str, out_refund_no: str, amount_fen: int, reason: str) -> Settlement:
        if self.status == "SUCCESS":
            self.calls.append(("refund", out_trade_no, out_refund_no, str(amount_fen)))
            return Settlement(REFUNDED, "PROCESSING")
        if self.status == "NOTPAY":
            self.close_payment(out_trade_no)
            return Settlement(CLOSED_UNPAID)
        return Settlement(NO_PAYMENT)

    def close_payment(self, out_trade_no: str) -> None:
        self.calls.append(("close", out_trade_no))


def recording(effects: RecordingPayments) -> Deps:
    return Deps(TableRepository(), effects, StorePlaces())


def test_payment_failure_expires_releases_and_repeats_harmlessly(world, client, login) -> None:
    me, _ = customer(login)
    appt = book(client, me, serviceId="svc-haircut", totalAmount=8800).json_body["appointment"]
    assert book(client, login(), serviceId="svc-haircut", totalAmount=8800).status_code == 409
    effects = RecordingPayments("NOTPAY")
    now = world.clock.now()
    assert changes.payment_failed(recording(effects), appt["id"], {"outTradeNo": appt["id"]}, now) == "expired"
    assert changes.payment_failed(recording(effects), appt["id"], {"outTradeNo": appt["id"]}, now) == "expired"
    assert effects.calls == [("close", appt["id"]), ("close", appt["id"])]
    assert (
        client.http.get(f"/api/appointments/{appt['id']}", headers=me).json_body["appointment"]["status"] == "expired"
    )
    assert book(client, login(), serviceId="svc-haircut", totalAmount=8800).status_code == 200  # slot free again


class CloseFailsOnce(RecordingPayments):
    def close_payment(self, out_trade_no: str) -> None:
        super().close_payment(out_trade_no)
        if len(self.calls) == 1:
            raise ConnectionError("WeChat Pay unreachable")


def test_expiry_notice_survives_a_compensation_that_failed_after_expiring(world, client, login) -> None:
    from chalicelib.notifications import models as inbox

    me, _ = customer(login)
    me_id = client.http.get("/api/auth/me", headers=me).json_body["userId"]
    appt = book(client, me, serviceId="svc-haircut", totalAmount=8800).json_body["appointment"]
    effects = CloseFailsOnce("NOTPAY")
    with pytest.raises(ConnectionError):  # SQS will redeliver the compensation message
        changes.payment_failed(recording(effects), appt["id"], {"outTradeNo": appt["id"]}, world.clock.now())
    outcome = changes.payment_failed(recording(effects), appt["id"], {"outTradeNo": appt["id"]}, world.clock.now())
    assert outcome == "expired"
    world.drain_queues()
    kinds = [n.kind for n in inbox.inbox(me_id, 20)]
    assert kinds.count("appointment_expired") == 1


def test_compensation_of_a_paid_but_unconfirmed_booking_refunds_it(world, client, login) -> None:
    # The saga's Confirm failed (a throttled updateItem has no Retry) after the customer paid, or the
    # order turned out paid when compensation closed it: the slot goes, so the money must go back.
    me, _ = customer(login)
    appt = book(client, me, serviceId="svc-haircut", totalAmount=8800).json_body["appointment"]
    paid = RecordingPayments("SUCCESS")
    outcome = changes.payment_failed(recording(paid), appt["id"], {"outTradeNo": appt["id"]}, world.clock.now())
    assert outcome == "refunded"
    assert ("refund", appt["id"], f"{appt['id']}R0", "8800") in paid.calls
    detail = client.http.get(f"/api/appointments/{appt['id']}", headers=me).json_body["appointment"]
    assert (detail["status"], detail["refundStatus"]) == ("expired", "PROCESSING")


def test_payment_that_lands_after_a_cancel_is_refunded_once(world, client, login) -> None:
    me, _ = customer(login)
    appt = book(client, me, serviceId="svc-haircut", totalAmount=8800).json_body["appointment"]
    unpaid = RecordingPayments("NOTPAY")
    admin = Principal("ignored", Role.ADMIN, "m-demo")
    changes.cancel(recording(unpaid), admin, appt["id"], "shop closed", world.clock.now())
    assert unpaid.calls == [("close", appt["id"])]
    # The customer's payment raced the cancel: the saga's confirm fails and compensation refunds.
    paid = RecordingPayments("SUCCESS")
    outcome = changes.payment_failed(recording(paid), appt["id"], {"outTradeNo": appt["id"]}, world.clock.now())
    assert outcome == "refunded"
    assert paid.calls == [("refund", appt["id"], f"{appt['id']}R0", "8800")]
    detail = client.http.get(f"/api/appointments/{appt['id']}", headers=me).json_body["appointment"]
    assert (detail["status"], detail["refundStatus"]) == ("cancelled", "PROCESSING")


# --- cancel with a real WeChat Pay refund -----------------------------------------------------
def _post(url: str, body: Any) -> Any:
    data = json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(req, timeout=30) as response:
        return json.loads(response.read() or b"null")


def test_cancel_of_a_paid_booking_refunds_it(world, api_base, client, login, sandbox, local_aws) -> None:
    from chalicelib.payments import models as payments

    runner = world
    me, _ = customer(login)
    appt = book(client, me, serviceId="svc-massage", totalAmount=19800).json_body["appointment"]
    params = post_json(client, "/api/appointments/payment", {"appointmentId": appt["id"], "amount": 19800}, me)
    assert params.status_code == 200, params.json_body
    prepay_id = params.json_body["package"].split("=", 1)[1]
    runner.run_until(lambda: bool(getattr(payments.get_payment(appt["id"]), "task_token", None)))
    paid = _post(f"{sandbox.base_url}/sandbox/pay", {"prepay_id": prepay_id, "result": "SUCCESS"})
    assert paid["trade_state"] == "SUCCESS"

    def confirmed() -> bool:
        return bool(
            client.http.get(f"/api/appointments/{appt['id']}", headers=me).json_body["appointment"]["status"]
            == "confirmed"
        )

    runner.run_until(confirmed)
    local_aws.app.calls.clear()
    cancelled = put(client, f"/api/appointments/{appt['id']}/cancel", {"reason": "Customer cancellation"}, me)
    assert cancelled.status_code == 200, cancelled.json_body
    # session, appointment, store, its merchant (the tenant guard), payment (read once), preferences + the
    # cancel transaction + payment SUCCESS -> REFUND + the booking's refund status
    assert dict(local_aws.app.calls) == {"GetItem": 6, "TransactWriteItems": 1, "UpdateItem": 2}
    assert cancelled.json_body["appointment"]["refundStatus"] in ("PROCESSING", "SUCCESS")
    record = payments.get_payment(appt["id"])
    assert record is not None and record.status == "REFUND"
    # The compensation path (if it ever ran for this booking) reuses the refund number: no second refund.
    again = changes.payment_failed(aws_deps(), appt["id"], {"outTradeNo": appt["id"]}, runner.clock.now())
    assert again == "cancelled"


def test_the_stream_does_not_settle_a_cancel_again_that_refunded_inline(
    world, api_base, client, login, sandbox, local_aws
) -> None:
    """Final review: the table stream's record of a paid cancel settled it a second time (a payment
    GetItem and an UpdateItem of the refund status, and one more stream record). Now it reads the
    booking once and finds the refund the cancel recorded."""
    from chalicelib.payments import models as payments

    runner = world
    me, _ = customer(login)
    appt = book(client, me, serviceId="svc-massage", totalAmount=19800).json_body["appointment"]
    params = post_json(client, "/api/appointments/payment", {"appointmentId": appt["id"], "amount": 19800}, me)
    prepay_id = params.json_body["package"].split("=", 1)[1]
    runner.run_until(lambda: bool(getattr(payments.get_payment(appt["id"]), "task_token", None)))
    assert _post(f"{sandbox.base_url}/sandbox/pay", {"prepay_id": prepay_id, "result": "SUCCESS"})["trade_state"] == (
        "SUCCESS"
    )
    runner.run_until(lambda: getattr(TABLE.get_appointment(appt["id"]), "status", None) == "confirmed")
    runner.deliver_stream_records()
    cancelled = put(client, f"/api/appointments/{appt['id']}/cancel", {"reason": "Customer cancellation"}, me)
    assert cancelled.status_code == 200 and cancelled.json_body["appointment"]["refundStatus"], cancelled.json_body
    local_aws.app.calls.clear()
    assert runner.deliver_stream_records() >= 1
    # The settle handler reads the booking, with the cancel's refund on it, and writes nothing (no
    # payment read, no refund-status UpdateItem); the one transaction is analytics counting the
    # cancel's record (its day counters and applied marker).
    assert dict(local_aws.app.calls) == {"GetItem": 1, "TransactWriteItems": 1}
    assert sandbox.pay.orders[appt["id"]].refunds.keys() == {f"{appt['id']}R0"}


def test_a_refund_that_fails_during_cancel_is_still_made(world, api_base, client, login, sandbox, monkeypatch) -> None:
    from chalicelib.core.errors import UpstreamUnavailable
    from chalicelib.payments import models as payments
    from chalicelib.payments.client import WeChatPayClient

    runner = world
    me, _ = customer(login)
    appt = book(client, me, serviceId="svc-massage", totalAmount=19800).json_body["appointment"]
    params = post_json(client, "/api/appointments/payment", {"appointmentId": appt["id"], "amount": 19800}, me)
    prepay_id = params.json_body["package"].split("=", 1)[1]
    runner.run_until(lambda: bool(getattr(payments.get_payment(appt["id"]), "task_token", None)))
    assert _post(f"{sandbox.base_url}/sandbox/pay", {"prepay_id": prepay_id, "result": "SUCCESS"})["trade_state"] == (
        "SUCCESS"
    )
    runner.run_until(lambda: getattr(TABLE.get_appointment(appt["id"]), "status", None) == "confirmed")
    real_refund = WeChatPayClient.refund
    outage = iter([True])

    def refund_during_outage(self: Any, *args: Any) -> Any:
        if next(outage, False):
            raise UpstreamUnavailable("WeChat Pay is unreachable")
        return real_refund(self, *args)

    monkeypatch.setattr(WeChatPayClient, "refund", refund_during_outage)
    put(client, f"/api/appointments/{appt['id']}/cancel", {"reason": "Customer cancellation"}, me)
    assert getattr(TABLE.get_appointment(appt["id"]), "status", None) == "cancelled"
    # Whatever the first answer was, the customer's money comes back without anyone retrying by hand.
    runner.drain_queues()
    record = payments.get_payment(appt["id"])
    assert record is not None and record.status == "REFUND"
    assert sandbox.pay.orders[appt["id"]].refunds.keys() == {f"{appt['id']}R0"}


def test_a_cancel_whose_refund_queue_and_notice_all_fail_answers_200_and_the_stream_refunds(
    world, api_base, client, login, sandbox, monkeypatch
) -> None:
    """Was a 500 after the cancel committed, with the refund queued nowhere: the table stream's record
    of the cancel settles the payment instead."""
    from chalicelib.appointments.adapters import AwsEffects
    from chalicelib.core.errors import UpstreamUnavailable
    from chalicelib.payments import models as payments
    from chalicelib.payments.client import WeChatPayClient

    runner = world
    me, _ = customer(login)
    appt = book(client, me, serviceId="svc-massage", totalAmount=19800).json_body["appointment"]
    params = post_json(client, "/api/appointments/payment", {"appointmentId": appt["id"], "amount": 19800}, me)
    prepay_id = params.json_body["package"].split("=", 1)[1]
    runner.run_until(lambda: bool(getattr(payments.get_payment(appt["id"]), "task_token", None)))
    assert _post(f"{sandbox.base_url}/sandbox/pay", {"prepay_id": prepay_id, "result": "SUCCESS"})["trade_state"] == (
        "SUCCESS"
    )
    runner.run_until(lambda: getattr(TABLE.get_appointment(appt["id"]), "status", None) == "confirmed")
    runner.deliver_stream_records()  # what the booking's own writes put on the stream so far
    real_refund = WeChatPayClient.refund

    def refund_down(self: Any, *args: Any) -> Any:
        raise UpstreamUnavailable("WeChat Pay is unreachable")

    def queue_down(self: Any, *args: Any) -> None:
        raise ConnectionError("SQS is unreachable")

    monkeypatch.setattr(WeChatPayClient, "refund", refund_down)
    monkeypatch.setattr(AwsEffects, "settle_later", queue_down)
    monkeypatch.setattr(AwsEffects, "publish", queue_down)
    answer = put(client, f"/api/appointments/{appt['id']}/cancel", {"reason": "Customer cancellation"}, me)
    assert answer.status_code == 200, answer.json_body
    assert answer.json_body["appointment"]["status"] == "cancelled"
    assert payments.get_payment(appt["id"]).status == "SUCCESS"  # type: ignore[union-attr]

    monkeypatch.setattr(WeChatPayClient, "refund", real_refund)
    runner.deliver_stream_records()
    record = payments.get_payment(appt["id"])
    assert record is not None and record.status == "REFUND"
    assert sandbox.pay.orders[appt["id"]].refunds.keys() == {f"{appt['id']}R0"}
    runner.deliver_stream_records()  # the refund status write is no cancel: nothing more happens
    assert sandbox.pay.orders[appt["id"]].refunds.keys() == {f"{appt['id']}R0"}


# --- WeChat subscribe messages ----------------------------------------------------------------
def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


def test_wechat_channel_refreshes_a_stale_token_and_skips_refusals(world, client, login, sandbox) -> None:
    from chalicelib.notifications import channels

    me, openid = customer(login)
    uid = client.http.get("/api/auth/me", headers=me).json_body["userId"]
    message = {
        "id": "n-1",
        "user_id": uid,
        "kind": "appointment_reminder",
        "title": "预约提醒",
        "body": "您预约的 营养咨询 将于 2026-03-03 10:00 开始。",
        "data": {"serviceName": "营养咨询", "date": "2026-03-03", "timeSlot": "10:00", "page": "/pages/x"},
    }
    channels.send_wechat(message)
    sandbox.messages.expire_tokens()  # WeChat rotated the token: the sender fetches a new one and retries
    channels.send_wechat(message)
    sent = sandbox.messages.messages(openid)
    assert len(sent) == 2 and sent[0]["page"] == "/pages/x"
    assert sent[0]["data"] == {
        "thing1": {"value": "营养咨询"},
        "time2": {"value": "2026-03-03 10:00"},
        "thing3": {"value": "您预约的 营养咨询 将于 2026-03"},  # WeChat caps thing.DATA at 20 characters
    }
    listed = _get(f"{sandbox.base_url}/sandbox/messages?openid={openid}")["messages"]
    assert [m["msgid"] for m in listed] == [m["msgid"] for m in sent]

    refusing_code = "refuses-" + uuid.uuid4().hex[:8]
    refusing_uid = client.http.get("/api/auth/me", headers=login(refusing_code)).json_body["userId"]
    channels.send_wechat({**message, "user_id": refusing_uid})  # 43101: skipped, not retried forever
    assert sandbox.messages.messages(f"openid-{refusing_code}") == []

    bad_secret = _get(f"{sandbox.base_url}/cgi-bin/token?grant_type=client_credential&appid={sandbox.appid}&secret=x")
    assert bad_secret["errcode"] == 40125
    bad_token = _post(f"{sandbox.base_url}/cgi-bin/message/subscribe/send?access_token=nope", {"touser": openid})
    assert bad_token["errcode"] == 40001
