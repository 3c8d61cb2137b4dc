"""The composition root: every timer kind anything schedules or sends has a handler, every declared
handler resolves, and stream subscriptions match what infra's filter lets through."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import pytest

import chalicelib
from chalicelib import wiring
from chalicelib.core.areas import TimerKind
from chalicelib.core.lazy import resolve
from chalicelib.core.resources import ResourceRefs
from chalicelib.core.streams import TTL_IDENTITY, StreamSubscription, dispatch, entity_type


def _all_modules() -> list[Any]:
    return [
        importlib.import_module(info.name)
        for info in pkgutil.walk_packages(chalicelib.__path__, prefix="chalicelib.")
        if not info.ispkg
    ]


def _declared_kinds() -> set[str]:
    """Every TimerKind constant any module defines: what code can schedule or send."""
    return {value.name for module in _all_modules() for value in vars(module).values() if isinstance(value, TimerKind)}


def _kinds_in_state_machines() -> set[str]:
    """Timer kinds the state machines put on the timers queue themselves (schedules and messages)."""
    refs = ResourceRefs(
        region="r",
        table_name="t",
        table_arn="arn:t",
        queue_urls={q.suffix: f"url-{q.suffix}" for q in wiring.STACK.queues},
        queue_arns={q.suffix: f"arn-{q.suffix}" for q in wiring.STACK.queues},
        scheduler_group="g",
        scheduler_role_arn="arn:role",
    )
    text = "".join(str(machine.definition(refs)) for machine in wiring.STACK.state_machines)
    return {kind for kind in _declared_kinds() if f"'{kind}'" in text}


def test_every_declared_timer_kind_has_a_handler() -> None:
    kinds = _declared_kinds()
    assert {"reservation_expiry", "payment_await", "payment_timeout", "appointment_reminder"} <= kinds
    assert kinds <= set(wiring.TIMER_HANDLERS), kinds - set(wiring.TIMER_HANDLERS)


def test_state_machines_only_send_kinds_that_are_handled() -> None:
    sent = _kinds_in_state_machines()
    assert {"payment_await", "booking_payment_failed"} <= sent
    assert sent <= set(wiring.TIMER_HANDLERS)


def test_every_declared_handler_resolves_to_a_function() -> None:
    paths = [
        *wiring.TIMER_HANDLERS.values(),
        *(s.handler for s in wiring.STREAM_SUBSCRIPTIONS),
        *(c.handler for c in wiring.QUEUE_CONSUMERS),
    ]
    for path in paths:
        assert callable(resolve(path)), path
    for module in wiring.route_modules():
        assert importlib.import_module(module).bp is not None


def test_a_handler_path_must_name_a_function() -> None:
    with pytest.raises(ValueError):
        resolve("chalicelib.core.clock")


def _record(event: str, et: str | None, identity: dict[str, str] | None = None) -> dict[str, Any]:
    image = {"pk": {"S": "X#1"}, "sk": {"S": "Y"}} | ({"et": {"S": et}} if et else {})
    record: dict[str, Any] = {"eventName": event, "dynamodb": {"OldImage" if event == "REMOVE" else "NewImage": image}}
    if identity:
        record["userIdentity"] = identity
    return record


def test_ttl_subscription_takes_only_ttl_removals_of_its_entity_type() -> None:
    sub = StreamSubscription("Sentinel", "m:f", ttl_removals_only=True)
    assert sub.matches(_record("REMOVE", "Sentinel", TTL_IDENTITY))
    assert not sub.matches(_record("REMOVE", "Sentinel"))  # our own delete
    assert not sub.matches(_record("REMOVE", "Other", TTL_IDENTITY))
    assert not sub.matches(_record("INSERT", "Sentinel"))
    assert not sub.matches(_record("REMOVE", None, TTL_IDENTITY))


def test_plain_subscription_takes_every_change_of_its_entity_type() -> None:
    sub = StreamSubscription("Order", "m:f")
    assert sub.matches(_record("INSERT", "Order"))
    assert sub.matches(_record("MODIFY", "Order"))
    assert sub.matches(_record("REMOVE", "Order"))
    assert not sub.matches(_record("INSERT", "Other"))
    assert entity_type(_record("MODIFY", "Order")) == "Order"


seen: list[dict[str, Any]] = []


def _remember(record: dict[str, Any]) -> None:
    seen.append(record)


def test_dispatch_runs_matching_subscriptions_only() -> None:
    seen.clear()
    subs = [StreamSubscription("Order", f"{__name__}:_remember")]
    dispatch(_record("INSERT", "Other"), subs)
    dispatch(_record("INSERT", "Order"), subs)
    assert [entity_type(r) for r in seen] == ["Order"]


def test_items_carry_their_entity_type() -> None:
    from chalicelib.reservations.area import EXPIRY_SENTINEL
    from chalicelib.reservations.models import ExpirySentinel, ReservationItem

    assert ExpirySentinel("a", "b").et == EXPIRY_SENTINEL
    assert ReservationItem("a", "b").et == "Reservation"
    assert EXPIRY_SENTINEL in {s.entity_type for s in wiring.STREAM_SUBSCRIPTIONS}


def test_importing_the_composition_root_reads_no_settings() -> None:
    """Test and local-stack setup import wiring (through devstack) before they set the environment;
    settings() is cached, so reading it at import would freeze the wrong values."""
    import subprocess
    import sys

    code = (
        "from chalicelib.core import config\n"
        "import chalicelib.wiring, devstack.provision\n"
        "assert config.settings.cache_info().currsize == 0, 'settings read at import'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
