"""Identity's response bodies (the client contract's field names live here)."""

from __future__ import annotations

from typing import Any

from chalicelib.core.auth import Principal
from chalicelib.core.clock import to_iso
from chalicelib.identity.service import LoginResult


def login_view(result: LoginResult) -> dict[str, Any]:
    """Never the WeChat session_key: it stays on the server."""
    return {
        "token": result.token,
        "userId": result.principal.user_id,
        "role": result.principal.role.value,
        "expiresAt": to_iso(result.expires_at),
    }


def me_view(principal: Principal) -> dict[str, Any]:
    return {
        "userId": principal.user_id,
        "role": principal.role.value,
        "merchantId": principal.merchant_id,
        "storeIds": sorted(principal.store_ids),
    }
