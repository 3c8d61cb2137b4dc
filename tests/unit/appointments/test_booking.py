"""Booking use cases against in-memory fakes: claims, the saga's start, retries, payment params."""

from __future__ import annotations

from datetime import date

import pytest

from chalicelib.appointments import booking, rules
from chalicelib.appointments.domain import Status
from chalicelib.appointments.requests import BookingRequest, DatesQuery, PaymentRequest, SlotsQuery
from chalicelib.core.auth import Principal, Role
from chalicelib.core.errors import Conflict, Forbidden, NotFound, UpstreamUnavailable, ValidationError
from tests.fakes.appointments import MONDAY_8AM, STORE, World, at, world

TUESDAY = date(2026, 3, 3)
CUSTOMER = rules.customer_info({"name": "张三", "phone": "13812345678", "email": "z@example.com"})
ME = Principal("u-me", Role.CUSTOMER)


def request(service_id: str = "svc-consult", time_slot: str = "10:00", amount: int = 0, **kw: object) -> BookingRequest:
    values: dict[str, object] = {
        "service_id": service_id,
        "staff_id": "st-zhang",
        "day": TUESDAY,
        "time_slot": time_slot,
        "customer": CUSTOMER,
        "total_amount": amount,
    }
    values.update(kw)
    return BookingRequest(**values)  # type: ignore[arg-type]


@pytest.fixture
def w() -> World:
    return world()


def test_a_free_booking_is_confirmed_claimed_and_handed_to_the_saga(w: World) -> None:
    booked = booking.book(w.deps, ME, request(), MONDAY_8AM)
    appt = booked.appointment
    assert (appt.status, appt.start, appt.out_trade_no, appt.total_amount) == (
        Status.CONFIRMED,
        at(3, "10:00"),
        None,
        0,
    )
    assert booked.place.name == "南京东路店"
    assert set(w.repo.claimed_units("st-zhang", at(3, "10:00"), at(3, "10:30")).values()) == {(appt.id, "appointment")}
    [(saga_id, trade_no, reminders, note)] = w.effects.sagas
    assert (saga_id, trade_no) == (appt.id, None)
    assert [r.name for r in reminders] == ["24h", "2h"] and reminders[0].at == at(2, "10:00")
    assert reminders[0].payload == {"appointmentId": appt.id, "name": "24h", "start": "2026-03-03T02:00:00Z"}
    assert (note.id, note.kind, note.title) == (f"appt-confirmed-{appt.id}", "appointment_confirmed", "预约成功")
    assert note.channels == ("wechat", "sms", "email") and note.data["date"] == "2026-03-03"
    # Service, staff member, store and preferences, each read once.
    assert max(w.repo.reads.values()) == 1 and w.places.reads[STORE] == 1
    assert appt.reminder_names == ("24h", "2h")


def test_a_paid_service_waits_for_payment_under_its_own_trade_number(w: World) -> None:
    appt = booking.book(w.deps, ME, request("svc-haircut", amount=8800), MONDAY_8AM).appointment
    assert appt.status == Status.PENDING_PAYMENT and appt.out_trade_no == rules.out_trade_no(appt.id)
    assert w.effects.sagas[0][1] == appt.out_trade_no


def test_a_taken_slot_is_409_but_the_same_customers_retry_returns_the_booking(w: World) -> None:
    first = booking.book(w.deps, ME, request(), MONDAY_8AM).appointment
    retry = booking.book(w.deps, ME, request(), MONDAY_8AM).appointment
    assert retry == first and len(w.effects.sagas) == 1  # no second saga for a retry
    with pytest.raises(Conflict) as taken:
        booking.book(w.deps, Principal("u-other", Role.CUSTOMER), request(), MONDAY_8AM)
    assert taken.value.code == "SLOT_TAKEN"
    # The buffer counts: a 45 min haircut at 09:30 (+15) runs into the 10:00 booking.
    with pytest.raises(Conflict):
        booking.book(w.deps, ME, request("svc-haircut", "09:30", 8800), MONDAY_8AM)


def test_a_booking_whose_saga_cannot_start_is_undone(w: World) -> None:
    w.effects.fail_saga = True
    with pytest.raises(UpstreamUnavailable):
        booking.book(w.deps, ME, request("svc-haircut", amount=8800), MONDAY_8AM)
    [appt] = w.repo.appointments.values()
    assert appt.status == Status.EXPIRED and w.repo.units == {}


