"""Every appointment route's DynamoDB calls at its documented minimum (docs/data-model.md), so no item
is read twice in a request. Counts come from the moto server's serialized DynamoDB (`local_aws.app.calls`);
an authenticated request's first GetItem is its session."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.api.appointments.support import TUESDAY, book, put, user_id
from tests.api.budget import assert_budget, dynamodb_calls
from tests.conftest import post_json


def calls(local_aws: Any, request: Callable[[], Any], status: int = 200) -> dict[str, int]:
    responses: list[Any] = []
    made = dynamodb_calls(local_aws, lambda: responses.append(request()))
    assert responses[0].status_code == status, responses[0].json_body
    return made


def test_catalogue_and_availability_budget(world, client, local_aws) -> None:
    get = client.http.get
    assert_budget(calls(local_aws, lambda: get("/api/appointments/services")), "GET /api/appointments/services", "list")
    # service + its merchant's staff in the store
    staff = calls(local_aws, lambda: get("/api/appointments/services/svc-massage/staff"))
    assert_budget(staff, "GET /api/appointments/services/{service_id}/staff", "list")
    query = "serviceId=svc-haircut&staffId=st-li"
    # service, staff, store (its zone) + one Query of the staff's claims for the whole range
    dates = calls(local_aws, lambda: get(f"/api/appointments/availability/dates?{query}&days=30"))
    assert_budget(dates, "GET /api/appointments/availability/dates", "30 days")
    slots = calls(local_aws, lambda: get(f"/api/appointments/availability/slots?{query}&date={TUESDAY}"))
    assert_budget(slots, "GET /api/appointments/availability/slots", "one day")


def test_booking_and_payment_budget(world, client, local_aws, login) -> None:
    me = login()
    # session, service, staff, store, preferences + the claim transaction
    assert_budget(calls(local_aws, lambda: book(client, me)), "POST /api/appointments/book", "new")
    # a retry: the failed claim names the booking holding the slot, read once to recognise it
    assert_budget(calls(local_aws, lambda: book(client, me)), "POST /api/appointments/book", "retry")
    paid = book(client, me, serviceId="svc-haircut", totalAmount=8800, timeSlot="14:00").json_body["appointment"]
    body = {"appointmentId": paid["id"], "amount": 8800}
    pay = "/api/appointments/payment"
    # session (it carries the payer's openid), appointment, the merchant (its WeChat Pay sub_mchid)
    # + open the payment record + keep its prepay_id
    first = calls(local_aws, lambda: post_json(client, pay, body, me))
    assert_budget(first, "POST /api/appointments/payment", "first")
    # a retry: session, appointment + the open (it answers with the stored prepay_id); no merchant read
    assert_budget(calls(local_aws, lambda: post_json(client, pay, body, me)), "POST /api/appointments/payment", "retry")


def test_one_appointment_budget(world, client, local_aws, login) -> None:
    me, staff = login(), login("demo-staff")
    appt_id = book(client, me).json_body["appointment"]["id"]
    base = f"/api/appointments/{appt_id}"
    # session, appointment, store
    assert_budget(
        calls(local_aws, lambda: client.http.get(base, headers=me)), "GET /api/appointments/{appointment_id}", "owner"
    )
    # session, appointment, store, preferences (the notice's channels)
    notice = calls(local_aws, lambda: post_json(client, f"{base}/notifications/confirmation", {}, me))
    assert_budget(notice, "POST /api/appointments/{appointment_id}/notifications/{notice}", "confirmation")
    # session, appointment + the reminder names
    reminders = calls(
        local_aws, lambda: post_json(client, f"{base}/reminders/schedule", {"reminderTimes": ["1h"]}, staff)
    )
    assert_budget(reminders, "POST /api/appointments/{appointment_id}/reminders/schedule", "one reminder")
    # session, appointment, store, staff (its week), preferences + one move transaction (reminder names in it)
    # + the booking marked as reminded for its new start
    moved = calls(local_aws, lambda: put(client, f"{base}/reschedule", {"date": TUESDAY, "timeSlot": "11:00"}, me))
    assert_budget(moved, "PUT /api/appointments/{appointment_id}/reschedule", "move")
    # the slot it already has, reminded for it (a client's retry): session, appointment, store, nothing else
    same = calls(local_aws, lambda: put(client, f"{base}/reschedule", {"date": TUESDAY, "timeSlot": "11:00"}, me))
    assert_budget(same, "PUT /api/appointments/{appointment_id}/reschedule", "same slot")
    # session, appointment, store, preferences + the cancel transaction (a free booking: no payment)
    cancelled = calls(local_aws, lambda: put(client, f"{base}/cancel", {"reason": "x"}, me))
    assert_budget(cancelled, "PUT /api/appointments/{appointment_id}/cancel", "free")


def test_cancel_budget_of_a_paid_booking_reads_its_payment_once(world, client, local_aws, login) -> None:
    me = login()
    appt = book(client, me, serviceId="svc-haircut", totalAmount=8800).json_body["appointment"]
    assert post_json(client, "/api/appointments/payment", {"appointmentId": appt["id"], "amount": 8800}, me)
    cancelled = calls(local_aws, lambda: put(client, f"/api/appointments/{appt['id']}/cancel", {}, me))
    # session, appointment, store, payment, preferences + cancel transaction + payment NOTPAY -> CLOSED
    assert_budget(cancelled, "PUT /api/appointments/{appointment_id}/cancel", "paid")


@pytest.mark.parametrize("method", ["PUT", "POST"])
@pytest.mark.parametrize("mark", ["complete", "no-show"])
def test_complete_and_no_show_budget(world, client, local_aws, login, method: str, mark: str) -> None:
    appt_id = book(client, login()).json_body["appointment"]["id"]
    world.set(datetime(2026, 3, 3, 3, 30, tzinfo=UTC))  # after its start
    staff = login("demo-staff")
    path = f"/api/appointments/{appt_id}/{mark}"
    done = calls(local_aws, lambda: post_json(client, path, {}, staff, method=method))
    # session, appointment, store + the status change
    assert_budget(done, f"{method} /api/appointments/{{appointment_id}}/{mark}", "staff")


def test_preferences_budget(world, client, local_aws, login) -> None:
    me = login()
    path = f"/api/customers/{user_id(client, me)}/notification-preferences"
    read = calls(local_aws, lambda: client.http.get(path, headers=me))
    assert_budget(read, "GET /api/customers/{customer_id}/notification-preferences", "own")
    # session + one UpdateItem that returns what is stored: no read of the preferences
    updated = calls(local_aws, lambda: put(client, path, {"preferences": {"sms": False}}, me))
    assert_budget(updated, "PUT /api/customers/{customer_id}/notification-preferences", "own")


def test_staff_schedule_budget(world, client, local_aws, login) -> None:
    staff, admin = login("demo-staff"), login("demo-admin")
    book(client, login(), timeSlot="10:00")
    get = client.http.get
    schedule = f"/api/appointments/staff/st-zhang/schedule?startDate={TUESDAY}&endDate=2026-03-09"
    # session, staff, store + the staff member's appointments and blocks
    assert_budget(
        calls(local_aws, lambda: get(schedule, headers=staff)),
        "GET /api/appointments/staff/{staff_id}/schedule",
        "a week",
    )
    availability = {"availability": {"daysOff": ["2026-03-20"]}}
    path = "/api/appointments/staff/st-zhang/availability"
    # session, staff + one UpdateItem that returns the new week (no re-read)
    week = calls(local_aws, lambda: put(client, path, availability, admin))
    assert_budget(week, "PUT /api/appointments/staff/{staff_id}/availability", "update")
    block_body = {"staffId": "st-zhang", "date": TUESDAY, "timeSlot": "15:00", "reason": "training"}
    block_path = "/api/appointments/schedule/block"
    # session, staff, store + block and its claims in one transaction
    blocked = calls(local_aws, lambda: post_json(client, block_path, block_body, staff))
    assert_budget(blocked, "POST /api/appointments/schedule/block", "block")
    conflicts = f"/api/appointments/schedule/conflicts?staffId=st-zhang&date={TUESDAY}&timeSlot=09:30-16:00"
    # session, staff, store + the claims in the span + one read per holder (the booking and the block)
    found = calls(local_aws, lambda: get(conflicts, headers=staff))
    assert_budget(found, "GET /api/appointments/schedule/conflicts", "a booking and a block")
    block_id = post_json(client, block_path, {**block_body, "timeSlot": "16:00"}, staff).json_body["block"]["id"]
    unblock = f"/api/appointments/schedule/unblock/{block_id}"
    # session, block, its staff member + release in one transaction
    released = calls(local_aws, lambda: client.http.delete(unblock, headers=staff))
    assert_budget(released, "DELETE /api/appointments/schedule/unblock/{block_id}", "unblock")


def test_overview_and_analytics_budget(world, client, local_aws, login) -> None:
    admin = login("demo-admin")
    get = client.http.get
    # session, the merchant's staff (3, one store), that store once + appointments and blocks per member
    overview = calls(local_aws, lambda: get(f"/api/appointments/schedule/overview?date={TUESDAY}", headers=admin))
    assert_budget(overview, "GET /api/appointments/schedule/overview", "three staff")  # Query: 1 + 3 * 2
    # session, the merchant's staff, the store (its zone) + appointments per member
    report = calls(local_aws, lambda: get("/api/appointments/analytics/bookings?period=30d", headers=admin))
    assert_budget(report, "GET /api/appointments/analytics/{report}", "admin report")  # Query: 1 + 3
