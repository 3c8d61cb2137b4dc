"""Zero leaks between merchants: every route of `chalicelib/route_table.py`, called by every role of the
demo merchant (and the platform admin, a customer, an anonymous caller) with the SECOND merchant's ids
in its path, query and body (its store, stylist, service, a booking, a reservation, a queue ticket, an
assistance request, an export job, a schedule block, and its customer), answers 401/403/404, never a
5xx, and never a 2xx carrying the second merchant's private data.

A 2xx is accepted only where this file says why (`OPEN`): pages a shopper sees of any store (public by
design), routes scoped by the caller's own session (they can name no other merchant), a customer's own
acts at any merchant's store (customers belong to the platform, not to one merchant), and the platform
admin's own routes. Even then the answer must not contain any of the second merchant's private values.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import timedelta
from typing import Any

import pytest

from chalicelib.appointments.domain import Staff
from chalicelib.appointments.repo import TableRepository
from chalicelib.core.auth import Role
from chalicelib.core.clock import clock
from chalicelib.route_table import ROUTES
from devstack import demo_data
from tests.conftest import post_json
from tests.people import new_customer, new_staff, user_id_of

M2 = demo_data.MERCHANT_2_ID
S2 = demo_data.STORE_2[0]
ROLES = ("anonymous", "customer", "staff", "manager", "admin", "platform")
EVERY_DAY = {d: [["09:00", "21:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
C2_NAME, C2_PHONE = "外商顾客", "13900000002"

SHOPPER_PAGE = "public by design: what a shopper sees of any store (stores, catalogue, stock, services, slots)"
OWN_SESSION = "scoped by the caller's session: no id in it can name another merchant (own data only)"
CUSTOMER_ANYWHERE = "a customer acts as themselves at any merchant's store: customers are the platform's"
PLATFORM_OWN = "the platform admin's own routes: it oversees every merchant by design"
SIGN_IN = "signs in whoever the WeChat code names (a new customer here)"

# (method, path) -> (roles that may get a non-refusal, why). Everything else: 401/403/404 only.
OPEN: dict[tuple[str, str], tuple[frozenset[str], str]] = {}


def _open(routes: list[str], roles: tuple[str, ...], why: str) -> None:
    for route in routes:
        method, path = route.split(" ", 1)
        OPEN[(method, path)] = (frozenset(roles), why)


_open(
    [
        "GET /api/stores/nearby",
        "GET /api/stores/{store_id}",
        "GET /api/stores/{store_id}/categories",
        "GET /api/stores/{store_id}/inventory",
        "GET /api/stores/{store_id}/products/{product_id}",
        "GET /api/appointments/services",
        "GET /api/appointments/services/{service_id}/staff",
        "GET /api/appointments/availability/dates",
        "GET /api/appointments/availability/slots",
    ],
    ROLES,  # public routes read no session: a token changes nothing
    SHOPPER_PAGE,
)
_open(
    [
        "GET /api/stores/{store_id}/layout",
        "GET /api/stores/{store_id}/products/{product_id}/location",
        "GET /api/stores/{store_id}/route",
        "GET /api/stores/{store_id}/queue",
    ],
    ("customer",),
    SHOPPER_PAGE + " (signed in)",
)
_open(["POST /api/appointments/book"], ("customer",), CUSTOMER_ANYWHERE)
_open(["POST /api/auth/login"], ROLES, SIGN_IN)
_open(["GET /api/auth/me"], ROLES, OWN_SESSION)
_open(["GET /api/notifications", "GET /api/reservations"], ("customer", "staff", "manager", "admin"), OWN_SESSION)
_open(
    [
        "GET /api/appointments/analytics/{report}",
        "GET /api/merchant/exports",
        "POST /api/merchant/exports",
        "POST /api/merchant/members/import",
        "GET /api/merchant/report-settings",
        "PUT /api/merchant/report-settings",
        "POST /api/merchant/reports/send-now",
        "GET /api/merchant/settings",
        "PUT /api/merchant/settings",
    ],
    ("admin",),
    OWN_SESSION,
)
_open(
    [
        "GET /api/platform/merchants",
        "POST /api/platform/merchants",
        "POST /api/platform/merchants/{merchant_id}/suspend",
        "POST /api/platform/merchants/{merchant_id}/resume",
    ],
    ("platform",),
    PLATFORM_OWN,
)
# The signed unsubscribe link: a forged token naming the second merchant is refused as malformed (400).
REFUSED_AS_BAD_INPUT = {("GET", "/api/merchant/reports/unsubscribe")}


@pytest.fixture
def foreign(seeded: Any, client: Any, login: Any) -> dict[str, Any]:
    """The second merchant's world, made the way its people and customers make it."""
    TableRepository().put_staff(Staff("st2-chen", S2, M2, "陈茶师", ("svc2-tea",), EVERY_DAY, title="茶艺师"))
    c2 = new_customer(login)
    c2_id = user_id_of(client, c2)
    admin_2 = login(f"demo-admin-2#{uuid.uuid4().hex}")
    day = (clock().now() + timedelta(days=3)).astimezone().date().isoformat()
    slots = client.http.get(f"/api/appointments/availability/slots?serviceId=svc2-tea&staffId=st2-chen&date={day}")
    times = [s["start"] for s in slots.json_body["slots"]]
    assert len(times) >= 3, slots.json_body
    booked = post_json(
        client,
        "/api/appointments/book",
        {
            "serviceId": "svc2-tea",
            "staffId": "st2-chen",
            "date": day,
            "timeSlot": times[0],
            "customerInfo": {"name": C2_NAME, "phone": C2_PHONE},
            "totalAmount": 6800,
        },
        c2,
    )
    assert booked.status_code in (200, 201), booked.json_body
    reserved = post_json(client, "/api/reservations", {"storeId": S2, "productId": "p008", "quantity": 1}, c2)
    assert reserved.status_code == 200, reserved.json_body
    joined = post_json(client, "/api/queue/join", {"storeId": S2}, c2)
    assert joined.status_code in (200, 201), joined.json_body
    helped = post_json(client, "/api/staff/assistance-request", {"storeId": S2, "requestType": "product_inquiry"}, c2)
    assert helped.status_code in (200, 201), helped.json_body
    said = post_json(client, "/api/staff/message", {"storeId": S2, "message": "请问龙井还有吗"}, c2)
    assert said.status_code in (200, 201), said.json_body
    window = {"kind": "customers", "from": day, "to": day}
    job = post_json(client, "/api/merchant/exports", window, admin_2)
    assert job.status_code == 202, job.json_body
    blocked = post_json(
        client, "/api/appointments/schedule/block", {"staffId": "st2-chen", "date": day, "timeSlot": times[-1]}, admin_2
    )
    assert blocked.status_code in (200, 201), blocked.json_body
    reservation = reserved.json_body["reservation"]
    ids = {
        "store_id": S2,
        "product_id": "p008",
        "service_id": "svc2-tea",
        "staff_id": "st2-chen",
        "appointment_id": booked.json_body["appointment"]["id"],
        "reservation_id": reservation["id"],
        "pickup_code": reservation.get("pickupCode", "000000"),
        "ticket_id": joined.json_body["ticket"]["id"],
        "request_id": helped.json_body["request"]["id"]
        if "request" in helped.json_body
        else helped.json_body["requestId"],
        "job_id": job.json_body["job"]["id"],
        "block_id": blocked.json_body["block"]["id"],
        "user_id": c2_id,
        "customer_id": c2_id,
        "merchant_id": M2,
        "report": "bookings",
        "notice": "confirmation",
        "day": day,
        "slot": times[1],
    }
    # Values only the second merchant's people (and its customer) may ever see.
    ids["private"] = [
        ids[k] for k in ("appointment_id", "reservation_id", "ticket_id", "request_id", "job_id", "block_id")
    ]
    ids["private"] += [c2_id, "u-demo-admin-2", C2_NAME, C2_PHONE, "请问龙井还有吗"]
    return ids


