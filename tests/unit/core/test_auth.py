"""Roles and bearer-token parsing."""

from __future__ import annotations

import pytest

from chalicelib.core.auth import Principal, Role, bearer_token
from chalicelib.core.errors import Forbidden, Unauthorized


class TestPrincipal:
    customer = Principal("u1", Role.CUSTOMER)
    staff = Principal("u2", Role.STAFF, "m1", frozenset({"s1"}))
    admin = Principal("u3", Role.ADMIN, "m1")
    manager = Principal("u4", Role.MANAGER, "m1", frozenset({"s1"}))
    platform = Principal("u5", Role.PLATFORM)

    def test_customer_acts_only_as_self(self) -> None:
        assert self.customer.ensure_self("u1") == "u1"
        assert self.customer.ensure_self(None) == "u1"
        with pytest.raises(Forbidden):
            self.customer.ensure_self("u2")

    def test_staff_scope(self) -> None:
        assert self.staff.can_staff("s1", "m1")
        assert not self.staff.can_staff("s2", "m1")
        assert self.admin.can_staff("s2", "m1")
        assert not self.admin.can_staff("s9", "m2")
        with pytest.raises(Forbidden):
            self.customer.ensure_staff_of("s1", "m1")
        with pytest.raises(Forbidden):
            self.staff.ensure_admin_of("m1")
        self.admin.ensure_admin_of("m1")

    def test_a_manager_runs_their_stores_of_their_merchant_only(self) -> None:
        assert self.manager.can_staff("s1", "m1")
        assert not self.manager.can_staff("s2", "m1")
        assert not self.manager.can_staff("s1", "m2")  # a store id listed on them, at another merchant
        assert not Principal("u2", Role.STAFF, "m1", frozenset({"s1"})).can_staff("s1", "m2")
        with pytest.raises(Forbidden):
            self.manager.ensure_admin_of("m1")
        assert self.manager.works_for("m1") and not self.manager.works_for("m2")

    def test_the_platform_admin_works_for_no_merchant(self) -> None:
        assert not self.platform.works_for_merchant
        assert not self.platform.can_staff("s1", "m1")
        with pytest.raises(Forbidden):
            self.platform.ensure_admin_of("m1")
        self.platform.ensure_platform()
        for other in (self.customer, self.staff, self.manager, self.admin):
            with pytest.raises(Forbidden):
                other.ensure_platform()

    @pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer   ", "Basic abc", "token-without-scheme"])
    def test_bearer_rejects(self, header: str | None) -> None:
        with pytest.raises(Unauthorized):
            bearer_token(header)

    def test_bearer_accepts_any_case(self) -> None:
        assert bearer_token("bearer abc") == "abc"
