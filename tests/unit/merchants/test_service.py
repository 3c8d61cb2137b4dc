"""Merchants' use cases against in-memory storage: onboarding (idempotent, clashes refused), the
platform's list, suspension, and a merchant admin's settings (only the given ones, never over a change
it did not see)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.core.auth import Principal, Role
from chalicelib.core.errors import Conflict, Forbidden, NotFound, ValidationError
from chalicelib.merchants import service
from chalicelib.merchants.domain import MerchantStatus
from chalicelib.merchants.service import NewMerchant, ProfileChange
from tests.fakes.merchants import FakeMerchants

NOW = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)
PLATFORM = Principal("u-platform", Role.PLATFORM)
TEA = NewMerchant("m-tea", "茶舍", "Asia/Shanghai", "openid-tea-boss", "1900000301")


def test_onboarding_creates_the_merchant_and_a_repeat_answers_the_same_one() -> None:
    repo = FakeMerchants()
    first = service.onboard(repo, PLATFORM, TEA, NOW)
    assert first.created and first.merchant.id == "m-tea" and first.merchant.status is MerchantStatus.ACTIVE
    assert repo.users_by_openid["openid-tea-boss"] == first.merchant.admin_user_id
    again = service.onboard(repo, PLATFORM, TEA, NOW + timedelta(minutes=1))
    assert not again.created and again.merchant == first.merchant


def test_onboarding_refuses_a_taken_id_an_admin_who_is_a_user_and_anyone_but_the_platform() -> None:
    repo = FakeMerchants()
    service.onboard(repo, PLATFORM, TEA, NOW)
    with pytest.raises(Conflict) as taken:
        service.onboard(repo, PLATFORM, NewMerchant("m-tea", "别家", "Asia/Shanghai", "openid-other"), NOW)
    assert taken.value.code == "MERCHANT_EXISTS"
    with pytest.raises(Conflict) as user:
        service.onboard(repo, PLATFORM, NewMerchant("m-cafe", "咖啡", "Asia/Shanghai", "openid-tea-boss"), NOW)
    assert user.value.code == "ADMIN_ALREADY_USER"
    with pytest.raises(ValidationError):
        service.onboard(repo, PLATFORM, NewMerchant("m-x", "X", "Mars/Olympus", "openid-x"), NOW)
    for caller in (Principal("u-a", Role.ADMIN, "m-tea"), Principal("u-c", Role.CUSTOMER)):
        with pytest.raises(Forbidden):
            service.onboard(repo, caller, NewMerchant("m-y", "Y", "Asia/Shanghai", "openid-y"), NOW)
    assert set(repo.merchants) == {"m-tea"}


def test_the_list_pages_newest_first() -> None:
    repo = FakeMerchants()
    for n in range(5):
        service.onboard(repo, PLATFORM, NewMerchant(f"m-{n}", f"M{n}", "Asia/Shanghai", f"o-{n}"), NOW + timedelta(n))
    page, after = service.merchants_page(repo, PLATFORM, 2, None)
    assert [m.id for m in page] == ["m-4", "m-3"]
    page, after = service.merchants_page(repo, PLATFORM, 2, after)
    assert [m.id for m in page] == ["m-2", "m-1"]
    page, after = service.merchants_page(repo, PLATFORM, 2, after)
    assert [m.id for m in page] == ["m-0"] and after is None


def test_suspend_and_resume_are_the_platforms_and_repeatable() -> None:
    repo = FakeMerchants()
    service.onboard(repo, PLATFORM, TEA, NOW)
    for _ in range(2):
        assert service.set_status(repo, PLATFORM, "m-tea", MerchantStatus.SUSPENDED, NOW).status.value == "suspended"
    assert service.set_status(repo, PLATFORM, "m-tea", MerchantStatus.ACTIVE, NOW).active
    with pytest.raises(NotFound):
        service.set_status(repo, PLATFORM, "m-none", MerchantStatus.SUSPENDED, NOW)
    with pytest.raises(Forbidden):
        service.set_status(repo, Principal("u-a", Role.ADMIN, "m-tea"), "m-tea", MerchantStatus.ACTIVE, NOW)


def test_a_merchant_admin_changes_only_the_given_settings_of_their_own_merchant() -> None:
    repo = FakeMerchants()
    tea = service.onboard(repo, PLATFORM, TEA, NOW).merchant
    admin = Principal("u-a", Role.ADMIN, "m-tea")
    change = ProfileChange(name="新茶舍", settings={"loyaltyEnabled": False})
    saved = service.change_profile(repo, admin, tea, change, NOW)
    assert (saved.name, saved.timezone, saved.settings.loyalty_enabled) == ("新茶舍", "Asia/Shanghai", False)
    assert saved.settings.reservations_enabled and saved.version == 1
    # A change made from what was read before another change landed is refused, not written over it.
    with pytest.raises(Conflict) as stale:
        service.change_profile(repo, admin, tea, ProfileChange(timezone="Asia/Tokyo"), NOW)
    assert stale.value.code == "MERCHANT_CHANGED"
    assert service.change_profile(repo, admin, saved, ProfileChange(), NOW) == saved  # nothing to write
    with pytest.raises(ValidationError):
        service.change_profile(repo, admin, saved, ProfileChange(timezone="Nowhere/Land"), NOW)
    for other in (Principal("u-b", Role.ADMIN, "m-other"), Principal("u-s", Role.STAFF, "m-tea"), PLATFORM):
        with pytest.raises(Forbidden):
            service.change_profile(repo, other, saved, change, NOW)
