"""Demo appointments for `make run`: a wellness corner in the Nanjing East store with paid and free
services, three staff members with weekly hours, lunch breaks and days off, and a month of past
bookings so the merchant analytics have something to show."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from chalicelib.appointments import availability
from chalicelib.appointments.domain import Appointment, Service, Staff, Status
from chalicelib.appointments.repo import TableRepository
from chalicelib.core.errors import Conflict

MERCHANT_ID = "m-demo"
STORE_ID = "s-nanjing-east"
TZ = ZoneInfo("Asia/Shanghai")

SERVICES = [
    Service("svc-haircut", STORE_ID, MERCHANT_ID, "精剪造型", 45, 8800, True, 15, "洗剪吹，含造型建议"),
    Service("svc-massage", STORE_ID, MERCHANT_ID, "肩颈舒缓按摩", 60, 19800, True, 15, "久坐人群的肩颈放松"),
    Service("svc-spa", STORE_ID, MERCHANT_ID, "精油 SPA", 120, 39800, True, 15, "全身精油护理"),
    Service("svc-consult", STORE_ID, MERCHANT_ID, "营养咨询", 30, 0, False, 0, "营养师一对一，免费"),
    Service("svc-skin", STORE_ID, MERCHANT_ID, "皮肤检测", 30, 0, False, 0, "仪器检测肤质，免费"),
]

WEEKDAY_HOURS = {d: [["09:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
LUNCH = {d: [["12:00", "13:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def staff(now: datetime) -> list[Staff]:
    today = now.astimezone(TZ).date()
    return [
        Staff(
            "st-li",
            STORE_ID,
            MERCHANT_ID,
            "李师傅",
            ("svc-haircut", "svc-consult"),
            WEEKDAY_HOURS | {"sat": [["10:00", "16:00"]]},
            LUNCH,
            ((today + timedelta(days=3)).isoformat(),),
            title="资深发型师",
        ),
        Staff(
            "st-wang",
            STORE_ID,
            MERCHANT_ID,
            "王技师",
            ("svc-massage", "svc-spa"),
            {d: [["10:00", "20:00"]] for d in ("tue", "wed", "thu", "fri", "sat", "sun")},
            {d: [["13:00", "14:00"]] for d in ("tue", "wed", "thu", "fri", "sat", "sun")},
            ((today + timedelta(days=5)).isoformat(),),
            title="高级理疗师",
        ),
        Staff(
            "st-zhang",
            STORE_ID,
            MERCHANT_ID,
            "张顾问",
            ("svc-haircut", "svc-massage", "svc-consult", "svc-skin"),
            WEEKDAY_HOURS | {"sun": [["10:00", "16:00"]]},
            LUNCH,
            (),
            title="健康顾问",
            user_id="u-demo-staff",
        ),
    ]


def _past_bookings(repo: TableRepository, now: datetime, members: list[Staff]) -> None:
    """A month of history, written as the booking flow would leave it (claims included)."""
    rng = random.Random("demo-appointments")
    services = {s.id: s for s in SERVICES}
    outcomes = ["completed"] * 7 + ["no-show", "cancelled"]
    for index in range(24):
        member = members[index % len(members)]
        service = services[rng.choice(member.service_ids)]
        day = (now - timedelta(days=rng.randint(1, 29))).astimezone(TZ).date()
        slots = availability.candidate_slots(member.schedule(), day, TZ, service.duration)
        if not slots:
            continue
        start = rng.choice(slots).start
        status = Status(rng.choice(outcomes))
        appt = Appointment(
            id=f"apt_demo{index:04d}",
            status=status,
            user_id=f"u-demo-customer-{rng.randint(1, 12)}",
            store_id=STORE_ID,
            merchant_id=MERCHANT_ID,
            staff_id=member.id,
            staff_name=member.name,
            service_id=service.id,
            service_name=service.name,
            duration=service.duration,
            buffer=service.buffer,
            start=start,
            end=start + timedelta(minutes=service.duration),
            total_amount=service.price,
            out_trade_no=None,
            customer={"name": "演示顾客", "phone": "13800000000", "email": None, "notes": None},
            created_at=start - timedelta(days=2),
            updated_at=start,
        )
        units = [] if status == "cancelled" else availability.claim_units(start, service.duration, service.buffer)
        try:
            repo.create_appointment(appt, units, cap=0)  # history: not counted among open bookings
        except Conflict:  # two random picks landed on one slot: skip the second
            continue


def seed_second_merchant(store_id: str, merchant_id: str) -> None:
    """The second merchant's own bookable service: in its catalogue partition, never the demo merchant's."""
    TableRepository().put_service(
        Service("svc2-tea", store_id, merchant_id, "茶艺体验", 45, 6800, True, 0, "西湖龙井品鉴")
    )


def seed(now: datetime) -> None:
    repo = TableRepository()
    for service in SERVICES:
        repo.put_service(service)
    members = staff(now)
    for member in members:
        repo.put_staff(member)
    _past_bookings(repo, now, members)
