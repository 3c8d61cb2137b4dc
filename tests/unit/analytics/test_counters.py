"""Counters against a recomputation from the raw records: a randomized sequence of reservation and
ticket changes, every stream record delivered once or more, through the areas' feeds and the
analytics use case on fakes, then compared with counts made directly from the final records."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from chalicelib.analytics import domain, service
from chalicelib.core.counters import Increment
from chalicelib.reservations.domain import reservation_counters
from chalicelib.storequeue.domain import ticket_counters
from tests.fakes.analytics import fake_ports

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)  # 20:00 in Shanghai: events cross local midnight
STORES = ("s1", "s2")
SKUS = ("sku-a", "sku-b", "sku-c")


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _local(at: str) -> tuple[str, int]:
    moment = datetime.fromisoformat(at).astimezone(SHANGHAI)
    return moment.date().isoformat(), moment.hour


class World:
    """Items as their stream images, and every stream record (old, new) in the order written."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.now = START
        self.reservations: dict[str, dict[str, Any]] = {}
        self.tickets: dict[str, dict[str, Any]] = {}
        self.records: list[tuple[str, str, dict[str, Any] | None, dict[str, Any]]] = []

    def _write(self, kind: str, items: dict[str, dict[str, Any]], key: str, new: dict[str, Any]) -> None:
        old = items.get(key)
        items[key] = new
        self.records.append((f"ev{len(self.records)}", kind, None if old is None else dict(old), dict(new)))
        if kind == "Reservation":  # the customer's copy, same entity type, written in the same transaction
            copy_old = None if old is None else {**old, "sk": f"RESERVATION#{key}"}
            self.records.append((f"ev{len(self.records)}", kind, copy_old, {**new, "sk": f"RESERVATION#{key}"}))

    def step(self) -> None:
        self.now += timedelta(minutes=self.rng.randint(1, 90))
        at = _iso(self.now)
        choice = self.rng.random()
        open_res = [k for k, v in self.reservations.items() if v["status"] == "open"]
        live_tickets = [k for k, v in self.tickets.items() if v["status"] in ("waiting", "serving")]
        if choice < 0.3 or (not open_res and choice < 0.6):
            key = f"r{len(self.reservations)}"
            item = {
                "sk": "META",
                "merchant_id": "m1",
                "store_id": self.rng.choice(STORES),
                "product_id": "p",
                "sku_id": self.rng.choice(SKUS),
                "quantity": self.rng.randint(1, 4),
                "status": "open",
                "created_at": at,
                "updated_at": at,
            }
            self._write("Reservation", self.reservations, key, item)
        elif choice < 0.6:
            key = self.rng.choice(open_res)
            status = self.rng.choice(["picked_up", "picked_up", "expired", "cancelled"])
            self._write(
                "Reservation", self.reservations, key, {**self.reservations[key], "status": status, "updated_at": at}
            )
        elif choice < 0.8 or not live_tickets:
            key = f"t{len(self.tickets)}"
            item = {"merchant_id": "m1", "store_id": self.rng.choice(STORES), "status": "waiting", "created_at": at}
            self._write("Ticket", self.tickets, key, item)
        else:
            key = self.rng.choice(live_tickets)
            ticket = self.tickets[key]
            if ticket["status"] == "waiting" and self.rng.random() < 0.6:
                new = {**ticket, "status": "serving", "called_at": at}
            else:
                new = {**ticket, "status": self.rng.choice(["completed", "no_show", "left"]), "finished_at": at}
            self._write("Ticket", self.tickets, key, new)


def _expected(world: World) -> dict[tuple[str, str], Counter[str]]:
    """Counts straight from the final items, per (scope, day), in the same attribute names."""
    counts: dict[tuple[str, str], Counter[str]] = {}

    def add(metric: str, at: str, store: str, amount: int = 1, dimension: str | None = None) -> None:
        day, hour = _local(at)
        for scope in (domain.MERCHANT_SCOPE, store):
            bucket = counts.setdefault((scope, day), Counter())
            bucket[domain.total_attr(metric)] += amount
            bucket[domain.hour_attr(metric, hour)] += amount
            if dimension:
                bucket[domain.dimension_attr(metric, dimension)] += amount

    closed = {
        "picked_up": "reservations_picked_up",
        "expired": "reservations_expired",
        "cancelled": "reservations_cancelled",
    }
    for r in world.reservations.values():
        add("reservations_made", r["created_at"], r["store_id"])
        add("customer_actions", r["created_at"], r["store_id"])
        if r["status"] in closed:
            add(closed[r["status"]], r["updated_at"], r["store_id"])
        if r["status"] == "picked_up":
            add("units_sold", r["updated_at"], r["store_id"], r["quantity"], r["sku_id"])
    finished = {"completed": "queue_served", "no_show": "queue_no_shows", "left": "queue_left"}
    for t in world.tickets.values():
        add("queue_tickets", t["created_at"], t["store_id"])
        add("customer_actions", t["created_at"], t["store_id"])
        if "called_at" in t:
            wait = int(
                (datetime.fromisoformat(t["called_at"]) - datetime.fromisoformat(t["created_at"])).total_seconds()
            )
            add("queue_called", t["called_at"], t["store_id"])
            if wait:
                add("queue_wait_seconds", t["called_at"], t["store_id"], wait)
        if t["status"] in finished:
            add(finished[t["status"]], t["finished_at"], t["store_id"])
    return counts


