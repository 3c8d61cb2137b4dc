"""Merchants' wire models (validation and OpenAPI, core/contract.py) and the typed values the use cases
take.

The settings' wire model is made from `domain.MerchantSettings` itself, so a setting added there is in
the settings routes' contract (and docs/openapi.json) with no change here."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import MISSING, fields
from typing import Annotated, Any, get_type_hints

import msgspec
from msgspec import Meta

from chalicelib.core.contract import NON_BLANK, Model
from chalicelib.core.errors import ValidationError
from chalicelib.merchants.domain import SUB_MCHID, MerchantSettings, _camel
from chalicelib.merchants.service import NewMerchant, ProfileChange

MERCHANT_ID = r"^m-[a-z0-9][a-z0-9-]{0,38}$"
Name = Annotated[str, Meta(pattern=NON_BLANK, max_length=80)]
Timezone = Annotated[str, Meta(pattern=NON_BLANK, max_length=64, description="IANA, e.g. Asia/Shanghai")]


def _settings_struct(name: str, *, optional: bool) -> type[msgspec.Struct]:
    hints = get_type_hints(MerchantSettings)
    members: list[tuple[str, Any, Any]] = []
    for f in fields(MerchantSettings):
        kind = hints[f.name]
        if optional:
            members.append((f.name, kind | None, None))
        else:
            default = f.default if f.default is not MISSING else msgspec.NODEFAULT
            members.append((f.name, kind, default))
    return msgspec.defstruct(name, members, bases=(Model,), kw_only=True, forbid_unknown_fields=optional)


# Every setting, as GET answers it; and the subset a PUT changes (unknown names are a 400).
SettingsValues = _settings_struct("MerchantSettingsValues", optional=False)
SettingsChange = _settings_struct("MerchantSettingsChange", optional=True)


class OnboardBody(Model):
    merchant_id: Annotated[
        str, Meta(pattern=MERCHANT_ID, description="Chosen by the platform: `m-` + lowercase letters, digits, -.")
    ]
    name: Name
    admin_openid: Annotated[
        str, Meta(pattern=NON_BLANK, max_length=128, description="The WeChat openid of the merchant's admin.")
    ]
    timezone: Timezone = "Asia/Shanghai"
    sub_mchid: Annotated[str, Meta(pattern=SUB_MCHID.pattern, description="WeChat Pay sub-merchant.")] | None = None


class MerchantAnswer(Model):
    merchant_id: str
    name: str
    timezone: str
    status: str
    created_at: str | None
    admin_user_id: str | None


class OnboardAnswer(Model):
    merchant: MerchantAnswer


class MerchantsQuery(Model):
    limit: Annotated[int, Meta(ge=1, le=100)] = 20
    cursor: Annotated[str, Meta(max_length=200, description="`nextCursor` of the previous page.")] | None = None


class MerchantsAnswer(Model):
    merchants: list[MerchantAnswer]
    next_cursor: str | None


class MerchantSettingsBody(Model):
    name: Name | None = None
    timezone: Timezone | None = None
    settings: SettingsChange | None = None  # type: ignore[valid-type]


class MerchantSettingsAnswer(Model):
    merchant_id: str
    name: str
    timezone: str
    status: str
    settings: SettingsValues  # type: ignore[valid-type]


def new_merchant(body: OnboardBody) -> NewMerchant:
    return NewMerchant(
        merchant_id=body.merchant_id,
        name=body.name.strip(),
        timezone=body.timezone.strip(),
        admin_openid=body.admin_openid.strip(),
        sub_mchid=body.sub_mchid,
    )


def profile_change(body: MerchantSettingsBody) -> ProfileChange:
    given = None
    if body.settings is not None:
        values = msgspec.structs.asdict(body.settings)
        given = {_camel(name): value for name, value in values.items() if value is not None}
    return ProfileChange(
        name=body.name.strip() if body.name is not None else None,
        timezone=body.timezone.strip() if body.timezone is not None else None,
        settings=given,
    )


_CURSOR = re.compile(r"^[0-9T:.+\-Z]{10,40}#m-[a-z0-9][a-z0-9-]{0,38}$")


def encode_cursor(last: str | None) -> str | None:
    return base64.urlsafe_b64encode(last.encode()).decode().rstrip("=") if last else None


def decode_cursor(cursor: str | None) -> str | None:
    if cursor is None:
        return None
    try:
        last = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        last = ""
    if not _CURSOR.match(last):
        raise ValidationError("'cursor' is not one this list gave.", field="cursor")
    return last
