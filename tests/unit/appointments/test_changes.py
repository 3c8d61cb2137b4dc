"""Cancel, reschedule, complete/no-show and the saga's compensation against in-memory fakes."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from chalicelib.appointments import booking, changes, rules
from chalicelib.appointments.domain import Appointment, Status
from chalicelib.appointments.requests import BookingRequest, RescheduleRequest
from chalicelib.core.auth import Principal, Role
from chalicelib.core.errors import Conflict, Forbidden
from chalicelib.payments.domain import SUCCESS
from tests.fakes.appointments import MERCHANT, MONDAY_8AM, STORE, World, at, hours, world

CUSTOMER = rules.customer_info({"name": "张三", "phone": "13812345678"})
ME = Principal("u-me", Role.CUSTOMER)
STAFF = Principal("u-staff", Role.STAFF, MERCHANT, frozenset({STORE}))


@pytest.fixture
def w() -> World:
    return world()


def book(w: World, day: int = 3, time_slot: str = "10:00", paid: bool = False) -> Appointment:
    service, amount = ("svc-haircut", 8800) if paid else ("svc-consult", 0)
    request = BookingRequest(service, "st-zhang", date(2026, 3, day), time_slot, CUSTOMER, amount)
    w.effects.published.clear()
    appt = booking.book(w.deps, ME, request, MONDAY_8AM).appointment
    w.repo.reads.clear()
    return appt


def test_a_customer_cancels_ahead_of_the_window_and_the_slot_is_free_again(w: World) -> None:
    appt = book(w)
    cancelled = changes.cancel(w.deps, ME, appt.id, "plans changed", MONDAY_8AM)
    assert (cancelled.appointment.status, cancelled.appointment.cancel_reason) == (Status.CANCELLED, "plans changed")
    assert w.repo.appointments[appt.id].status == Status.CANCELLED and w.repo.units == {}
    assert sorted(w.effects.cancelled) == [(appt.id, "24h"), (appt.id, "2h")]
    assert w.effects.kinds() == ["appointment_cancelled"]
    assert w.effects.published[0].data["reason"] == "plans changed"
    assert max(w.repo.reads.values()) == 1  # the booking and the preferences, once each
    with pytest.raises(Conflict):
        changes.cancel(w.deps, ME, appt.id, "again", MONDAY_8AM)


def test_within_the_window_only_staff_cancel(w: World) -> None:
    appt = book(w, day=2, time_slot="15:00")
    with pytest.raises(Forbidden) as late:
        changes.cancel(w.deps, ME, appt.id, "", MONDAY_8AM)
    assert late.value.code == "TOO_LATE"
    with pytest.raises(Forbidden):
        changes.cancel(w.deps, Principal("u-else", Role.CUSTOMER), appt.id, "", MONDAY_8AM)
    assert changes.cancel(w.deps, STAFF, appt.id, "staff sick", MONDAY_8AM).appointment.status == Status.CANCELLED


def test_cancelling_a_paid_booking_refunds_it_and_records_the_refund(w: World) -> None:
    appt = book(w, paid=True)
    assert appt.out_trade_no is not None
    w.effects.open_payment(appt, "x", None)
    w.effects.payments[appt.out_trade_no].status = SUCCESS
    cancelled = changes.cancel(w.deps, ME, appt.id, "", MONDAY_8AM).appointment
    assert cancelled.refund_status == "SUCCESS" and w.repo.appointments[appt.id].refund_status == "SUCCESS"
    assert w.effects.payments[appt.out_trade_no].refunds == [f"{appt.out_trade_no}R0"]


def test_an_unpaid_booking_has_its_payment_closed_and_a_settle_that_fails_is_queued(w: World) -> None:
    unpaid = book(w, paid=True)
    assert unpaid.out_trade_no is not None
    w.effects.open_payment(unpaid, "x", None)
    assert changes.cancel(w.deps, ME, unpaid.id, "", MONDAY_8AM).appointment.refund_status is None
    assert w.effects.payments[unpaid.out_trade_no].status == "CLOSED"
    other = book(w, time_slot="14:00", paid=True)
    w.effects.fail_settle = True
    assert changes.cancel(w.deps, ME, other.id, "", MONDAY_8AM).appointment.status == Status.CANCELLED
    assert w.effects.settled_later == [(other.id, other.out_trade_no)]


def test_a_cancel_that_read_the_booking_before_a_reschedule_releases_where_it_moved(w: World) -> None:
    appt = book(w)
    stale = w.repo.appointments[appt.id]
    changes.reschedule(w.deps, ME, appt.id, RescheduleRequest(date(2026, 3, 4), "15:00"), MONDAY_8AM)
    repo = w.repo
    real_get = repo.get_appointment
    reads = iter([stale])
    repo.get_appointment = lambda appointment_id: next(reads, None) or real_get(appointment_id)  # type: ignore[method-assign]
    cancelled = changes.cancel(w.deps, ME, appt.id, "plans changed", MONDAY_8AM).appointment
    assert cancelled.status == Status.CANCELLED and cancelled.start == at(4, "15:00")
    assert repo.units == {}


def test_reschedule_moves_claims_reminders_and_notice_in_one_step(w: World) -> None:
    appt = book(w)
    moved = changes.reschedule(w.deps, ME, appt.id, RescheduleRequest(date(2026, 3, 4), "15:00"), MONDAY_8AM)
    assert (moved.appointment.start, moved.appointment.end) == (at(4, "15:00"), at(4, "15:30"))
    assert {u for (_, u) in w.repo.units} == {at(4, "15:00"), at(4, "15:15")}
    assert sorted(w.effects.cancelled) == [(appt.id, "24h"), (appt.id, "2h")]
    assert [(name, when) for _, name, when, _ in w.effects.scheduled] == [
        ("24h", at(3, "15:00")),
        ("2h", at(4, "13:00")),
    ]
    assert w.repo.appointments[appt.id].reminder_names == ("24h", "2h")
    [note] = w.effects.published
    assert (note.kind, note.id) == ("appointment_rescheduled", f"appt-moved-{appt.id}-2026-03-04T07:00:00Z")
    assert note.data["previousStart"] == "2026-03-03T02:00:00Z"
    assert max(w.repo.reads.values()) == 1  # booking, staff, preferences: once each


def test_reschedule_into_a_taken_slot_changes_nothing(w: World) -> None:
    appt = book(w)
    book(w, time_slot="14:00")
    before = dict(w.repo.units)
    with pytest.raises(Conflict):
        changes.reschedule(w.deps, ME, appt.id, RescheduleRequest(date(2026, 3, 3), "14:00"), MONDAY_8AM)
    assert w.repo.units == before and w.repo.appointments[appt.id].start == at(3, "10:00")
    same = changes.reschedule(w.deps, ME, appt.id, RescheduleRequest(date(2026, 3, 3), "10:00"), MONDAY_8AM)
    assert same.appointment == w.repo.appointments[appt.id] and w.effects.published == []


def test_staff_close_a_started_appointment_once(w: World) -> None:
    first, second = book(w), book(w, time_slot="11:00")
    with pytest.raises(Forbidden):
        changes.mark(w.deps, ME, first.id, "complete", at(3, "11:30"))
    with pytest.raises(Conflict) as early:
        changes.mark(w.deps, STAFF, first.id, "complete", MONDAY_8AM)
    assert early.value.code == "NOT_STARTED"
    assert changes.mark(w.deps, STAFF, first.id, "complete", at(3, "11:30")).appointment.status == Status.COMPLETED
    assert changes.mark(w.deps, STAFF, second.id, "no-show", at(3, "11:30")).appointment.status == Status.NO_SHOW
    with pytest.raises(Conflict):
        changes.mark(w.deps, STAFF, first.id, "no-show", at(3, "11:30"))


def test_mark_racing_a_reschedule_asks_to_try_again(w: World) -> None:
    appt = book(w)
    w.repo.appointments[appt.id] = replace(appt, start=appt.start + hours(1))  # moved after our read
    real_get = w.repo.get_appointment
    reads = iter([appt])
    w.repo.get_appointment = lambda appointment_id: next(reads, None) or real_get(appointment_id)  # type: ignore[method-assign]
    with pytest.raises(Conflict, match="rescheduled"):
        changes.mark(w.deps, STAFF, appt.id, "complete", at(3, "12:00"))


def test_compensation_expires_releases_closes_and_repeats_harmlessly(w: World) -> None:
    appt = book(w, paid=True)
    assert appt.out_trade_no is not None
    w.effects.open_payment(appt, "x", None)
    assert changes.payment_failed(w.deps, appt.id, {}, MONDAY_8AM) == "expired"
    assert w.repo.appointments[appt.id].status == Status.EXPIRED and w.repo.units == {}
    assert w.effects.payments[appt.out_trade_no].status == "CLOSED"
    assert changes.payment_failed(w.deps, appt.id, {}, MONDAY_8AM) == "expired"
    assert w.effects.kinds() == ["appointment_expired", "appointment_expired"]  # one id: delivered once
    assert len({n.id for n in w.effects.published}) == 1
    assert changes.payment_failed(w.deps, "apt_missing", {}, MONDAY_8AM) == "missing"


def test_compensation_refunds_a_booking_paid_but_not_kept(w: World) -> None:
    appt = book(w, paid=True)
    assert appt.out_trade_no is not None
    w.effects.open_payment(appt, "x", None)
    w.effects.payments[appt.out_trade_no].status = SUCCESS
    assert changes.payment_failed(w.deps, appt.id, {"outTradeNo": appt.out_trade_no}, MONDAY_8AM) == "refunded"
    assert w.repo.appointments[appt.id].refund_status == "SUCCESS"
    # Refunded already: a repeat neither refunds again nor claims it did.
    assert changes.payment_failed(w.deps, appt.id, {}, MONDAY_8AM) == "expired"
    assert w.effects.payments[appt.out_trade_no].refunds == [f"{appt.out_trade_no}R0"]


def test_compensation_leaves_a_confirmed_booking_alone(w: World) -> None:
    appt = book(w)
    assert changes.payment_failed(w.deps, appt.id, {}, MONDAY_8AM) == "confirmed"
    assert w.repo.appointments[appt.id].status == "confirmed" and w.effects.published == []


def test_a_retried_reschedule_whose_reminders_failed_puts_them_back(w: World) -> None:
    """The move committed, then the Scheduler failed: the client's retry to the same slot finds the booking
    already there and must still leave it with its reminders (creating a schedule again replaces it)."""
    appt = book(w)
    real = w.effects.schedule_reminder

    def scheduler_down(*args: object, **kwargs: object) -> None:
        raise RuntimeError("Scheduler unavailable")

    w.effects.schedule_reminder = scheduler_down  # type: ignore[method-assign]
    with pytest.raises(RuntimeError):
        changes.reschedule(w.deps, ME, appt.id, RescheduleRequest(date(2026, 3, 4), "15:00"), MONDAY_8AM)
    assert w.repo.appointments[appt.id].start == at(4, "15:00")  # the move itself committed
    w.effects.schedule_reminder = real  # type: ignore[method-assign]
    w.effects.scheduled.clear()
    retried = changes.reschedule(w.deps, ME, appt.id, RescheduleRequest(date(2026, 3, 4), "15:00"), MONDAY_8AM)
    assert retried.appointment.start == at(4, "15:00")
    assert [(name, when) for _, name, when, _ in w.effects.scheduled] == [
        ("24h", at(3, "15:00")),
        ("2h", at(4, "13:00")),
    ]


def test_a_cancel_whose_settle_queue_and_notice_all_fail_still_answers_and_the_stream_refunds(w: World) -> None:
    """Were a 500 after the cancel committed, with the refund queued nowhere. The answer is the cancelled
    booking; the table stream's record of the cancel settles the payment later, and only that record."""
    appt = book(w, paid=True)
    assert appt.out_trade_no is not None
    w.effects.open_payment(appt, "x", None)
    w.effects.payments[appt.out_trade_no].status = SUCCESS
    w.effects.fail_settle = True

    def down(*args: object) -> None:
        raise ConnectionError("SQS unreachable")

    w.effects.settle_later = down  # type: ignore[method-assign,assignment]
    w.effects.publish = down  # type: ignore[method-assign,assignment]
    answered = changes.cancel(w.deps, ME, appt.id, "", MONDAY_8AM).appointment
    assert answered.status == Status.CANCELLED and answered.refund_status is None
    assert w.effects.payments[appt.out_trade_no].refunds == []

    w.effects.fail_settle = False
    stored = w.repo.appointments[appt.id]
    changes.settle_cancelled(w.deps, stored, was=Status.CONFIRMED)  # the stream's record of the cancel
    assert w.effects.payments[appt.out_trade_no].refunds == [f"{appt.out_trade_no}R0"]
    assert w.repo.appointments[appt.id].refund_status == "SUCCESS"
    changes.settle_cancelled(w.deps, w.repo.appointments[appt.id], was=Status.CANCELLED)  # later writes: nothing
    changes.settle_cancelled(w.deps, w.repo.appointments[appt.id], was=Status.CONFIRMED)  # a redelivery: once
    assert w.effects.payments[appt.out_trade_no].refunds == [f"{appt.out_trade_no}R0"]


