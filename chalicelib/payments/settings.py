"""WeChat Pay settings, read per call (tests point them at the sandbox).

They belong to payments, not core: core holds mechanisms, and no other area reads merchant keys. The
keys come from Secrets Manager (`core/runtime_secrets.py`), the rest from the environment."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from chalicelib.core.config import env


@dataclass(frozen=True)
class WeChatPaySettings:
    """Merchant credentials and WeChat Pay's public keys."""

    api_base: str
    mchid: str
    serial_no: str
    private_key_pem: str
    apiv3_key: str
    # Wechatpay-Serial -> WeChat Pay public key (PEM): the current key, plus the next one during a rotation.
    platform_public_keys: Mapping[str, str]
    notify_url: str
    payment_timeout_seconds: int


def wechatpay_settings() -> WeChatPaySettings:
    from chalicelib.core.runtime_secrets import wechatpay_keys

    keys = wechatpay_keys()
    return WeChatPaySettings(
        api_base=env("WECHATPAY_API_BASE", "https://api.mch.weixin.qq.com").rstrip("/"),
        mchid=env("WECHATPAY_MCHID", ""),
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
