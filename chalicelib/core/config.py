"""Settings read once from the environment, so Lambda, the local stack and tests differ only in env."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

DEFAULT_PREFIX = "o2o-local"


@dataclass(frozen=True)
class Settings:
    stage: str
    resource_prefix: str
    table_name: str
    region: str
    wechat_api_base: str
    wechat_appid: str
    default_timezone: str
    # Who email notifications come from: a stage setting (SES_SENDER in .chalice/config.json per stage),
    # an address SES has verified for the stage; empty means the stage sends no email.
    ses_sender: str = ""


def env(name: str, default: str) -> str:
    """One setting from the environment (unset or blank: the default); areas read their own with it."""
    value = os.environ.get(name, "").strip()
    return value or default


_env = env  # the short name the readers below use


@lru_cache(maxsize=1)
def settings() -> Settings:
    prefix = env("RESOURCE_PREFIX", DEFAULT_PREFIX)
    return Settings(
        stage=env("STAGE", "local"),
        resource_prefix=prefix,
        table_name=env("TABLE_NAME", f"{prefix}-table"),
        region=env("AWS_DEFAULT_REGION", "ap-southeast-1"),
        wechat_api_base=env("WECHAT_API_BASE", "https://api.weixin.qq.com").rstrip("/"),
        wechat_appid=env("WECHAT_APPID", "wx0000000000000000"),
        default_timezone=env("DEFAULT_TIMEZONE", "Asia/Shanghai"),
        ses_sender=env("SES_SENDER", ""),
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
    """Merchant credentials and the WeChat Pay public key; read per call (tests point them at a sandbox).
    The keys come from Secrets Manager (`core/runtime_secrets.py`), the rest from the environment."""

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
