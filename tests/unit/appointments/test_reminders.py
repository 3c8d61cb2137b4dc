"""Reminders, notices by hand and preferences against in-memory fakes."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from chalicelib.appointments import booking, reminders, rules
from chalicelib.appointments.domain import Appointment, Preferences, Status
from chalicelib.appointments.requests import BookingRequest, NoticeRequest, PreferencesUpdate
from chalicelib.core.auth import Principal, Role
from chalicelib.core.errors import Conflict, Forbidden, NotFound, ValidationError
from tests.fakes.appointments import MERCHANT, MONDAY_8AM, STORE, World, at, world

ME = Principal("u-me", Role.CUSTOMER)
STAFF = Principal("u-staff", Role.STAFF, MERCHANT, frozenset({STORE}))


@pytest.fixture
def w() -> World:
    return world()


def book(w: World) -> Appointment:
    info = rules.customer_info({"name": "张三", "phone": "13812345678"})
    appt = booking.book(
        w.deps, ME, BookingRequest("svc-consult", "st-zhang", date(2026, 3, 3), "10:00", info, 0), MONDAY_8AM
    )
    w.effects.published.clear()
    return appt.appointment


def test_a_reminder_goes_out_only_for_a_confirmed_booking_at_its_planned_start(w: World) -> None:
    appt = book(w)
    payload = {"appointmentId": appt.id, "name": "24h", "start": "2026-03-03T02:00:00Z"}
    assert reminders.send_reminder(w.deps, appt.id, payload, at(2, "10:00"))
    [note] = w.effects.published
    assert (note.kind, note.id) == ("appointment_reminder", f"appt-reminder-{appt.id}-24h-2026-03-03T02:00:00Z")
    assert note.body == "您预约的 营养咨询 将于 2026-03-03 10:00 开始。"
    assert not reminders.send_reminder(w.deps, appt.id, {**payload, "start": "2026-03-03T03:00:00Z"}, MONDAY_8AM)
    assert not reminders.send_reminder(w.deps, appt.id, payload, at(3, "10:00"))  # already started
    w.repo.appointments[appt.id] = replace(appt, status=Status.CANCELLED)
    assert not reminders.send_reminder(w.deps, appt.id, payload, MONDAY_8AM)
    assert not reminders.send_reminder(w.deps, "apt_missing", payload, MONDAY_8AM)
    assert len(w.effects.published) == 1


def test_staff_schedule_reminders_still_ahead_and_the_names_are_kept(w: World) -> None:
    appt = book(w)
    with pytest.raises(Forbidden):
        reminders.schedule_reminders(w.deps, ME, appt.id, ["1h"], MONDAY_8AM)
    planned = reminders.schedule_reminders(w.deps, STAFF, appt.id, ["1h", "3d"], MONDAY_8AM)
    assert planned == [{"type": "1h", "at": "2026-03-03T01:00:00Z"}]  # 3 days before is past
    assert w.repo.appointments[appt.id].reminder_names == ("1h", "24h", "2h")
    w.repo.appointments[appt.id] = replace(appt, status=Status.CANCELLED)
    with pytest.raises(Conflict):
        reminders.schedule_reminders(w.deps, STAFF, appt.id, ["1h"], MONDAY_8AM)


def test_notices_by_hand_reuse_the_automatic_ids(w: World) -> None:
    appt = book(w)
    note = reminders.send_notice(w.deps, ME, appt.id, "confirmation", NoticeRequest(None, None))
    assert note.id == f"appt-confirmed-{appt.id}" and note.channels == ("wechat", "sms")
    with pytest.raises(Forbidden):
        reminders.send_notice(w.deps, ME, appt.id, "reminder", NoticeRequest("2h", None))
    by_staff = reminders.send_notice(w.deps, STAFF, appt.id, "reminder", NoticeRequest("2h", None))
    assert by_staff.id == f"appt-reminder-{appt.id}-2h-2026-03-03T02:00:00Z"
    with pytest.raises(ValidationError):
        reminders.send_notice(w.deps, STAFF, appt.id, "reminder", NoticeRequest("whenever", None))
    with pytest.raises(Conflict):
        reminders.send_notice(w.deps, ME, appt.id, "cancellation", NoticeRequest(None, "x"))
    with pytest.raises(NotFound):
        reminders.send_notice(w.deps, ME, appt.id, "bogus", NoticeRequest(None, None))
    with pytest.raises(Forbidden):
        reminders.send_notice(
            w.deps, Principal("u-else", Role.CUSTOMER), appt.id, "confirmation", NoticeRequest(None, None)
        )


def test_preferences_are_the_callers_own_and_decide_the_channels(w: World) -> None:
    assert reminders.get_preferences(w.deps, ME, "u-me") == Preferences()
    update = PreferencesUpdate({"sms": False, "reminder_times": ["1h"]})
    saved = reminders.put_preferences(w.deps, ME, "u-me", update, MONDAY_8AM)
    assert saved == Preferences(sms=False, reminder_times=("1h",))
    with pytest.raises(Forbidden):
        reminders.put_preferences(w.deps, ME, "u-else", update, MONDAY_8AM)
    appt = book(w)
    assert appt.reminder_names == ("1h",)
    assert w.effects.sagas[-1][3].channels == ("wechat",)