@pytest.mark.parametrize(
    ("changes", "error", "code"),
    [
        ({"total_amount": 1}, ValidationError, "PRICE_MISMATCH"),
        ({"time_slot": "10:15"}, ValidationError, "INVALID_SLOT"),
        ({"time_slot": "12:00"}, ValidationError, "INVALID_SLOT"),  # lunch
        ({"day": date(2026, 3, 1)}, ValidationError, "SLOT_IN_PAST"),
        ({"staff_id": "st-li"}, ValidationError, "STAFF_NOT_OFFERING"),
        ({"service_id": "nope"}, NotFound, "SERVICE_NOT_FOUND"),
        ({"staff_id": "nope"}, NotFound, "STAFF_NOT_FOUND"),
    ],
)
def test_bad_bookings_are_refused_before_anything_is_claimed(
    w: World, changes: dict[str, object], error: type[Exception], code: str
) -> None:
    with pytest.raises(error) as refused:
        booking.book(w.deps, ME, request(**changes), MONDAY_8AM)  # type: ignore[arg-type]
    assert getattr(refused.value, "code", None) == code
    assert w.repo.units == {} and w.effects.sagas == []


def test_slots_and_dates_leave_out_claims_lunch_and_days_off(w: World) -> None:
    booking.book(w.deps, ME, request("svc-haircut", "10:00", 8800, staff_id="st-li"), MONDAY_8AM)
    slots, service, tz = booking.available_slots(w.deps, SlotsQuery("svc-haircut", "st-li", TUESDAY), MONDAY_8AM)
    starts = [s.start.astimezone(tz).strftime("%H:%M") for s in slots]
    assert service.id == "svc-haircut" and starts[0] == "09:00"
    assert "09:30" not in starts and "10:00" not in starts and "10:30" not in starts  # the booking + buffer
    assert "11:00" in starts and "11:30" not in starts and "12:00" not in starts  # 11:30 would run into lunch
    dates = booking.available_dates(w.deps, DatesQuery("svc-haircut", "st-li", 7), MONDAY_8AM)
    assert dates == ["2026-03-02", "2026-03-03", "2026-03-04", "2026-03-06"]  # Thursday off, no weekends


def test_payment_params_only_for_the_owners_unpaid_booking_at_its_amount(w: World) -> None:
    paid = booking.book(w.deps, ME, request("svc-haircut", amount=8800), MONDAY_8AM).appointment
    free = booking.book(w.deps, ME, request(time_slot="14:00"), MONDAY_8AM).appointment
    params = booking.payment_params(w.deps, ME, PaymentRequest(paid.id, 8800))
    assert params["package"] == f"prepay_id=fake-{paid.out_trade_no}"
    with pytest.raises(Forbidden):
        booking.payment_params(w.deps, Principal("u-other", Role.CUSTOMER), PaymentRequest(paid.id, 8800))
    for wrong in (100, None):
        with pytest.raises(ValidationError) as mismatch:
            booking.payment_params(w.deps, ME, PaymentRequest(paid.id, wrong))
        assert mismatch.value.code == "AMOUNT_MISMATCH"
    with pytest.raises(Conflict):
        booking.payment_params(w.deps, ME, PaymentRequest(free.id, 0))
    with pytest.raises(NotFound):
        booking.payment_params(w.deps, ME, PaymentRequest("apt_missing", 1))


@pytest.mark.parametrize("raw", ["9999-12-31", "0001-01-01", "1999-12-31", "3000-01-01"])
def test_dates_at_the_ends_of_the_calendar_are_a_400(raw: str) -> None:
    with pytest.raises(ValidationError) as refused:
        rules.parse_date(raw)
    assert refused.value.code == "DATE_OUT_OF_RANGE"


def test_bookings_and_slots_beyond_the_horizon_are_refused(w: World) -> None:
    horizon = w.deps.places.place_of(STORE).horizon_days
    today = MONDAY_8AM.date()
    last = date.fromordinal(today.toordinal() + horizon)
    beyond = date.fromordinal(last.toordinal() + 1)
    booking.available_slots(w.deps, SlotsQuery("svc-consult", "st-zhang", last), MONDAY_8AM)  # the last day is open
    with pytest.raises(ValidationError) as slots:
        booking.available_slots(w.deps, SlotsQuery("svc-consult", "st-zhang", beyond), MONDAY_8AM)
    assert slots.value.code == "DATE_OUT_OF_RANGE"
    with pytest.raises(ValidationError) as booked:
        booking.book(w.deps, ME, request(day=beyond), MONDAY_8AM)
    assert booked.value.code == "DATE_OUT_OF_RANGE"
    assert w.repo.units == {} and w.effects.sagas == []


