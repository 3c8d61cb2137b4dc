"""The appointments world (the demo merchant's store at a known Monday morning) and the requests its
api and flow tests make."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.conftest import post_json

# Monday 2026-03-02 08:00 in Shanghai.
MONDAY_8AM = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
TUESDAY = "2026-03-03"
CUSTOMER = {"name": "张三", "phone": "13812345678", "email": "zhang@example.com"}


def seed_appointments_world(now: datetime) -> None:
    """The demo merchant's store and users plus the appointments demo (services, staff, history)."""
    from chalicelib.core.auth import Role
    from chalicelib.identity.models import IdentityStore
    from chalicelib.stores import models as stores
    from devstack import demo_appointments, demo_data

    demo_data.put_merchant()
    store_id, name, address, phone, lat, lon, hours = demo_data.STORES[0]
    stores.put_store(
        stores.Store(store_id, demo_data.MERCHANT_ID, name, address, phone, lat, lon, "Asia/Shanghai", hours, {})
    )
    identities = IdentityStore()
    identities.create_user(
        "u-demo-admin", demo_data.ADMIN_OPENID, "", now, role=Role.ADMIN, merchant_id=demo_data.MERCHANT_ID
    )
    identities.create_user(
        "u-demo-staff",
        demo_data.STAFF_OPENID,
        "",
        now,
        role=Role.STAFF,
        merchant_id=demo_data.MERCHANT_ID,
        store_ids=[store_id],
    )
    demo_appointments.seed(now)


def make_login(client: Any) -> Any:
    import uuid
    from datetime import timedelta

    from chalicelib.core.auth import Principal, Role
    from chalicelib.core.clock import clock
    from chalicelib.core.ids import new_token
    from chalicelib.identity.models import IdentityStore
    from devstack import demo_data

    known = {
        "demo-admin": Principal("u-demo-admin", Role.ADMIN, demo_data.MERCHANT_ID),
        "demo-staff": Principal("u-demo-staff", Role.STAFF, demo_data.MERCHANT_ID, frozenset({demo_data.STORES[0][0]})),
    }

    def _login(code: str | None = None) -> dict[str, str]:
        if code in known:
            token = new_token()
            IdentityStore().put_session(token, known[code], clock().now() + timedelta(days=30))
            return {"Authorization": f"Bearer {token}"}
        response = post_json(client, "/api/auth/login", {"code": code or f"appt-{uuid.uuid4().hex}"})
        assert response.status_code == 200, response.json_body
        return {"Authorization": f"Bearer {response.json_body['token']}"}

    return _login


def book(client: Any, headers: dict[str, str], **overrides: Any) -> Any:
    body = {
        "serviceId": "svc-consult",
        "staffId": "st-zhang",
        "date": TUESDAY,
        "timeSlot": "10:00",
        "customerInfo": CUSTOMER,
        "totalAmount": 0,
    }
    body.update(overrides)
    return post_json(client, "/api/appointments/book", body, headers)


def put(client: Any, path: str, body: Any, headers: dict[str, str]) -> Any:
    return post_json(client, path, body, headers, method="PUT")


def user_id(client: Any, headers: dict[str, str]) -> str:
    return str(client.http.get("/api/auth/me", headers=headers).json_body["userId"])