def test_every_way_out_of_open_gives_the_customers_place_back_once(w: World) -> None:
    """Cancel, complete, no-show and the saga's expiry each decrement the customer's open count in
    their own status change; a repeat changes nothing, a reschedule keeps the booking open."""
    w.places.places[STORE] = replace(w.places.places[STORE], max_open_bookings=4)
    cancelled, completed, no_show = book(w, 3, "10:00"), book(w, 3, "11:00"), book(w, 3, "14:00")
    expired = book(w, 4, "10:00", paid=True)
    assert w.repo.open_bookings[(MERCHANT, "u-me")] == 4
    changes.reschedule(w.deps, ME, cancelled.id, RescheduleRequest(date(2026, 3, 5), "10:00"), MONDAY_8AM)
    assert w.repo.open_bookings[(MERCHANT, "u-me")] == 4
    cancelled = w.repo.appointments[cancelled.id]
    changes.cancel(w.deps, ME, cancelled.id, "", MONDAY_8AM)
    assert w.repo.open_bookings[(MERCHANT, "u-me")] == 3
    changes.mark(w.deps, STAFF, completed.id, "complete", at(3, "11:10"))
    changes.mark(w.deps, STAFF, no_show.id, "no-show", at(3, "14:10"))
    assert w.repo.open_bookings[(MERCHANT, "u-me")] == 1
    changes.payment_failed(w.deps, expired.id, {}, MONDAY_8AM)
    changes.payment_failed(w.deps, expired.id, {}, MONDAY_8AM)  # a redelivered compensation
    assert w.repo.open_bookings[(MERCHANT, "u-me")] == 0
    with pytest.raises(Conflict):
        changes.cancel(w.deps, ME, cancelled.id, "", MONDAY_8AM)
    assert w.repo.open_bookings[(MERCHANT, "u-me")] == 0


