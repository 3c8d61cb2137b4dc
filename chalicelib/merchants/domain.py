"""The merchant as every area sees it: plain values and rules, no storage.

A merchant is the tenant: every item of every area names one (`merchant_id`), its people see only
its data, and it is paid through its own WeChat Pay sub-merchant (service-provider mode: the
platform's `sp_mchid` signs, the merchant's `sub_mchid` receives). The sub_mchid is an account
number, not a secret; the keys that sign are the service provider's and live in Secrets Manager."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from chalicelib.core.errors import Forbidden, ValidationError

# WeChat Pay merchant numbers are 8-10 digits (the sandbox issues 10).
SUB_MCHID = re.compile(r"^[0-9]{8,10}$")


class MerchantStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"  # the platform admin stopped it: its routes answer 403, its schedules stop


@dataclass(frozen=True)
class MerchantSettings:
    """What a merchant decides for itself, typed (unknown keys are refused, not carried along)."""

    loyalty_enabled: bool = True
    reservations_enabled: bool = True
    appointments_enabled: bool = True
    support_phone: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {_camel(f.name): getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> MerchantSettings:
        data = dict(data or {})
        known = {_camel(f.name): f for f in fields(cls)}
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise ValidationError(f"Unknown merchant setting(s): {', '.join(unknown)}.", field=unknown[0])
        values: dict[str, Any] = {}
        for name, value in data.items():
            expected = str(known[name].type)  # a string: this module postpones annotations
            if not isinstance(value, {"bool": bool, "str": str}[expected]):
                raise ValidationError(f"'{name}' must be a {expected}.", field=name)
            values[known[name].name] = value
        return cls(**values)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


@dataclass(frozen=True)
class PaymentAccount:
    """Where a merchant's customers' money goes: its WeChat Pay sub-merchant under the platform."""

    merchant_id: str
    sub_mchid: str


@dataclass(frozen=True)
class Merchant:
    id: str
    name: str
    timezone: str = "Asia/Shanghai"
    status: MerchantStatus = MerchantStatus.ACTIVE
    settings: MerchantSettings = field(default_factory=MerchantSettings)
    wechatpay_sub_mchid: str | None = None
    created_at: str | None = None  # UTC ISO-8601; the platform's list is newest first
    admin_user_id: str | None = None  # the admin onboarding created (a repeat of it names the same one)
    version: int = 0  # +1 per settings change: a change is written only over the version it read

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValidationError(f"Unknown timezone '{self.timezone}'.", field="timezone") from None
        if self.wechatpay_sub_mchid is not None and not SUB_MCHID.match(self.wechatpay_sub_mchid):
            raise ValidationError("A WeChat Pay sub_mchid is 8-10 digits.", field="subMchid")

    @property
    def active(self) -> bool:
        return self.status is MerchantStatus.ACTIVE

    def ensure_active(self) -> None:
        if not self.active:
            raise Forbidden("This merchant is suspended.", code="MERCHANT_SUSPENDED")

    def payment_account(self) -> PaymentAccount:
        if not self.wechatpay_sub_mchid:
            raise Forbidden("This merchant does not take WeChat Pay payments.", code="PAYMENTS_NOT_ENABLED")
        return PaymentAccount(self.id, self.wechatpay_sub_mchid)