FEEDS = {"Reservation": reservation_counters, "Ticket": ticket_counters}


@pytest.mark.parametrize("seed", range(8))
def test_counters_equal_a_recomputation_despite_redelivery(seed: int) -> None:
    rng = random.Random(seed)
    world = World(rng)
    for _ in range(300):
        world.step()
    ports, counters = fake_ports()
    deliveries = []
    for record in world.records:
        deliveries.extend([record] * rng.choice([1, 1, 2, 3]))  # at-least-once: some records come again
    # Redeliveries come later, out of order within a window, as a retried batch does.
    for i in range(len(deliveries) - 1):
        if rng.random() < 0.2:
            j = min(len(deliveries) - 1, i + rng.randint(1, 5))
            if deliveries[i][0] != deliveries[j][0]:
                deliveries[i], deliveries[j] = deliveries[j], deliveries[i]
    for event_id, kind, old, new in deliveries:
        service.record(ports, f"{event_id}#{kind}", FEEDS[kind](old, new))

    expected = _expected(world)
    actual = {
        (scope, day): Counter({k: v for k, v in item.items() if v}) for (_, scope, day), item in counters.items.items()
    }
    expected = {key: Counter({k: v for k, v in c.items() if v}) for key, c in expected.items() if +c}
    assert actual == expected


def test_figures_sum_days_hours_and_best_sellers() -> None:
    ports, _ = fake_ports(stock={"sku-a": 10, "sku-b": 0})
    at = "2026-12-01T02:30:00+00:00"  # 10:30 in Shanghai
    service.record(
        ports,
        "e1",
        [
            Increment("reservations_made", "m1", at, "s1"),
            Increment("customer_actions", "m1", at, "s1"),
            Increment("units_sold", "m1", at, "s1", 6, "sku-a"),
            Increment("units_sold", "m1", "2026-12-02T02:30:00+00:00", "s1", 7, "sku-b"),
        ],
    )
    assert not service.record(ports, "e1", [Increment("reservations_made", "m1", at, "s1")])
    figures, low = service.dashboard(ports, "m1", "s1", date(2026, 12, 1), date(2026, 12, 3), date(2026, 12, 3))
    assert figures.totals == {"reservations_made": 1, "customer_actions": 1, "units_sold": 13}
    assert figures.repurchase_rate is None  # no orders before the mall
    assert [d.day for d in figures.by_day] == ["2026-12-01", "2026-12-02", "2026-12-03"]
    assert figures.by_hour[10] == 1 and sum(figures.by_hour) == 1 and figures.peak_hour == 10
    assert [(s.sku_id, s.units) for s in figures.best_sellers] == [("sku-b", 7), ("sku-a", 6)]
    assert [(f.sku_id, f.days_of_cover) for f in low] == [("sku-b", 0.0), ("sku-a", round(10 / (6 / 14), 1))]
    whole, none = service.dashboard(ports, "m1", None, date(2026, 12, 1), date(2026, 12, 1), date(2026, 12, 1))
    assert whole.totals == {"reservations_made": 1, "customer_actions": 1, "units_sold": 6} and none == []


def test_reads_one_item_per_day_whatever_the_history() -> None:
    ports, counters = fake_ports()
    for n in range(2000):
        at = _iso(START + timedelta(minutes=n))
        service.record(ports, f"e{n}", [Increment("reservations_made", "m1", at, "s1")])
    counters.reads.clear()
    service.dashboard(ports, "m1", "s1", date(2026, 11, 25), date(2026, 12, 5), date(2026, 12, 5))
    assert len(counters.reads) == len(set(counters.reads)) == 11 + 3  # the range, then recent days before it


def test_ranges_are_bounded() -> None:
    with pytest.raises(ValueError):
        domain.days_between(date(2026, 1, 2), date(2026, 1, 1))
    with pytest.raises(ValueError):
        domain.days_between(date(2025, 1, 1), date(2026, 12, 31))


def test_booking_feed_counts_each_status_reached_once() -> None:
    from chalicelib.appointments.domain import booking_counters

    made = {
        "merchant_id": "m1",
        "store_id": "s1",
        "staff_id": "st1",
        "service_id": "svc",
        "duration": 45,
        "total_amount": 9900,
        "status": "pending_payment",
        "created_at": "2026-12-01T02:00:00Z",
        "updated_at": "2026-12-01T02:00:00Z",
    }
    confirmed = {**made, "status": "confirmed", "updated_at": "2026-12-01T02:01:00Z"}
    completed = {**confirmed, "status": "completed", "updated_at": "2026-12-02T03:00:00Z"}
    counted = [
        *booking_counters(None, made),
        *booking_counters(made, confirmed),
        *booking_counters(confirmed, confirmed),  # a reminder name written: nothing new
        *booking_counters(confirmed, completed),
        *booking_counters(completed, None),  # a deletion counts nothing
    ]
    assert [(i.metric, i.amount, i.dimension) for i in counted] == [
        ("bookings", 1, None),
        ("customer_actions", 1, None),
        ("bookings_confirmed", 1, None),
        ("staff_minutes_booked", 45, "st1"),
        ("bookings_completed", 1, None),
        ("booking_revenue", 9900, "svc"),
    ]
