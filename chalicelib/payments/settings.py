"""WeChat Pay settings, read per call (tests point them at the sandbox).

They belong to payments, not core: core holds mechanisms, and no other area reads payment keys. The
platform is a WeChat Pay service provider: one sp_mchid and one key pair sign for every merchant,
whose own account is only a sub_mchid (merchants.api.payment_account). The
keys come from Secrets Manager (`core/runtime_secrets.py`), the rest from the environment."""

from __future__ import annotations

import json

from chalicelib.core.config import env
from chalicelib.payments.domain import WeChatPaySettings

__all__ = ["WeChatPaySettings", "payment_timeout_seconds", "wechatpay_settings"]


def wechatpay_settings() -> WeChatPaySettings:
    from chalicelib.core.runtime_secrets import wechatpay_keys

    keys = wechatpay_keys()
    return WeChatPaySettings(
        api_base=env("WECHATPAY_API_BASE", "https://api.mch.weixin.qq.com").rstrip("/"),
        sp_mchid=env("WECHATPAY_MCHID", ""),  # the platform's service-provider merchant number
        serial_no=env("WECHATPAY_SERIAL_NO", ""),
        private_key_pem=keys.private_key_pem,
        apiv3_key=keys.apiv3_key,
        platform_public_keys=_platform_public_keys(keys.platform_public_key_pem),
        notify_url=env("WECHATPAY_NOTIFY_URL", ""),
        payment_timeout_seconds=payment_timeout_seconds(),
    )


def payment_timeout_seconds() -> int:
    """How long a customer has to pay; needs no credentials, so the saga's input reads no secret."""
    return int(env("PAYMENT_TIMEOUT_SECONDS", "900"))


def _platform_public_keys(pem: str) -> dict[str, str]:
    """WECHATPAY_PLATFORM_SERIAL names the key in the secret, and any more are in
    WECHATPAY_PLATFORM_PUBLIC_KEYS, a JSON object {serial: PEM} (public keys, so an environment
    setting): before WeChat Pay switches to a new key, ops add it there, so callbacks and responses
    signed with either keep verifying."""
    keys: dict[str, str] = {}
    serial = env("WECHATPAY_PLATFORM_SERIAL", "")
    if serial and pem:
        keys[serial] = pem
    more = env("WECHATPAY_PLATFORM_PUBLIC_KEYS", "{}")
    try:
        extra = json.loads(more)
    except ValueError:
        extra = None
    if not isinstance(extra, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in extra.items()):
        raise RuntimeError("WECHATPAY_PLATFORM_PUBLIC_KEYS must be a JSON object of serial -> PEM")
    keys.update(extra)
    return keys