def _request(ids: dict[str, Any], method: str, path: str) -> tuple[str, Any]:
    """The path with the second merchant's ids, and a query/body naming them wherever the route takes one."""
    day, slot, user = ids["day"], ids["slot"], ids["user_id"]
    concrete = re.sub(r"\{([^}]+)\}", lambda m: str(ids[m.group(1)]), path)
    queries = {
        "/api/appointments/analytics/{report}": "period=30d",
        "/api/appointments/availability/dates": "serviceId=svc2-tea&staffId=st2-chen&days=7",
        "/api/appointments/availability/slots": f"serviceId=svc2-tea&staffId=st2-chen&date={day}",
        "/api/appointments/schedule/conflicts": f"staffId=st2-chen&date={day}&timeSlot={slot}",
        "/api/appointments/schedule/overview": f"date={day}&storeId={S2}",
        "/api/appointments/services": f"storeId={S2}",
        "/api/appointments/staff/{staff_id}/schedule": f"startDate={day}&endDate={day}",
        "/api/loyalty/history/{user_id}": f"merchantId={M2}",
        "/api/loyalty/membership/{user_id}": f"merchantId={M2}",
        "/api/loyalty/rewards/{user_id}": f"merchantId={M2}",
        "/api/merchant/dashboard": f"from={day}&to={day}&storeId={S2}",
        "/api/merchant/reports/unsubscribe": f"token={M2}.daily.forged",
        "/api/queue/user/{user_id}": f"storeId={S2}",
        "/api/reservations": f"userId={user}",
        "/api/staff/messages": f"storeId={S2}&userId={user}",
        "/api/stores/nearby": "latitude=30.2590&longitude=120.1480&radius=5000",
        "/api/stores/{store_id}/route": "fromX=1&fromY=15&productId=p008",
    }
    bodies: dict[str, Any] = {
        "/api/appointments/book": {
            "serviceId": "svc2-tea",
            "staffId": "st2-chen",
            "date": day,
            "timeSlot": slot,
            "customerInfo": {"name": "探子", "phone": "13700000000"},
            "totalAmount": 6800,
        },
        "/api/appointments/payment": {"appointmentId": ids["appointment_id"], "amount": 6800},
        "/api/appointments/schedule/block": {"staffId": "st2-chen", "date": day, "timeSlot": slot, "blockedBy": user},
        "/api/appointments/staff/{staff_id}/availability": {
            "availability": {"weeklyHours": {"mon": [["10:00", "11:00"]]}}
        },
        "/api/appointments/{appointment_id}/cancel": {"reason": "probe"},
        "/api/appointments/{appointment_id}/notifications/{notice}": {},
        "/api/appointments/{appointment_id}/reminders/schedule": {"reminderTimes": ["1h"]},
        "/api/appointments/{appointment_id}/reschedule": {"date": day, "timeSlot": slot},
        "/api/auth/login": {"code": f"matrix-{uuid.uuid4().hex}"},
        "/api/customers/{customer_id}/notification-preferences": {"preferences": {"sms": False}},
        "/api/loyalty/earn-points": {"userId": user, "storeId": S2, "amount": 1000},
        "/api/loyalty/redeem": {"rewardId": "r-probe", "userId": user, "merchantId": M2},
        "/api/merchant/exports": {"kind": "customers", "from": day, "to": day},
        "/api/merchant/report-settings": {"daily": {"enabled": False}, "weekly": {"enabled": False}},
        "/api/merchant/reports/send-now": {"period": "daily"},
        "/api/merchant/settings": {},
        "/api/platform/merchants": {"merchantId": M2, "name": "湖畔便利", "adminOpenid": demo_data.ADMIN_2_OPENID},
        "/api/queue/join": {"storeId": S2, "userId": user},
        "/api/reservations": {"storeId": S2, "productId": "p008", "quantity": 1, "userId": user},
        "/api/reservations/{reservation_id}/pickup": {"pickupCode": ids["pickup_code"]},
        "/api/staff/assistance-request": {"storeId": S2, "requestType": "product_inquiry", "userId": user},
        "/api/staff/assistance-requests/{request_id}": {"status": "assigned"},
        "/api/staff/assistance-requests/{request_id}/feedback": {"rating": 5},
        "/api/staff/message": {"storeId": S2, "message": "probe", "userId": user},
        "/api/stores/{store_id}/staff/{user_id}": {"displayName": "探子"},
    }
    if path in queries:
        concrete += "?" + queries[path]
    return concrete, bodies.get(path)


