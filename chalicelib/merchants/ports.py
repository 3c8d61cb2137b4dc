"""What merchants' use cases need from storage (`models.MerchantTable` is the DynamoDB side,
`tests/fakes/merchants.py` the in-memory one)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from chalicelib.merchants.domain import Merchant, MerchantStatus


@dataclass(frozen=True)
class Onboarding:
    """A new merchant and the WeChat user who will be its admin."""

    merchant: Merchant
    admin_openid: str
    admin_user_id: str


@dataclass(frozen=True)
class OnboardOutcome:
    """Exactly one is set: the merchant written now, the merchant that already had the id (as it
    stands), or the admin's openid already being a user's."""

    created: Merchant | None = None
    existing: Merchant | None = None
    openid_taken: bool = False


class MerchantRepository(Protocol):
    def onboard(self, onboarding: Onboarding, now: datetime) -> OnboardOutcome: ...

    def page(self, limit: int, after: str | None) -> tuple[list[Merchant], str | None]: ...

    def set_status(self, merchant_id: str, status: MerchantStatus, now: datetime) -> Merchant | None: ...

    def save_profile(self, merchant: Merchant, read_version: int, now: datetime) -> Merchant | None: ...
