"""Merchants' deployment settings."""

from __future__ import annotations

from chalicelib.core.config import env

DEFAULT_MERCHANT_ID = "m-demo"


def default_merchant_id() -> str:
    """The mini program's own merchant (one WeChat appid = one brand): the tenant of a customer's
    request that names neither a store nor a merchant (`DEFAULT_MERCHANT_ID` in the environment)."""
    return env("DEFAULT_MERCHANT_ID", DEFAULT_MERCHANT_ID)
