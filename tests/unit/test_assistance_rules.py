"""Pure assistance rules: forward-only transitions, natural ids, conversation ownership."""

from __future__ import annotations

import pytest

from chalicelib.assistance import rules
from chalicelib.assistance.rules import Status
from chalicelib.core.auth import Principal, Role
from chalicelib.core.errors import Forbidden, ValidationError


def test_transitions_only_move_forward() -> None:
    assert rules.sources_of(Status.ASSIGNED) == {Status.PENDING}
    assert rules.sources_of(Status.APPROACHING) == {Status.ASSIGNED}
    assert rules.sources_of(Status.COMPLETED) == {Status.ASSIGNED, Status.APPROACHING}
    with pytest.raises(ValidationError):
        rules.sources_of(Status.PENDING)
    order = list(Status)
    for target, sources in rules.PREVIOUS.items():
        assert all(order.index(s) < order.index(target) for s in sources)


def test_parse_status() -> None:
    assert rules.parse_status("approaching") is Status.APPROACHING
    for bad in ("", None, "done", "PENDING"):
        with pytest.raises(ValidationError):
            rules.parse_status(bad)


def test_natural_ids_are_stable_and_distinct() -> None:
    assert rules.natural_id("ar", "s1", "u1", "1") == rules.natural_id("ar", "s1", "u1", "1")
    assert rules.natural_id("ar", "s1", "u1", "1") != rules.natural_id("ar", "s1", "u1", "2")
    assert rules.natural_id("ar", "s1", "u1", "1").startswith("ar_")


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
