"""Loyalty's own settings (core holds none of an area's). The default merchant moves to a merchants
area when merchant tenancy arrives; until then it is loyalty's alone."""

from __future__ import annotations

import os

DEFAULT_MERCHANT_ID = "m-demo"


def default_merchant_id() -> str:
    """The mini program's own merchant (one WeChat appid = one brand): whose programme a customer sees
    when a loyalty route names no merchant (`DEFAULT_MERCHANT_ID` in the environment)."""
    return os.environ.get("DEFAULT_MERCHANT_ID", "").strip() or DEFAULT_MERCHANT_ID