def _call(client: Any, method: str, path: str, body: Any, headers: dict[str, str], media: str) -> Any:
    if method in ("POST", "PUT", "DELETE") and media == "application/json":
        return client.http.request(
            method, path, body=json.dumps(body or {}).encode(), headers={"Content-Type": media, **headers}
        )
    if method in ("POST", "PUT"):
        return client.http.request(method, path, body=b"", headers={"Content-Type": media, **headers})
    return client.http.request(method, path, headers=headers)


def test_no_route_gives_one_merchants_people_the_others_data(foreign: dict[str, Any], client: Any, login: Any) -> None:
    callers = {
        "anonymous": {},
        "customer": new_customer(login),
        "staff": login(f"demo-staff#{uuid.uuid4().hex}"),
        "manager": new_staff(login, ["s-jingan"], Role.MANAGER),
        "admin": login(f"demo-admin#{uuid.uuid4().hex}"),
        "platform": login(f"demo-platform#{uuid.uuid4().hex}"),
    }
    leaks, crashes, unexplained = [], [], []
    for method, path, _, media_types in ROUTES:
        for role in ROLES:
            concrete, body = _request(foreign, method, path)
            response = _call(client, method, concrete, body, callers[role], media_types[0])
            status = response.status_code
            text = response.body.decode() if isinstance(response.body, bytes) else str(response.body)
            if path.endswith("/suspend") and status == 200:  # the platform's own act: undo it for the rest
                post_json(client, f"/api/platform/merchants/{M2}/resume", {}, callers["platform"])
            if status >= 500:
                crashes.append((role, method, path, status, text[:200]))
                continue
            if status in (401, 403, 404):  # a refusal (its message may echo the id the caller sent)
                continue
            shown = [value for value in foreign["private"] if value in text]
            if shown:
                leaks.append((role, method, path, status, shown))
                continue
            if status == 400 and (method, path) in REFUSED_AS_BAD_INPUT:
                continue
            allowed, _why = OPEN.get((method, path), (frozenset(), ""))
            if role not in allowed:
                unexplained.append((role, method, path, status, text[:160]))
    assert not crashes, f"5xx answers: {crashes}"
    assert not leaks, f"the second merchant's data in answers: {leaks}"
    assert not unexplained, "answers that are neither a refusal nor listed in OPEN with a reason:\n" + "\n".join(
        map(str, unexplained)
    )


def test_every_open_route_exists_and_says_why() -> None:
    routes = {(method, path) for method, path, _, _ in ROUTES}
    assert set(OPEN) <= routes and routes >= REFUSED_AS_BAD_INPUT
    assert all(why for _, why in OPEN.values())
