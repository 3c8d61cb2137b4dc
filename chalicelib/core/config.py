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
    session_ttl_seconds: int
    default_timezone: str
    # The verified SES identity report and notice emails come from; per stage.
    ses_sender: str = DEFAULT_SES_SENDER
    # Pickup reservations: how long units are held, and how many open holds a user may have per product.
    reservation_hold_hours: int = 24
    reservation_limit_per_product: int = 2
    # The mini program's own merchant (one WeChat appid = one brand): whose loyalty programme a
    # customer sees when a loyalty route names no merchant.
    default_merchant_id: str = "m-demo"


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
        session_ttl_seconds=int(_env("SESSION_TTL_SECONDS", str(7 * 24 * 3600))),
        default_timezone=_env("DEFAULT_TIMEZONE", "Asia/Shanghai"),
        ses_sender=_env("SES_SENDER", DEFAULT_SES_SENDER),
        reservation_hold_hours=int(_env("RESERVATION_HOLD_HOURS", "24")),
        reservation_limit_per_product=int(_env("RESERVATION_LIMIT_PER_PRODUCT", "2")),
        default_merchant_id=_env("DEFAULT_MERCHANT_ID", "m-demo"),
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
