"""In-memory merchant storage (the port of `chalicelib.merchants.service`), with DynamoDB's answers:
conditional onboarding, a newest-first list by creation time, writes that answer the item after."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from chalicelib.core.clock import to_iso
from chalicelib.merchants.domain import Merchant, MerchantStatus
from chalicelib.merchants.ports import Onboarding, OnboardOutcome


class FakeMerchants:
    def __init__(self) -> None:
        self.merchants: dict[str, Merchant] = {}
        self.users_by_openid: dict[str, str] = {}  # identity's side of onboarding

    def onboard(self, onboarding: Onboarding, now: datetime) -> OnboardOutcome:
        merchant = onboarding.merchant
        if merchant.id in self.merchants:
            return OnboardOutcome(existing=self.merchants[merchant.id])
        if onboarding.admin_openid in self.users_by_openid:
            return OnboardOutcome(openid_taken=True)
        created = replace(merchant, created_at=merchant.created_at or to_iso(now))
        self.merchants[merchant.id] = created
        self.users_by_openid[onboarding.admin_openid] = onboarding.admin_user_id
        return OnboardOutcome(created=created)

    def page(self, limit: int, after: str | None) -> tuple[list[Merchant], str | None]:
        ordered = sorted(self.merchants.values(), key=_sort_key, reverse=True)
        if after is not None:
            ordered = [m for m in ordered if _sort_key(m) < after]
        page = ordered[:limit]
        return page, (_sort_key(page[-1]) if len(ordered) > limit else None)

    def set_status(self, merchant_id: str, status: MerchantStatus, now: datetime) -> Merchant | None:
        if merchant_id not in self.merchants:
            return None
        self.merchants[merchant_id] = replace(self.merchants[merchant_id], status=status)
        return self.merchants[merchant_id]

    def save_profile(self, merchant: Merchant, read_version: int, now: datetime) -> Merchant | None:
        stored = self.merchants.get(merchant.id)
        if stored is None or stored.version != read_version:
            return None
        saved = replace(
            stored, name=merchant.name, timezone=merchant.timezone, settings=merchant.settings, version=read_version + 1
        )
        self.merchants[merchant.id] = saved
        return saved


def _sort_key(merchant: Merchant) -> str:
    return f"{merchant.created_at}#{merchant.id}"
