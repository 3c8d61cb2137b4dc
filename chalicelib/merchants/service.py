"""Merchants' use cases: the platform admin onboards, lists, suspends and resumes merchants; a
merchant's admin reads and changes its profile and settings. Storage comes in as a port."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from chalicelib.core.auth import Principal
from chalicelib.core.errors import Conflict, NotFound
from chalicelib.merchants.domain import Merchant, MerchantSettings, MerchantStatus
from chalicelib.merchants.ports import MerchantRepository, Onboarding


@dataclass(frozen=True)
class NewMerchant:
    merchant_id: str
    name: str
    timezone: str
    admin_openid: str
    sub_mchid: str | None = None


@dataclass(frozen=True)
class Onboarded:
    merchant: Merchant
    created: bool  # False: a repeat of the request that created it


@dataclass(frozen=True)
class ProfileChange:
    """What a merchant admin changes (None: left as it is); `settings` holds only the given ones."""

    name: str | None = None
    timezone: str | None = None
    settings: dict[str, Any] | None = None


def admin_user_id(merchant_id: str, openid: str) -> str:
    """The onboarded admin's user id, the same for every repeat of one onboarding (so a repeat is
    recognised), and different for another openid (so a different request with the id is not)."""
    digest = hashlib.sha256(f"{merchant_id}#{openid}".encode()).hexdigest()[:16]
    return f"u-adm-{digest}"


def onboard(repo: MerchantRepository, principal: Principal, new: NewMerchant, now: datetime) -> Onboarded:
    principal.ensure_platform()
    merchant = Merchant(
        id=new.merchant_id,
        name=new.name,
        timezone=new.timezone,
        wechatpay_sub_mchid=new.sub_mchid,
        admin_user_id=admin_user_id(new.merchant_id, new.admin_openid),
    )
    outcome = repo.onboard(Onboarding(merchant, new.admin_openid, merchant.admin_user_id or ""), now)
    if outcome.created is not None:
        return Onboarded(outcome.created, created=True)
    if outcome.existing is not None:
        if _same_onboarding(outcome.existing, merchant):
            return Onboarded(outcome.existing, created=False)
        raise Conflict(f"Merchant '{new.merchant_id}' already exists.", code="MERCHANT_EXISTS", field="merchantId")
    raise Conflict("This WeChat user already has an account.", code="ADMIN_ALREADY_USER", field="adminOpenid")


def _same_onboarding(existing: Merchant, wanted: Merchant) -> bool:
    return (existing.name, existing.timezone, existing.wechatpay_sub_mchid, existing.admin_user_id) == (
        wanted.name,
        wanted.timezone,
        wanted.wechatpay_sub_mchid,
        wanted.admin_user_id,
    )


def merchants_page(
    repo: MerchantRepository, principal: Principal, limit: int, after: str | None
) -> tuple[list[Merchant], str | None]:
    principal.ensure_platform()
    return repo.page(limit, after)


def set_status(
    repo: MerchantRepository, principal: Principal, merchant_id: str, status: MerchantStatus, now: datetime
) -> Merchant:
    """Suspend or resume (a repeat changes nothing); a merchant that does not exist is a 404."""
    principal.ensure_platform()
    merchant = repo.set_status(merchant_id, status, now)
    if merchant is None:
        raise NotFound(f"Merchant '{merchant_id}' does not exist.", code="MERCHANT_NOT_FOUND", field="merchantId")
    return merchant


def profile(principal: Principal, merchant: Merchant) -> Merchant:
    principal.ensure_admin_of(merchant.id)
    return merchant


def change_profile(
    repo: MerchantRepository, principal: Principal, current: Merchant, change: ProfileChange, now: datetime
) -> Merchant:
    """The merchant as `current` (read in this request) with the change, written only if nobody changed
    it since (409 MERCHANT_CHANGED: read it again and retry)."""
    principal.ensure_admin_of(current.id)
    settings = current.settings
    if change.settings:
        settings = MerchantSettings.from_dict({**current.settings.to_dict(), **change.settings})
    wanted = replace(
        current,
        name=change.name if change.name is not None else current.name,
        timezone=change.timezone if change.timezone is not None else current.timezone,
        settings=settings,
    )
    if wanted == current:
        return current
    saved = repo.save_profile(wanted, current.version, now)
    if saved is None:
        raise Conflict("The merchant changed meanwhile; read it again.", code="MERCHANT_CHANGED")
    return saved
