"""Pure assistance rules: forward-only transitions, natural ids, conversation ownership."""

from __future__ import annotations

import pytest

from chalicelib.assistance import rules
from chalicelib.assistance.domain import PREVIOUS, Status
from chalicelib.core.auth import Principal, Role
from chalicelib.core.errors import Forbidden, ValidationError
from chalicelib.core.ids import stable_id


def test_transitions_only_move_forward() -> None:
    assert rules.sources_of(Status.ASSIGNED) == {Status.PENDING}
    assert rules.sources_of(Status.APPROACHING) == {Status.ASSIGNED}
    assert rules.sources_of(Status.COMPLETED) == {Status.ASSIGNED, Status.APPROACHING}
    with pytest.raises(ValidationError):
        rules.sources_of(Status.PENDING)
    order = list(Status)
    for target, sources in PREVIOUS.items():
        assert all(order.index(s) < order.index(target) for s in sources)


def test_parse_status() -> None:
    assert rules.parse_status("approaching") is Status.APPROACHING
    for bad in ("", None, "done", "PENDING"):
        with pytest.raises(ValidationError):
            rules.parse_status(bad)


def test_natural_ids_are_stable_and_distinct() -> None:
    assert stable_id("ar", "s1", "u1", "1") == stable_id("ar", "s1", "u1", "1")
    assert stable_id("ar", "s1", "u1", "1") != stable_id("ar", "s1", "u1", "2")
    assert stable_id("ar", "s1", "u1", "1").startswith("ar_")


def test_conversation_belongs_to_the_caller_unless_staff_name_a_customer() -> None:
    customer = Principal("u-c", Role.CUSTOMER)
    staff = Principal("u-s", Role.STAFF, store_ids=frozenset({"s1"}))
    assert rules.conversation_owner(customer, None, staff_of_store=False) == "u-c"
    assert rules.conversation_owner(customer, "u-c", staff_of_store=False) == "u-c"
    with pytest.raises(Forbidden):
        rules.conversation_owner(customer, "u-other", staff_of_store=False)
    assert rules.conversation_owner(staff, "u-c", staff_of_store=True) == "u-c"
    with pytest.raises(Forbidden):
        rules.conversation_owner(staff, "u-c", staff_of_store=False)


def test_staff_to_notify_follows_the_rota_in_store_time() -> None:
    from datetime import UTC, datetime

    from chalicelib.assistance.rules import staff_to_notify
    from chalicelib.identity.domain import StoreStaff

    monday_10_shanghai = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    morning = StoreStaff("u-morning", {"mon": [["08:00", "12:00"]]})
    evening = StoreStaff("u-evening", {"mon": [["18:00", "02:00"]]})
    anytime = StoreStaff("u-anytime", None)
    assert staff_to_notify([morning, evening, anytime], "Asia/Shanghai", monday_10_shanghai) == [
        "u-morning",
        "u-anytime",
    ]
    # 10:00 UTC is 18:00 in Shanghai: the evening shift, not the morning one.
    assert staff_to_notify([morning, evening], "Asia/Shanghai", monday_10_shanghai.replace(hour=10)) == ["u-evening"]
    # 01:00 Tuesday is still Monday's overnight shift.
    assert staff_to_notify([morning, evening], "Asia/Shanghai", datetime(2026, 11, 23, 17, 0, tzinfo=UTC)) == [
        "u-evening"
    ]
    # Nobody on shift (04:00): everyone, so the customer is not left unseen.
    assert staff_to_notify([morning, evening], "Asia/Shanghai", datetime(2026, 11, 23, 20, 0, tzinfo=UTC)) == [
        "u-morning",
        "u-evening",
    ]
    assert staff_to_notify([], "Asia/Shanghai", monday_10_shanghai) == []