def test_the_streams_record_of_a_cancel_settles_nothing_the_cancel_already_refunded(w: World) -> None:
    """Final review: a paid cancel settled twice, inline and again from the table stream. The stream
    reads the booking and skips when the cancel recorded its refund; it stays the backstop otherwise."""
    appt = book(w, paid=True)
    assert appt.out_trade_no is not None
    w.effects.open_payment(appt, "x", None)
    w.effects.payments[appt.out_trade_no].status = SUCCESS
    changes.cancel(w.deps, ME, appt.id, "", MONDAY_8AM)
    assert w.effects.settles == [appt.out_trade_no]
    as_cancelled = replace(w.repo.appointments[appt.id], refund_status=None)  # the cancel's own stream record
    changes.settle_cancelled(w.deps, as_cancelled, was=Status.CONFIRMED)
    assert w.effects.settles == [appt.out_trade_no]  # not settled again
    assert w.effects.payments[appt.out_trade_no].refunds == [f"{appt.out_trade_no}R0"]


def test_a_reschedule_to_the_slot_it_has_is_free_once_its_reminders_are_scheduled(w: World) -> None:
    """Final review: a reschedule to the booking's own slot re-created its reminders every time (a
    preferences read and a Scheduler call per reminder). The booking records the start its reminders
    were scheduled for: the common no-op reads and schedules nothing, while a move whose reminders
    failed still gets them back on its retry."""
    appt = book(w)
    w.repo.mark_reminders_scheduled(appt.id, appt.start)  # what the saga records after scheduling them
    w.repo.reads.clear()
    same = RescheduleRequest(date(2026, 3, 3), "10:00")
    assert changes.reschedule(w.deps, ME, appt.id, same, MONDAY_8AM).appointment.start == appt.start
    assert w.effects.scheduled == [] and w.repo.reads[("preferences", "u-me")] == 0
    assert w.repo.reads[("staff", "st-zhang")] == 0  # nothing to check against the week: it is the booking's slot

    moved = changes.reschedule(w.deps, ME, appt.id, RescheduleRequest(date(2026, 3, 4), "15:00"), MONDAY_8AM)
    assert w.repo.appointments[appt.id].reminders_start == moved.appointment.start == at(4, "15:00")
    w.effects.scheduled.clear()
    changes.reschedule(w.deps, ME, appt.id, RescheduleRequest(date(2026, 3, 4), "15:00"), MONDAY_8AM)
    assert w.effects.scheduled == []


def test_a_move_whose_reminders_failed_leaves_no_marker_so_its_retry_schedules_them(w: World) -> None:
    appt = book(w)
    w.repo.mark_reminders_scheduled(appt.id, appt.start)

    def scheduler_down(*args: object, **kwargs: object) -> None:
        raise RuntimeError("Scheduler unavailable")

    real = w.effects.schedule_reminder
    w.effects.schedule_reminder = scheduler_down  # type: ignore[method-assign]
    with pytest.raises(RuntimeError):
        changes.reschedule(w.deps, ME, appt.id, RescheduleRequest(date(2026, 3, 4), "15:00"), MONDAY_8AM)
    assert w.repo.appointments[appt.id].reminders_start is None
    w.effects.schedule_reminder = real  # type: ignore[method-assign]
    changes.reschedule(w.deps, ME, appt.id, RescheduleRequest(date(2026, 3, 4), "15:00"), MONDAY_8AM)
    assert [name for _, name, _, _ in w.effects.scheduled] == ["24h", "2h"]
    assert w.repo.appointments[appt.id].reminders_start == at(4, "15:00")
