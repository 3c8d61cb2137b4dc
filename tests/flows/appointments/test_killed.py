"""A Lambda killed between two writes of a use case that cannot make them one transaction (the
booking and its saga's start, a cancel and its refund, a move and its reminders): the abort is a
BaseException, so no `except Exception` of ours runs, exactly as when the function times out or is
killed. The client's retry or the table stream's backstop completes the work; nothing is duplicated
and no slot or money is lost."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import boto3
import pytest

from chalicelib.appointments import booking, domain, requests, rules
from chalicelib.appointments.adapters import AwsEffects, aws_deps
from chalicelib.core.auth import Principal, Role
from tests.api.appointments.support import CUSTOMER, MONDAY_8AM, book, put
from tests.flows.appointments.test_flow import TABLE, customer, inbox_kinds, reminder_schedules, saga_finished
from tests.flows.appointments.test_wechat_faults import _paid_booking


class Killed(BaseException):
    """The function stops here: no handler of ours runs, no answer goes out."""


def _die(*args: Any, **kwargs: Any) -> None:
    raise Killed


def test_a_booking_killed_before_its_saga_started_gets_it_from_the_retry(world, aws, monkeypatch) -> None:
    deps = aws_deps()
    me = Principal("u-killed-booker", Role.CUSTOMER)
    wanted = requests.BookingRequest(
        "svc-consult", "st-zhang", date(2026, 3, 3), "10:00", rules.customer_info(CUSTOMER), 0
    )
    monkeypatch.setattr(AwsEffects, "start_booking", _die)
    with pytest.raises(Killed):
        booking.book(deps, me, wanted, MONDAY_8AM)
    monkeypatch.undo()
    span = (datetime(2026, 3, 3, tzinfo=UTC), datetime(2026, 3, 4, tzinfo=UTC))
    [stored] = [a for a in TABLE.staff_appointments("st-zhang", *span) if a.user_id == me.user_id]
    assert stored.status == domain.Status.CONFIRMED and reminder_schedules(aws, stored.id) == []

    retried = booking.book(deps, me, wanted, MONDAY_8AM).appointment
    assert retried.id == stored.id
    world.run_until(saga_finished(stored.id))
    assert reminder_schedules(aws, stored.id) == [
        f"appointment_reminder-{stored.id}-24h",
        f"appointment_reminder-{stored.id}-2h",
    ]
    assert booking.book(deps, me, wanted, MONDAY_8AM).appointment.id == stored.id  # a later retry: a no-op
    world.run_until(saga_finished(stored.id))
    assert len([a for a in TABLE.staff_appointments("st-zhang", *span) if a.user_id == me.user_id]) == 1
    assert TABLE.get_appointment(stored.id).reminders_start == stored.start  # type: ignore[union-attr]


def test_a_paid_cancel_killed_after_it_committed_is_refunded_by_the_stream_once(
    world, api_base, client, login, sandbox, monkeypatch
) -> None:
    from chalicelib.payments import models as payments

    me, _ = customer(login)
    appt_id = _paid_booking(world, client, me, sandbox)
    monkeypatch.setattr(AwsEffects, "cancel_reminder", _die)  # the first step after the commit
    with pytest.raises(Killed):
        put(client, f"/api/appointments/{appt_id}/cancel", {"reason": "sick"}, me)
    monkeypatch.undo()
    assert TABLE.get_appointment(appt_id).status == "cancelled"  # type: ignore[union-attr]
    assert payments.get_payment(appt_id).status == "SUCCESS"  # type: ignore[union-attr]
    again = put(client, f"/api/appointments/{appt_id}/cancel", {"reason": "sick"}, me)
    assert again.status_code == 409 and again.json_body["error"]["code"] == "INVALID_STATUS"  # a clear answer

    world.deliver_stream_records()
    assert payments.get_payment(appt_id).status == "REFUND"  # type: ignore[union-attr]
    world.deliver_stream_records()
    world.drain_queues()
    assert sandbox.pay.orders[appt_id].refunds.keys() == {f"{appt_id}R0"}
    assert TABLE.claimed_units("st-zhang", datetime(2026, 3, 3, tzinfo=UTC), datetime(2026, 3, 4, tzinfo=UTC)) == {}
    # The reminders it did not get to delete find the booking cancelled and send nothing.
    world.clock.set(datetime(2026, 3, 2, 2, 0, tzinfo=UTC))
    world.tick()
    world.drain_queues()
    assert "appointment_reminder" not in inbox_kinds(client, me)


def test_a_move_killed_before_its_reminders_gets_them_from_the_retry(world, aws, client, login, monkeypatch) -> None:
    me, _ = customer(login)
    appt_id = book(client, me).json_body["appointment"]["id"]  # Tuesday 10:00
    world.run_until(saga_finished(appt_id))
    target = {"date": "2026-03-04", "timeSlot": "15:00"}
    monkeypatch.setattr(AwsEffects, "cancel_reminder", _die)
    with pytest.raises(Killed):
        put(client, f"/api/appointments/{appt_id}/reschedule", target, me)
    monkeypatch.undo()
    moved = TABLE.get_appointment(appt_id)
    assert moved is not None and moved.start == datetime(2026, 3, 4, 7, 0, tzinfo=UTC)
    assert moved.reminders_start is None  # the move committed; its reminders are not scheduled

    retried = put(client, f"/api/appointments/{appt_id}/reschedule", target, me)
    assert retried.status_code == 200, retried.json_body
    names = reminder_schedules(aws, appt_id)
    assert names == [f"appointment_reminder-{appt_id}-24h", f"appointment_reminder-{appt_id}-2h"]
    scheduler = boto3.client("scheduler")
    for name in names:  # each replaced by the one for the new start: no stale reminder left behind
        target_input = scheduler.get_schedule(Name=name, GroupName=aws.scheduler_group)["Target"]["Input"]
        assert json.loads(target_input)["payload"]["start"] == "2026-03-04T07:00:00Z"
    assert TABLE.get_appointment(appt_id).reminders_start == moved.start  # type: ignore[union-attr]
    assert set(TABLE.claimed_units("st-zhang", datetime(2026, 3, 3, tzinfo=UTC), datetime(2026, 3, 5, tzinfo=UTC))) == {
        datetime(2026, 3, 4, 7, 0, tzinfo=UTC),
        datetime(2026, 3, 4, 7, 15, tzinfo=UTC),
    }
