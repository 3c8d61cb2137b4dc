"""Settings read once from the environment, so Lambda, the local stack and tests differ only in env."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

DEFAULT_PREFIX = "o2o-local"
DEFAULT_SES_SENDER = "reports@o2o.example.com"


@dataclass(frozen=True)
class Settings:
    stage: str
    resource_prefix: str
    table_name: str
    region: str
    wechat_api_base: str
    wechat_appid: str
    wechat_secret: str
    default_timezone: str
    # The verified SES identity report and notice emails come from; per stage.
    ses_sender: str = DEFAULT_SES_SENDER
    # Pickup reservations: how long units are held, and how many open holds a user may have per product.
    reservation_hold_hours: int = 24
    reservation_limit_per_product: int = 2


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


@lru_cache(maxsize=1)
def settings() -> Settings:
    prefix = _env("RESOURCE_PREFIX", DEFAULT_PREFIX)
    return Settings(
        stage=_env("STAGE", "local"),
        resource_prefix=prefix,
        table_name=_env("TABLE_NAME", f"{prefix}-table"),
        region=_env("AWS_DEFAULT_REGION", "ap-southeast-1"),
        wechat_api_base=_env("WECHAT_API_BASE", "https://api.weixin.qq.com").rstrip("/"),
        wechat_appid=_env("WECHAT_APPID", "wx0000000000000000"),
        wechat_secret=_env("WECHAT_SECRET", "local-secret"),
        default_timezone=_env("DEFAULT_TIMEZONE", "Asia/Shanghai"),
        ses_sender=_env("SES_SENDER", DEFAULT_SES_SENDER),
        reservation_hold_hours=int(_env("RESERVATION_HOLD_HOURS", "24")),
        reservation_limit_per_product=int(_env("RESERVATION_LIMIT_PER_PRODUCT", "2")),
    )


def provisioned(name: str) -> str:
    """A value infra (or the local stack) sets per deployed resource: queue URLs and ARNs, the
    scheduler group and role, state machine ARNs. Read per call, not cached, because tests
    re-provision between cases."""
    value = os.environ.get(name, "")
    if not value:
        raise RuntimeError(f"{name} is not set")
    return value


def queue_url(suffix: str) -> str:
    return provisioned(f"{suffix.upper()}_QUEUE_URL")


def queue_arn(suffix: str) -> str:
    return provisioned(f"{suffix.upper()}_QUEUE_ARN")


@dataclass(frozen=True)
class WeChatPaySettings:
    """Merchant credentials and the WeChat Pay public key; read per call (tests point them at a sandbox)."""

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
        api_base=_env("WECHATPAY_API_BASE", "https://api.mch.weixin.qq.com").rstrip("/"),
        mchid=_env("WECHATPAY_MCHID", ""),
        serial_no=_env("WECHATPAY_SERIAL_NO", ""),
        private_key_pem=_env("WECHATPAY_PRIVATE_KEY", ""),
        apiv3_key=_env("WECHATPAY_APIV3_KEY", ""),
        platform_serial=_env("WECHATPAY_PLATFORM_SERIAL", ""),
        platform_public_key_pem=_env("WECHATPAY_PLATFORM_PUBLIC_KEY", ""),
        notify_url=_env("WECHATPAY_NOTIFY_URL", ""),
        payment_timeout_seconds=int(_env("PAYMENT_TIMEOUT_SECONDS", "900")),
    )
