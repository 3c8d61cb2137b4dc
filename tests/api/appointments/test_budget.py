"""Every appointment route's DynamoDB calls at its documented minimum (docs/data-model.md), so no item
is read twice in a request. Counts come from the moto server's serialized DynamoDB (`local_aws.app.calls`);
an authenticated request's first GetItem is its session."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.api.appointments.support import TUESDAY, book, put, user_id
from tests.conftest import post_json


def calls(local_aws: Any, request: Callable[[], Any], status: int = 200) -> dict[str, int]:
    local_aws.app.calls.clear()
    response = request()
    assert response.status_code == status, response.json_body
    return dict(local_aws.app.calls)


def test_catalogue_and_availability_budget(world, client, local_aws) -> None:
    get = client.http.get
    assert calls(local_aws, lambda: get("/api/appointments/services")) == {"Query": 1}
    # service + its merchant's staff in the store
    assert calls(local_aws, lambda: get("/api/appointments/services/svc-massage/staff")) == {"GetItem": 1, "Query": 1}
    query = "serviceId=svc-haircut&staffId=st-li"
    # service, staff, store (its zone) + one Query of the staff's claims for the whole range
    dates = calls(local_aws, lambda: get(f"/api/appointments/availability/dates?{query}&days=30"))
    assert dates == {"GetItem": 3, "Query": 1}
    slots = calls(local_aws, lambda: get(f"/api/appointments/availability/slots?{query}&date={TUESDAY}"))
    assert slots == {"GetItem": 3, "Query": 1}


def test_booking_and_payment_budget(world, client, local_aws, login) -> None:
    me = login()
    # session, service, staff, store, preferences + the claim transaction
    assert calls(local_aws, lambda: book(client, me)) == {"GetItem": 5, "TransactWriteItems": 1}
    # a retry: the failed claim names the booking holding the slot, read once to recognise it
    assert calls(local_aws, lambda: book(client, me)) == {"GetItem": 6, "TransactWriteItems": 1}
    paid = book(client, me, serviceId="svc-haircut", totalAmount=8800, timeSlot="14:00").json_body["appointment"]
    body = {"appointmentId": paid["id"], "amount": 8800}
    pay = "/api/appointments/payment"
    # session (it carries the payer's openid), appointment, the merchant (its WeChat Pay sub_mchid)
    # + open the payment record + keep its prepay_id
    first = calls(local_aws, lambda: post_json(client, pay, body, me))
    assert first == {"GetItem": 3, "UpdateItem": 2}
    # a retry: session, appointment + the open (it answers with the stored prepay_id); no merchant read
    assert calls(local_aws, lambda: post_json(client, pay, body, me)) == {"GetItem": 2, "UpdateItem": 1}


def test_one_appointment_budget(world, client, local_aws, login) -> None:
    me, staff = login(), login("demo-staff")
    appt_id = book(client, me).json_body["appointment"]["id"]
    base = f"/api/appointments/{appt_id}"
    # session, appointment, store
    assert calls(local_aws, lambda: client.http.get(base, headers=me)) == {"GetItem": 3}
    # session, appointment, store, preferences (the notice's channels)
    notice = calls(local_aws, lambda: post_json(client, f"{base}/notifications/confirmation", {}, me))
    assert notice == {"GetItem": 4}
    # session, appointment + the reminder names
    reminders = calls(
        local_aws, lambda: post_json(client, f"{base}/reminders/schedule", {"reminderTimes": ["1h"]}, staff)
    )
    assert reminders == {"GetItem": 2, "UpdateItem": 1}
    # session, appointment, store, staff (its week), preferences + one move transaction (reminder names in it)
    # + the booking marked as reminded for its new start
    moved = calls(local_aws, lambda: put(client, f"{base}/reschedule", {"date": TUESDAY, "timeSlot": "11:00"}, me))
    assert moved == {"GetItem": 5, "TransactWriteItems": 1, "UpdateItem": 1}
    # the slot it already has, reminded for it (a client's retry): session, appointment, store, nothing else
    same = calls(local_aws, lambda: put(client, f"{base}/reschedule", {"date": TUESDAY, "timeSlot": "11:00"}, me))
    assert same == {"GetItem": 3}
    # session, appointment, store, preferences + the cancel transaction (a free booking: no payment)
    assert calls(local_aws, lambda: put(client, f"{base}/cancel", {"reason": "x"}, me)) == {
        "GetItem": 4,
        "TransactWriteItems": 1,
    }


def test_cancel_of_a_paid_booking_reads_its_payment_once(world, client, local_aws, login) -> None:
    me = login()
    appt = book(client, me, serviceId="svc-haircut", totalAmount=8800).json_body["appointment"]
    assert post_json(client, "/api/appointments/payment", {"appointmentId": appt["id"], "amount": 8800}, me)
    cancelled = calls(local_aws, lambda: put(client, f"/api/appointments/{appt['id']}/cancel", {}, me))
    # session, appointment, store, payment, preferences + cancel transaction + payment NOTPAY -> CLOSED
    assert cancelled == {"GetItem": 5, "TransactWriteItems": 1, "UpdateItem": 1}


def test_complete_budget(world, client, local_aws, login) -> None:
    from datetime import UTC, datetime

    appt_id = book(client, login()).json_body["appointment"]["id"]
    world.set(datetime(2026, 3, 3, 3, 30, tzinfo=UTC))
    staff = login("demo-staff")
    done = calls(local_aws, lambda: put(client, f"/api/appointments/{appt_id}/complete", {}, staff))
    assert done == {"GetItem": 3, "TransactWriteItems": 1}  # session, appointment, store + the status change


def test_preferences_budget(world, client, local_aws, login) -> None:
    me = login()
    path = f"/api/customers/{user_id(client, me)}/notification-preferences"
    assert calls(local_aws, lambda: client.http.get(path, headers=me)) == {"GetItem": 2}
    # session + one UpdateItem that returns what is stored: no read of the preferences
    updated = calls(local_aws, lambda: put(client, path, {"preferences": {"sms": False}}, me))
    assert updated == {"GetItem": 1, "UpdateItem": 1}


def test_staff_schedule_budget(world, client, local_aws, login) -> None:
    staff, admin = login("demo-staff"), login("demo-admin")
    book(client, login(), timeSlot="10:00")
    get = client.http.get
    schedule = f"/api/appointments/staff/st-zhang/schedule?startDate={TUESDAY}&endDate=2026-03-09"
    # session, staff, store + the staff member's appointments and blocks
    assert calls(local_aws, lambda: get(schedule, headers=staff)) == {"GetItem": 3, "Query": 2}
    availability = {"availability": {"daysOff": ["2026-03-20"]}}
    path = "/api/appointments/staff/st-zhang/availability"
    # session, staff + one UpdateItem that returns the new week (no re-read)
    assert calls(local_aws, lambda: put(client, path, availability, admin)) == {"GetItem": 2, "UpdateItem": 1}
    block_body = {"staffId": "st-zhang", "date": TUESDAY, "timeSlot": "15:00", "reason": "training"}
    block_path = "/api/appointments/schedule/block"
    # session, staff, store + block and its claims in one transaction
    assert calls(local_aws, lambda: post_json(client, block_path, block_body, staff)) == {
        "GetItem": 3,
        "TransactWriteItems": 1,
    }
    conflicts = f"/api/appointments/schedule/conflicts?staffId=st-zhang&date={TUESDAY}&timeSlot=09:30-16:00"
    # session, staff, store + the claims in the span + one read per holder (the booking and the block)
    assert calls(local_aws, lambda: get(conflicts, headers=staff)) == {"GetItem": 5, "Query": 1}
    block_id = post_json(client, block_path, {**block_body, "timeSlot": "16:00"}, staff).json_body["block"]["id"]
    unblock = f"/api/appointments/schedule/unblock/{block_id}"
    # session, block, its staff member + release in one transaction
    assert calls(local_aws, lambda: client.http.delete(unblock, headers=staff)) == {
        "GetItem": 3,
        "TransactWriteItems": 1,
    }


def test_overview_and_analytics_budget(world, client, local_aws, login) -> None:
    admin = login("demo-admin")
    get = client.http.get
    # session, the merchant's staff (3, one store), that store once + appointments and blocks per member
    overview = calls(local_aws, lambda: get(f"/api/appointments/schedule/overview?date={TUESDAY}", headers=admin))
    assert overview == {"GetItem": 2, "Query": 1 + 3 * 2}
    # session, the merchant's staff, the store (its zone) + appointments per member
    report = calls(local_aws, lambda: get("/api/appointments/analytics/bookings?period=30d", headers=admin))
    assert report == {"GetItem": 2, "Query": 1 + 3}
