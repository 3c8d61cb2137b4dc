"""WeChat Pay settings, read from the environment per call (tests point them at the sandbox).

They belong to payments, not core: core holds mechanisms, and no other area reads merchant keys."""

from __future__ import annotations

import os
from dataclasses import dataclass


def _setting(name: str, default: str) -> str:
    return os.environ.get(name, "").strip() or default


@dataclass(frozen=True)
class WeChatPaySettings:
    """Merchant credentials and the WeChat Pay public key."""

    api_base: str
    mchid: str
    serial_no: str
    private_key_pem: str
    apiv3_key: str
    platform_serial: str
    platform_public_key_pem: str
    notify_url: str
    payment_timeout_seconds: int


def wechatpay_settings() -> WeChatPaySettings:
    return WeChatPaySettings(
        api_base=_setting("WECHATPAY_API_BASE", "https://api.mch.weixin.qq.com").rstrip("/"),
        mchid=_setting("WECHATPAY_MCHID", ""),
        serial_no=_setting("WECHATPAY_SERIAL_NO", ""),
        private_key_pem=_setting("WECHATPAY_PRIVATE_KEY", ""),
        apiv3_key=_setting("WECHATPAY_APIV3_KEY", ""),
        platform_serial=_setting("WECHATPAY_PLATFORM_SERIAL", ""),
        platform_public_key_pem=_setting("WECHATPAY_PLATFORM_PUBLIC_KEY", ""),
        notify_url=_setting("WECHATPAY_NOTIFY_URL", ""),
        payment_timeout_seconds=int(_setting("PAYMENT_TIMEOUT_SECONDS", "900")),
    )
