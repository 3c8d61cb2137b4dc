"""Settings read once from the environment, so Lambda, the local stack and tests differ only in env."""

from __future__ import annotations

import os
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
