"""Appointment routes through the Chalice test client on moto server: catalogue, availability,
booking rules, after-booking actions, staff schedule routes, analytics and every role rule."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.api.appointments.support import TUESDAY, book, put, user_id
from tests.conftest import post_json


# --- catalogue and availability ---------------------------------------------------------------
def test_services_and_their_staff(world, client) -> None:
    services = client.http.get("/api/appointments/services").json_body["services"]
    assert len(services) >= 4
    for s in services:
        assert set(s) >= {"id", "name", "duration", "price", "requiresPayment", "description"}
        assert 30 <= s["duration"] <= 120
    assert {s["requiresPayment"] for s in services} == {True, False}
    staff = client.http.get("/api/appointments/services/svc-massage/staff").json_body["staff"]
    assert sorted(s["id"] for s in staff) == ["st-wang", "st-zhang"]
    missing = client.http.get("/api/appointments/services/nope/staff")
    assert missing.status_code == 404 and missing.json_body["error"]["code"] == "SERVICE_NOT_FOUND"


def test_dates_and_slots_follow_hours_breaks_and_days_off(world, client) -> None:
    dates = client.http.get("/api/appointments/availability/dates?serviceId=svc-haircut&staffId=st-li&days=7")
    assert dates.status_code == 200
    # Mon..Sun from 2026-03-02: Li works Mon-Sat, has Thursday (today + 3) off, no Sundays.
    assert dates.json_body["dates"] == ["2026-03-02", "2026-03-03", "2026-03-04", "2026-03-06", "2026-03-07"]
    slots = client.http.get(
        f"/api/appointments/availability/slots?serviceId=svc-haircut&staffId=st-li&date={TUESDAY}"
    ).json_body["slots"]
    starts = [s["start"] for s in slots]
    assert starts[0] == "09:00" and slots[0] == {"start": "09:00", "end": "09:45", "duration": 45}
    assert "11:30" not in starts  # would run into lunch
    assert "12:00" not in starts and "12:30" not in starts
    assert "13:00" in starts and starts[-1] == "17:00"
    day_off = client.http.get(
        "/api/appointments/availability/slots?serviceId=svc-haircut&staffId=st-li&date=2026-03-05"
    )
    assert day_off.json_body["slots"] == []


def test_bad_availability_queries_are_4xx(world, client) -> None:
    for query, status in [
        ("serviceId=svc-haircut&staffId=st-li&days=61", 400),
        ("serviceId=svc-haircut&staffId=st-li&days=abc", 400),
        ("staffId=st-li&days=3", 400),
        ("serviceId=svc-spa&staffId=st-li&days=3", 400),  # Li does not offer SPA
        ("serviceId=svc-haircut&staffId=ghost&days=3", 404),
    ]:
        response = client.http.get(f"/api/appointments/availability/dates?{query}")
        assert response.status_code == status, (query, response.json_body)
        assert "error" in response.json_body
    bad_date = client.http.get("/api/appointments/availability/slots?serviceId=svc-haircut&staffId=st-li&date=03/03")
    assert bad_date.status_code == 400


def test_unknown_staff_is_404(world, client) -> None:
    response = client.http.get(
        "/api/appointments/availability/slots?serviceId=svc-haircut&staffId=ghost&date=2026-03-03"
    )
    assert response.status_code == 404


# --- booking ----------------------------------------------------------------------------------
def test_free_booking_is_confirmed_and_shaped_for_the_client(world, client, login) -> None:
    me = login()
    response = book(client, me, timeSlot={"start": "10:00", "end": "10:30", "duration": 30})
    assert response.status_code == 200, response.json_body
    body = response.json_body
    assert body["success"] is True
    appt = body["appointment"]
    assert appt["status"] == "confirmed"
    assert (appt["date"], appt["timeSlot"], appt["duration"], appt["totalAmount"]) == (TUESDAY, "10:00", 30, 0)
    assert appt["serviceName"] == "营养咨询"
    detail = client.http.get(f"/api/appointments/{appt['id']}", headers=me).json_body["appointment"]
    assert detail["staffName"] == "张顾问" and detail["businessPhone"] == "021-63500001"
    assert (detail["date"], detail["timeSlot"], detail["status"]) == (TUESDAY, "10:00", "confirmed")
    # The slot is gone from availability.
    slots = client.http.get(
        f"/api/appointments/availability/slots?serviceId=svc-consult&staffId=st-zhang&date={TUESDAY}"
    ).json_body["slots"]
    assert "10:00" not in [s["start"] for s in slots]


def test_paid_booking_waits_for_payment(world, client, login) -> None:
    response = book(client, login(), serviceId="svc-haircut", totalAmount=8800)
    assert response.status_code == 200, response.json_body
    assert response.json_body["appointment"]["status"] == "pending_payment"


def test_detail_is_for_owner_staff_and_admin_only(world, client, login) -> None:
    owner = login()
    appt_id = book(client, owner).json_body["appointment"]["id"]
    assert client.http.get(f"/api/appointments/{appt_id}", headers=login()).status_code == 403
    assert client.http.get(f"/api/appointments/{appt_id}").status_code == 401
    assert client.http.get(f"/api/appointments/{appt_id}", headers=login("demo-staff")).status_code == 200
    assert client.http.get(f"/api/appointments/{appt_id}", headers=login("demo-admin")).status_code == 200
    assert client.http.get("/api/appointments/apt_nothing", headers=owner).status_code == 404


BAD_BOOKINGS: list[tuple[dict[str, Any], str]] = [
    ({"customerInfo": {"name": " ", "phone": "13812345678"}}, "NAME_REQUIRED"),
    ({"customerInfo": {"name": "李四", "phone": "12812345678"}}, "INVALID_PHONE"),
    ({"customerInfo": {"name": "李四", "phone": "1381234567"}}, "INVALID_PHONE"),
    ({"customerInfo": {"name": "李四", "phone": ""}}, "PHONE_REQUIRED"),
    ({"customerInfo": {"name": "李四", "phone": "13812345678", "email": "not-an-email"}}, "INVALID_EMAIL"),
    ({"customerInfo": "张三"}, "VALIDATION_ERROR"),
    ({"serviceId": "svc-haircut", "totalAmount": 1}, "PRICE_MISMATCH"),
    ({"serviceId": "svc-haircut", "totalAmount": "8800"}, "VALIDATION_ERROR"),
    ({"date": "2026-02-30"}, "VALIDATION_ERROR"),
    ({"date": "tomorrow"}, "VALIDATION_ERROR"),
    ({"timeSlot": "25:00"}, "VALIDATION_ERROR"),
    ({"timeSlot": 10}, "VALIDATION_ERROR"),
    ({"timeSlot": "10:15"}, "INVALID_SLOT"),
    ({"timeSlot": "12:00"}, "INVALID_SLOT"),  # lunch break
    ({"date": "2026-03-01"}, "SLOT_IN_PAST"),
    ({"staffId": "st-wang"}, "STAFF_NOT_OFFERING"),
]


def test_bad_bookings_are_400(world, client, login) -> None:
    me = login()
    for overrides, code in BAD_BOOKINGS:
        response = book(client, me, **overrides)
        assert response.status_code == 400, (overrides, response.json_body)
        assert response.json_body["error"]["code"] == code, overrides


def test_booking_needs_a_session_and_json(world, client, login) -> None:
    assert book(client, {}).status_code == 401
    raw = client.http.post(
        "/api/appointments/book", body=b"{not json", headers={"Content-Type": "application/json", **login()}
    )
    assert raw.status_code == 400


def test_taken_slot_is_409_and_a_retry_by_the_same_customer_returns_the_booking(world, client, login) -> None:
    first = login()
    original = book(client, first).json_body["appointment"]
    retry = book(client, first)
    assert retry.status_code == 200 and retry.json_body["appointment"]["id"] == original["id"]
    taken = book(client, login())
    assert taken.status_code == 409 and taken.json_body["error"]["code"] == "SLOT_TAKEN"


def test_overlapping_durations_conflict_including_the_buffer(world, client, login) -> None:
    # Massage 10:00-11:00 plus a 15 min buffer holds Zhang until 11:15.
    massage = book(client, login(), serviceId="svc-massage", totalAmount=19800, timeSlot="10:00")
    assert massage.status_code == 200
    assert book(client, login(), serviceId="svc-haircut", totalAmount=8800, timeSlot="09:30").status_code == 409
    for time_slot in ("10:30", "11:00"):  # 11:00 falls in the massage's buffer
        assert book(client, login(), timeSlot=time_slot).status_code == 409, time_slot
    # A 45 min haircut at 09:00 ends 09:45 + 15 buffer = 10:00: it just fits.
    assert book(client, login(), serviceId="svc-haircut", totalAmount=8800, timeSlot="09:00").status_code == 200
    assert book(client, login(), timeSlot="11:30").status_code == 200


# --- cancel, reschedule, complete -------------------------------------------------------------
def test_customer_cancels_more_than_24h_ahead_and_the_slot_returns(world, client, login) -> None:
    owner = login()
    appt_id = book(client, owner).json_body["appointment"]["id"]
    assert put(client, f"/api/appointments/{appt_id}/cancel", {"reason": "x"}, login()).status_code == 403
    response = put(client, f"/api/appointments/{appt_id}/cancel", {"reason": "Customer cancellation"}, owner)
    assert response.status_code == 200, response.json_body
    assert response.json_body["success"] is True
    assert response.json_body["appointment"]["status"] == "cancelled"
    again = put(client, f"/api/appointments/{appt_id}/cancel", {}, owner)
    assert again.status_code == 409
    assert book(client, login()).status_code == 200  # the slot is free again


def test_customer_cannot_cancel_within_24h_but_staff_can(world, client, login) -> None:
    owner = login()
    appt_id = book(client, owner, date="2026-03-02", timeSlot="15:00").json_body["appointment"]["id"]
    too_late = put(client, f"/api/appointments/{appt_id}/cancel", {}, owner)
    assert too_late.status_code == 403 and too_late.json_body["error"]["code"] == "TOO_LATE"
    staff = put(client, f"/api/appointments/{appt_id}/cancel", {"reason": "staff sick"}, login("demo-staff"))
    assert staff.status_code == 200


def test_reschedule_moves_atomically(world, client, login) -> None:
    owner = login()
    appt_id = book(client, owner).json_body["appointment"]["id"]
    blocker = book(client, login(), timeSlot="14:00").json_body["appointment"]["id"]
    clash = put(client, f"/api/appointments/{appt_id}/reschedule", {"date": TUESDAY, "timeSlot": "14:00"}, owner)
    assert clash.status_code == 409
    # Nothing changed: still at 10:00 and 10:00 is still held.
    assert (
        client.http.get(f"/api/appointments/{appt_id}", headers=owner).json_body["appointment"]["timeSlot"] == "10:00"
    )
    assert book(client, login()).status_code == 409
    moved = put(client, f"/api/appointments/{appt_id}/reschedule", {"date": TUESDAY, "timeSlot": "10:30"}, owner)
    assert moved.status_code == 200, moved.json_body
    assert moved.json_body["appointment"]["timeSlot"] == "10:30"
    assert book(client, login()).status_code == 200  # 10:00 released
    assert book(client, login(), timeSlot="10:30").status_code == 409
    bad_time = put(client, f"/api/appointments/{appt_id}/reschedule", {"date": TUESDAY, "timeSlot": "xx"}, owner)
    assert bad_time.status_code == 400
    not_yours = put(client, f"/api/appointments/{blocker}/reschedule", {"date": TUESDAY, "timeSlot": "16:00"}, owner)
    assert not_yours.status_code == 403


def test_staff_mark_completed_and_no_show_after_the_start(world, client, login) -> None:
    owner = login()
    first = book(client, owner).json_body["appointment"]["id"]
    second = book(client, owner, timeSlot="11:00").json_body["appointment"]["id"]
    staff = login("demo-staff")
    assert put(client, f"/api/appointments/{first}/complete", {}, owner).status_code == 403
    early = put(client, f"/api/appointments/{first}/complete", {}, staff)
    assert early.status_code == 409 and early.json_body["error"]["code"] == "NOT_STARTED"
    world.set(datetime(2026, 3, 3, 3, 30, tzinfo=UTC))  # Tuesday 11:30 local
    assert (
        put(client, f"/api/appointments/{first}/complete", {}, staff).json_body["appointment"]["status"] == "completed"
    )
    assert put(client, f"/api/appointments/{second}/no-show", {}, staff).json_body["appointment"]["status"] == "no-show"
    assert put(client, f"/api/appointments/{first}/no-show", {}, staff).status_code == 409


# --- notifications and preferences ------------------------------------------------------------
def test_notification_preferences_are_the_callers_own(world, client, login) -> None:
    me = login()
    uid = user_id(client, me)
    defaults = client.http.get(f"/api/customers/{uid}/notification-preferences", headers=me).json_body["preferences"]
    assert defaults == {"sms": True, "email": True, "push": True, "reminderTimes": ["24h", "2h"]}
    updated = put(
        client,
        f"/api/customers/{uid}/notification-preferences",
        {"preferences": {"sms": False, "reminderTimes": ["1h"]}},
        me,
    )
    assert updated.status_code == 200
    assert updated.json_body["preferences"] == {"sms": False, "email": True, "push": True, "reminderTimes": ["1h"]}
    # Notices go out on the channels the customer kept.
    appt_id = book(client, me).json_body["appointment"]["id"]
    notice = post_json(client, f"/api/appointments/{appt_id}/notifications/confirmation", {}, me)
    assert notice.json_body["channels"] == ["wechat", "email"]
    assert client.http.get(f"/api/customers/{uid}/notification-preferences", headers=login()).status_code == 403
    assert (
        put(client, f"/api/customers/{uid}/notification-preferences", {"preferences": {}}, login()).status_code == 403
    )
    bad = put(
        client, f"/api/customers/{uid}/notification-preferences", {"preferences": {"reminderTimes": ["soon"]}}, me
    )
    assert bad.status_code == 400
    assert (
        put(client, f"/api/customers/{uid}/notification-preferences", {"preferences": {"sms": "yes"}}, me).status_code
        == 400
    )


def test_notices_and_reminder_scheduling_roles(world, client, login) -> None:
    owner = login()
    appt_id = book(client, owner).json_body["appointment"]["id"]
    sent = post_json(client, f"/api/appointments/{appt_id}/notifications/confirmation", {}, owner)
    assert sent.status_code == 200 and sent.json_body["notificationId"] == f"appt-confirmed-{appt_id}"
    assert post_json(client, f"/api/appointments/{appt_id}/notifications/cancellation", {}, owner).status_code == 409
    assert post_json(client, f"/api/appointments/{appt_id}/notifications/bogus", {}, owner).status_code == 404
    reminder = f"/api/appointments/{appt_id}/notifications/reminder"
    assert post_json(client, reminder, {}, login()).status_code == 403
    assert post_json(client, reminder, {"type": "2h"}, owner).status_code == 403  # a staff tool
    by_staff = post_json(client, reminder, {"type": "2h"}, login("demo-staff"))
    assert by_staff.status_code == 200
    assert by_staff.json_body["notificationId"] == f"appt-reminder-{appt_id}-2h-2026-03-03T02:00:00Z"
    assert post_json(client, reminder, {"type": "whenever"}, login("demo-staff")).status_code == 400
    path = f"/api/appointments/{appt_id}/reminders/schedule"
    assert post_json(client, path, {"reminderTimes": ["1h"]}, owner).status_code == 403
    staff = login("demo-staff")
    assert post_json(client, path, {"reminderTimes": "1h"}, staff).status_code == 400
    scheduled = post_json(client, path, {"reminderTimes": ["1h", "30m", "3d"]}, staff)
    assert scheduled.status_code == 200
    # 3 days before Tuesday 10:00 is already past on Monday morning.
    assert [r["type"] for r in scheduled.json_body["reminders"]] == ["1h", "30m"]


# --- staff and merchant routes ----------------------------------------------------------------
def test_schedule_block_unblock_and_conflicts(world, client, login) -> None:
    staff = login("demo-staff")
    customer = login()
    book(client, customer, timeSlot="10:00")
    block_body = {"staffId": "st-zhang", "date": TUESDAY, "timeSlot": "10:00", "reason": "training"}
    assert post_json(client, "/api/appointments/schedule/block", block_body, customer).status_code == 403
    over_booking = post_json(client, "/api/appointments/schedule/block", block_body, staff)
    assert over_booking.status_code == 409
    blocked = post_json(
        client, "/api/appointments/schedule/block", {**block_body, "timeSlot": "15:00", "duration": 60}, staff
    )
    assert blocked.status_code == 200, blocked.json_body
    block = blocked.json_body["block"]
    assert (block["date"], block["timeSlot"], block["endTime"]) == (TUESDAY, "15:00", "16:00")
    assert book(client, customer, timeSlot="15:30").status_code == 409  # an appointment over a block
    conflicts = client.http.get(
        f"/api/appointments/schedule/conflicts?staffId=st-zhang&date={TUESDAY}&timeSlot=09:45&duration=60",
        headers=staff,
    ).json_body
    assert [c["type"] for c in conflicts["conflicts"]] == ["appointment"] and conflicts["available"] is False
    lunch = client.http.get(
        f"/api/appointments/schedule/conflicts?staffId=st-zhang&date={TUESDAY}&timeSlot=12:00", headers=staff
    ).json_body["conflicts"]
    assert [c["type"] for c in lunch] == ["outside_working_hours"]
    schedule = client.http.get(
        f"/api/appointments/staff/st-zhang/schedule?startDate={TUESDAY}&endDate=2026-03-04", headers=staff
    ).json_body["schedule"]
    assert [d["date"] for d in schedule] == [TUESDAY, "2026-03-04"]
    assert [a["timeSlot"] for a in schedule[0]["appointments"]] == ["10:00"]
    assert [b["id"] for b in schedule[0]["blocks"]] == [block["id"]]
    assert schedule[0]["workingHours"] == [{"start": "09:00", "end": "12:00"}, {"start": "13:00", "end": "18:00"}]
    assert client.http.delete(f"/api/appointments/schedule/unblock/{block['id']}", headers=customer).status_code == 403
    assert client.http.delete(f"/api/appointments/schedule/unblock/{block['id']}", headers=staff).status_code == 200
    assert client.http.delete(f"/api/appointments/schedule/unblock/{block['id']}", headers=staff).status_code == 404
    assert book(client, customer, timeSlot="15:30").status_code == 200
    other = client.http.get(
        f"/api/appointments/staff/st-zhang/schedule?startDate={TUESDAY}&endDate={TUESDAY}", headers=customer
    )
    assert other.status_code == 403


def test_update_availability_changes_slots(world, client, login) -> None:
    admin = login("demo-admin")
    availability = {"weeklyHours": {"tue": [["14:00", "16:00"]]}, "breaks": {}, "daysOff": ["2026-03-04"]}
    assert (
        put(
            client, "/api/appointments/staff/st-zhang/availability", {"availability": availability}, login()
        ).status_code
        == 403
    )
    response = put(client, "/api/appointments/staff/st-zhang/availability", {"availability": availability}, admin)
    assert response.status_code == 200, response.json_body
    slots = client.http.get(
        f"/api/appointments/availability/slots?serviceId=svc-consult&staffId=st-zhang&date={TUESDAY}"
    ).json_body["slots"]
    assert [s["start"] for s in slots] == ["14:00", "14:30", "15:00", "15:30"]
    bad = put(
        client,
        "/api/appointments/staff/st-zhang/availability",
        {"availability": {"weeklyHours": {"tue": [["16:00", "14:00"]]}}},
        admin,
    )
    assert bad.status_code == 400


def test_overview_for_staff_and_admin(world, client, login) -> None:
    book(client, login(), timeSlot="10:00")
    assert client.http.get(f"/api/appointments/schedule/overview?date={TUESDAY}", headers=login()).status_code == 403
    overview = client.http.get(
        f"/api/appointments/schedule/overview?date={TUESDAY}", headers=login("demo-admin")
    ).json_body["overview"]
    assert overview["date"] == TUESDAY
    assert {r["staffId"] for r in overview["staff"]} == {"st-li", "st-wang", "st-zhang"}
    zhang = next(r for r in overview["staff"] if r["staffId"] == "st-zhang")
    assert zhang["bookedMinutes"] == 30 and zhang["workingMinutes"] == 480
    assert overview["totals"]["appointments"] == 1


# --- analytics --------------------------------------------------------------------------------
def test_analytics_are_for_the_admin(world, client, login) -> None:
    customer, staff, admin = login(), login("demo-staff"), login("demo-admin")
    reports = {
        "bookings": "metrics",
        "services": "popularity",
        "staff": "utilization",
        "revenue": "revenue",
        "customers": "insights",
    }
    for report, field in reports.items():
        path = f"/api/appointments/analytics/{report}?period=30d"
        assert client.http.get(path, headers=customer).status_code == 403
        assert client.http.get(path, headers=staff).status_code == 403
        response = client.http.get(path, headers=admin)
        assert response.status_code == 200, response.json_body
        assert field in response.json_body


def test_analytics_numbers_and_bad_periods(world, client, login) -> None:
    admin = login("demo-admin")
    metrics = client.http.get("/api/appointments/analytics/bookings?period=30d", headers=admin).json_body["metrics"]
    assert metrics["totalBookings"] > 0
    assert 0 <= metrics["noShowRate"] <= 100 and 0 <= metrics["cancellationRate"] <= 100
    insights = client.http.get("/api/appointments/analytics/customers?period=7d", headers=admin).json_body["insights"]
    assert len(insights["hourly"]) == 24 and len(insights["weekdays"]) == 7
    assert client.http.get("/api/appointments/analytics/bookings?period=1y", headers=admin).status_code == 400
    assert client.http.get("/api/appointments/analytics/weather?period=7d", headers=admin).status_code == 404


def test_payment_route_checks_owner_status_and_amount(world, client, login) -> None:
    owner = login()
    appt = book(client, owner, serviceId="svc-haircut", totalAmount=8800).json_body["appointment"]
    free = book(client, owner, timeSlot="14:00").json_body["appointment"]
    pay = "/api/appointments/payment"
    assert post_json(client, pay, {"appointmentId": appt["id"], "amount": 8800}, login()).status_code == 403
    assert post_json(client, pay, {"appointmentId": appt["id"], "amount": 100}, owner).status_code == 400
    assert post_json(client, pay, {"appointmentId": free["id"], "amount": 0}, owner).status_code == 409
    assert post_json(client, pay, {"appointmentId": "apt_missing", "amount": 1}, owner).status_code == 404
    params = post_json(client, pay, {"appointmentId": appt["id"], "amount": 8800}, owner)
    assert params.status_code == 200, params.json_body
    assert set(params.json_body) == {"timeStamp", "nonceStr", "package", "signType", "paySign"}
    assert params.json_body["package"].startswith("prepay_id=") and params.json_body["signType"] == "RSA"


def test_payment_route_answers_a_wechat_pay_refusal_with_json_not_500(world, client, login, monkeypatch) -> None:
    from chalicelib.payments.client import WeChatPayClient, WeChatPayError

    owner = login()
    appt = book(client, owner, serviceId="svc-haircut", totalAmount=8800).json_body["appointment"]
    pay = "/api/appointments/payment"
    for status, code, expected in ((500, "SYSTEM_ERROR", 503), (400, "ORDERPAID", 409), (400, "ORDER_CLOSED", 409)):

        def refuse(self: Any, *args: Any, status: int = status, code: str = code) -> str:
            raise WeChatPayError(status, code, "refused")

        monkeypatch.setattr(WeChatPayClient, "jsapi_prepay", refuse)
        response = post_json(client, pay, {"appointmentId": appt["id"], "amount": 8800}, owner)
        assert response.status_code == expected, (code, response.json_body)
        assert "code" in response.json_body["error"]


# --- the client contract (docs/client-contract-appointments.md) ------------------------------


def test_booking_flow_fields_as_the_booking_page_reads_them(world, client, login) -> None:
    """services -> staff -> dates (days as a query string) -> slots -> book with the slot object."""
    me = login()
    services = client.http.get("/api/appointments/services").json_body["services"]
    haircut = next(s for s in services if s["id"] == "svc-haircut")
    assert isinstance(haircut["price"], int) and haircut["requiresPayment"] is True
    staff = client.http.get(f"/api/appointments/services/{haircut['id']}/staff").json_body["staff"]
    li = next(s for s in staff if s["id"] == "st-li")
    dates = client.http.get(
        f"/api/appointments/availability/dates?serviceId={haircut['id']}&staffId={li['id']}&days=30"
    ).json_body["dates"]
    assert len(dates) > 20 and all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", d) for d in dates)
    slot = client.http.get(
        f"/api/appointments/availability/slots?serviceId={haircut['id']}&staffId={li['id']}&date={dates[1]}"
    ).json_body["slots"][0]
    response = book(
        client,
        me,
        serviceId=haircut["id"],
        staffId=li["id"],
        date=dates[1],
        timeSlot=slot,
        customerInfo={"name": "李四", "phone": "13912345678", "email": "", "notes": ""},
        totalAmount=haircut["price"],
    )
    assert response.status_code == 200, response.json_body
    appt = response.json_body["appointment"]
    assert (appt["date"], appt["timeSlot"], appt["totalAmount"]) == (dates[1], slot["start"], haircut["price"])
    assert appt["status"] == "pending_payment"
    # new Date(`${date} ${timeSlot}`) and new Date(appointmentDateTime) name the same instant.
    assert datetime.fromisoformat(appt["appointmentDateTime"]) == datetime.fromisoformat(
        f"{appt['date']}T{appt['timeSlot']}:00+08:00"
    )
    detail = client.http.get(f"/api/appointments/{appt['id']}", headers=me).json_body["appointment"]
    for field in ("date", "timeSlot", "status", "duration", "serviceName", "appointmentDateTime"):
        assert detail[field] == appt[field]
    assert detail["duration"] == haircut["duration"] and detail["businessPhone"]


def test_block_accepts_the_empty_stored_user_id_but_not_someone_else(world, client, login) -> None:
    """blockedBy is wx.getStorageSync('userId'): "" when nothing is stored."""
    staff = login("demo-staff")
    body = {"staffId": "st-zhang", "date": TUESDAY, "timeSlot": "15:00", "reason": "training", "blockedBy": ""}
    blocked = post_json(client, "/api/appointments/schedule/block", body, staff)
    assert blocked.status_code == 200, blocked.json_body
    assert blocked.json_body["block"]["blockedBy"] == "u-demo-staff"
    own = post_json(
        client, "/api/appointments/schedule/block", {**body, "timeSlot": "16:00", "blockedBy": "u-demo-staff"}, staff
    )
    assert own.status_code == 200, own.json_body
    other = post_json(
        client, "/api/appointments/schedule/block", {**body, "timeSlot": "17:00", "blockedBy": "u-someone"}, staff
    )
    assert other.status_code == 403


def test_conflicts_take_the_same_time_slot_forms_as_a_block(world, client, login) -> None:
    staff = login("demo-staff")
    book(client, login(), timeSlot="10:30")
    base = f"/api/appointments/schedule/conflicts?staffId=st-zhang&date={TUESDAY}"
    ranged = client.http.get(f"{base}&timeSlot=10:00-11:00", headers=staff)
    assert ranged.status_code == 200, ranged.json_body
    assert [c["type"] for c in ranged.json_body["conflicts"]] == ["appointment"]
    assert ranged.json_body["conflicts"][0]["timeSlot"] == "10:30"
    free = client.http.get(f"{base}&timeSlot=09:00-10:00", headers=staff).json_body
    assert free == {"conflicts": [], "available": True}
    default_span = client.http.get(f"{base}&timeSlot=10:00", headers=staff).json_body["conflicts"]
    assert default_span == []  # 30 minutes from 10:00 ends where the booking starts
    backwards = client.http.get(f"{base}&timeSlot=11:00-10:00", headers=staff)
    assert backwards.status_code == 400


def test_notification_service_calls_as_the_client_makes_them(world, client, login) -> None:
    """Body-less confirmation POST, reminder {type}, schedule {reminderTimes}, cancellation {reason}."""
    me, staff = login(), login("demo-staff")
    appt_id = book(client, me, date="2026-03-10").json_body["appointment"]["id"]
    confirmation = client.http.post(
        f"/api/appointments/{appt_id}/notifications/confirmation",
        headers={"Content-Type": "application/json", **me},
    )
    assert confirmation.status_code == 200, confirmation.json_body
    assert confirmation.json_body["success"] is True
    reminder = post_json(client, f"/api/appointments/{appt_id}/notifications/reminder", {"type": "24h"}, staff)
    assert reminder.status_code == 200, reminder.json_body
    scheduled = post_json(
        client, f"/api/appointments/{appt_id}/reminders/schedule", {"reminderTimes": ["24h", "2h"]}, staff
    )
    assert [r["type"] for r in scheduled.json_body["reminders"]] == ["24h", "2h"]
    moved = post_json(
        client,
        f"/api/appointments/{appt_id}/notifications/reschedule",
        {"newDateTime": "2026-03-10T10:00:00+08:00"},
        me,
    )
    assert moved.status_code == 200, moved.json_body
    put = post_json(
        client, f"/api/appointments/{appt_id}/cancel", {"reason": "Customer cancellation"}, me, method="PUT"
    )
    assert put.json_body["success"] is True
    notice = post_json(
        client, f"/api/appointments/{appt_id}/notifications/cancellation", {"reason": "Customer cancellation"}, me
    )
    assert notice.status_code == 200 and notice.json_body["success"] is True
    prefs = client.http.get(f"/api/customers/{user_id(client, me)}/notification-preferences", headers=me)
    assert prefs.json_body["preferences"] == {"sms": True, "email": True, "push": True, "reminderTimes": ["24h", "2h"]}


def session(principal: Any) -> dict[str, str]:
    from datetime import timedelta

    from chalicelib.core.clock import clock
    from chalicelib.core.ids import new_token
    from chalicelib.identity.models import IdentityStore

    token = new_token()
    IdentityStore().put_session(token, principal, clock().now() + timedelta(days=1))
    return {"Authorization": f"Bearer {token}"}


def test_staff_of_another_store_and_admin_of_another_merchant_are_refused(world, client, login) -> None:
    from chalicelib.core.auth import Principal, Role
    from devstack import demo_data

    owner = login()
    appt_id = book(client, owner, date="2026-03-10").json_body["appointment"]["id"]
    outsiders = {
        "other-store staff": session(Principal("u-x-staff", Role.STAFF, demo_data.MERCHANT_ID, frozenset({"s-x"}))),
        "other-merchant admin": session(Principal("u-x-admin", Role.ADMIN, "m-x")),
    }
    for who, headers in outsiders.items():
        requests = [
            client.http.get(f"/api/appointments/{appt_id}", headers=headers),
            put(client, f"/api/appointments/{appt_id}/cancel", {"reason": "x"}, headers),
            post_json(client, f"/api/appointments/{appt_id}/notifications/reminder", {"type": "24h"}, headers),
            post_json(client, f"/api/appointments/{appt_id}/reminders/schedule", {"reminderTimes": ["2h"]}, headers),
            put(client, f"/api/appointments/{appt_id}/complete", {}, headers),
            client.http.get(
                f"/api/appointments/staff/st-zhang/schedule?startDate={TUESDAY}&endDate={TUESDAY}", headers=headers
            ),
            put(client, "/api/appointments/staff/st-zhang/availability", {"availability": {"daysOff": []}}, headers),
            post_json(
                client,
                "/api/appointments/schedule/block",
                {"staffId": "st-zhang", "date": TUESDAY, "timeSlot": "15:00"},
                headers,
            ),
            client.http.get(
                f"/api/appointments/schedule/conflicts?staffId=st-zhang&date={TUESDAY}&timeSlot=15:00", headers=headers
            ),
        ]
        assert [r.status_code for r in requests] == [403] * len(requests), (who, [r.json_body for r in requests])
        overview = client.http.get(f"/api/appointments/schedule/overview?date={TUESDAY}", headers=headers)
        assert overview.status_code in (200, 403)
        if overview.status_code == 200:
            assert overview.json_body["overview"]["staff"] == []
    foreign_admin = outsiders["other-merchant admin"]
    metrics = client.http.get("/api/appointments/analytics/bookings?period=90d", headers=foreign_admin)
    assert metrics.status_code == 200 and metrics.json_body["metrics"]["totalBookings"] == 0


def test_dates_at_the_ends_of_the_calendar_or_past_the_horizon_are_400s(world, client, login) -> None:
    """Were OverflowError 500s (anonymous slots at 9999-12-31 and 0001-01-01, staff schedule, overview,
    block, reschedule); and a customer could book in year 9000."""
    staff, customer = login("demo-staff"), login()
    slot = "serviceId=svc-haircut&staffId=st-zhang"
    calls = [
        ("GET", f"/api/appointments/availability/slots?{slot}&date={{d}}", None, {}),
        ("GET", "/api/appointments/staff/st-zhang/schedule?startDate={d}&endDate={d}", None, staff),
        ("GET", "/api/appointments/schedule/overview?date={d}", None, staff),
        (
            "POST",
            "/api/appointments/schedule/block",
            {"staffId": "st-zhang", "date": "{d}", "timeSlot": "10:00"},
            staff,
        ),
    ]
    for day in ("9999-12-31", "0001-01-01"):
        for method, path, body, headers in calls:
            url = path.replace("{d}", day).replace("{{d}}", day)
            payload = {k: (v.replace("{d}", day) if isinstance(v, str) else v) for k, v in (body or {}).items()}
            response = (
                post_json(client, url, payload, headers, method=method)
                if body
                else client.http.get(url, headers=headers)
            )
            assert response.status_code == 400, (day, url, response.body)
            assert response.json_body["error"]["code"] == "DATE_OUT_OF_RANGE", (day, url)
    far = (world.now() + timedelta(days=120)).date().isoformat()
    booked = book(client, customer, date=far)
    assert booked.status_code == 400 and booked.json_body["error"]["code"] == "DATE_OUT_OF_RANGE"
    made = book(client, customer)
    assert made.status_code in (200, 201), made.json_body
    moved = post_json(
        client,
        f"/api/appointments/{made.json_body['appointment']['id']}/reschedule",
        {"date": "9999-12-31", "timeSlot": "10:00"},
        customer,
        method="PUT",
    )
    assert moved.status_code == 400 and moved.json_body["error"]["code"] == "DATE_OUT_OF_RANGE"


def test_a_customer_past_the_stores_cap_of_open_bookings_gets_a_409(world, client, login) -> None:
    """Issue 8: one customer could take every slot of a day. The store setting
    maxOpenBookingsPerCustomer (default 3) caps the bookings one customer holds open at the merchant;
    a cancel gives a place back."""
    me, other = login(), login()
    made = [book(client, me, timeSlot=slot) for slot in ("10:00", "11:00", "14:00")]
    assert [r.status_code for r in made] == [200, 200, 200], [r.json_body for r in made]
    refused = book(client, me, timeSlot="15:00")
    assert refused.status_code == 409, refused.json_body
    assert refused.json_body["error"]["code"] == "TOO_MANY_OPEN_BOOKINGS"
    assert book(client, other, timeSlot="15:00").status_code == 200  # another customer is not affected
    first = made[0].json_body["appointment"]["id"]
    assert put(client, f"/api/appointments/{first}/cancel", {"reason": "x"}, me).status_code == 200
    assert book(client, me, timeSlot="16:00").status_code == 200

    from chalicelib.stores import models as stores
    from devstack import demo_data

    store = stores.get_store(demo_data.STORES[0][0])
    assert store is not None
    stores.put_store(replace(store, settings={**store.settings, "maxOpenBookingsPerCustomer": 4}))
    assert book(client, me, timeSlot="16:30").status_code == 200
    assert book(client, me, timeSlot="17:00").json_body["error"]["code"] == "TOO_MANY_OPEN_BOOKINGS"