def _cap(w: World, cap: int) -> None:
    from dataclasses import replace

    w.places.places[STORE] = replace(w.places.places[STORE], max_open_bookings=cap)


def test_one_customer_holds_at_most_the_stores_cap_of_open_bookings(w: World) -> None:
    """Issue 8: one customer could take every slot of a day. The cap counts bookings still open
    (awaiting payment or confirmed) at this merchant; another customer is not affected."""
    _cap(w, 2)
    booking.book(w.deps, ME, request(time_slot="10:00"), MONDAY_8AM)
    booking.book(w.deps, ME, request("svc-haircut", "14:00", 8800), MONDAY_8AM)
    with pytest.raises(Conflict) as refused:
        booking.book(w.deps, ME, request(time_slot="16:00"), MONDAY_8AM)
    assert refused.value.code == "TOO_MANY_OPEN_BOOKINGS" and refused.value.status == 409
    assert len(w.repo.appointments) == 2 and len(w.effects.sagas) == 2  # nothing claimed, no saga
    assert w.repo.claimed_units("st-zhang", at(3, "16:00"), at(3, "16:30")) == {}
    booking.book(w.deps, Principal("u-other", Role.CUSTOMER), request(time_slot="16:00"), MONDAY_8AM)
    assert w.repo.open_bookings == {("m1", "u-me"): 2, ("m1", "u-other"): 1}


def test_a_retried_booking_at_the_cap_returns_the_booking_and_counts_once(w: World) -> None:
    _cap(w, 1)
    first = booking.book(w.deps, ME, request(), MONDAY_8AM).appointment
    assert booking.book(w.deps, ME, request(), MONDAY_8AM).appointment == first  # the retry, not a 409
    assert w.repo.open_bookings[("m1", "u-me")] == 1


def test_a_booking_whose_saga_cannot_start_gives_its_place_back(w: World) -> None:
    _cap(w, 1)
    w.effects.fail_saga = True
    with pytest.raises(UpstreamUnavailable):
        booking.book(w.deps, ME, request(), MONDAY_8AM)
    assert w.repo.open_bookings[("m1", "u-me")] == 0
    w.effects.fail_saga = False
    booking.book(w.deps, ME, request(time_slot="11:00"), MONDAY_8AM)


class Killed(BaseException):
    """The Lambda dying between two writes (a timeout, an out-of-memory kill): no `except Exception`
    in our code runs, the function simply stops."""


def test_a_booking_whose_lambda_died_before_its_saga_started_gets_it_from_the_retry(w: World) -> None:
    """The booking's transaction committed, then the function died before StartExecution: without a
    saga nobody would remind, notify or (for a paid one) time out the payment. The client's retry
    finds its booking and starts the saga under the same name (a repeat start is a no-op)."""
    real = w.effects.start_booking

    def die(*args: object, **kwargs: object) -> None:
        raise Killed

    w.effects.start_booking = die  # type: ignore[method-assign]
    with pytest.raises(Killed):
        booking.book(w.deps, ME, request("svc-haircut", amount=8800), MONDAY_8AM)
    [appt] = w.repo.appointments.values()
    assert appt.status == Status.PENDING_PAYMENT and w.effects.sagas == []
    w.effects.start_booking = real  # type: ignore[method-assign]
    retried = booking.book(w.deps, ME, request("svc-haircut", amount=8800), MONDAY_8AM).appointment
    assert retried.id == appt.id and len(w.repo.appointments) == 1
    [(saga_id, trade_no, reminders, note)] = w.effects.sagas
    assert (saga_id, trade_no, [r.name for r in reminders]) == (appt.id, appt.out_trade_no, ["24h", "2h"])
    assert note.id == f"appt-confirmed-{appt.id}" and w.effects.saga_starts[appt.id] == appt.start
    assert w.repo.open_bookings[("m1", "u-me")] == 1  # counted once
