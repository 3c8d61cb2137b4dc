"""Merchants' answers, with the wire's field names."""

from __future__ import annotations

from typing import Any

from chalicelib.merchants.domain import Merchant


def merchant_view(merchant: Merchant) -> dict[str, Any]:
    return {
        "merchantId": merchant.id,
        "name": merchant.name,
        "timezone": merchant.timezone,
        "status": merchant.status.value,
        "createdAt": merchant.created_at,
        "adminUserId": merchant.admin_user_id,
    }


def settings_view(merchant: Merchant) -> dict[str, Any]:
    return {
        "merchantId": merchant.id,
        "name": merchant.name,
        "timezone": merchant.timezone,
        "status": merchant.status.value,
        "settings": merchant.settings.to_dict(),
    }
