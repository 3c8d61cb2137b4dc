"""What other areas may use of merchants: the merchant (once per request), its settings, its WeChat
Pay account, and the request's tenant.

A merchant read in a request is remembered for the rest of it (`core.tenancy.memo`), so a route
whose use cases each ask for the merchant reads it once. The models are imported on first use."""

from __future__ import annotations

from chalicelib.core import tenancy
from chalicelib.core.errors import NotFound
from chalicelib.merchants.domain import Merchant, MerchantSettings, MerchantStatus, PaymentAccount
from chalicelib.merchants.settings import default_merchant_id

__all__ = [
    "Merchant",
    "MerchantSettings",
    "MerchantStatus",
    "PaymentAccount",
    "default_merchant_id",
    "ensure_merchant_active",
    "get_merchant",
    "merchant_exists",
    "merchant_settings",
    "payment_account",
    "require_merchant",
    "tenant_id",
]


def tenant_id() -> str:
    """The merchant of the request being answered (core/tenancy.py says where it comes from)."""
    return tenancy.tenant_id()


def get_merchant(merchant_id: str) -> Merchant | None:
    from chalicelib.merchants import models

    return tenancy.memo(("merchant", merchant_id), lambda: models.get_merchant(merchant_id))


def require_merchant(merchant_id: str) -> Merchant:
    """The merchant (one GetItem per request), or a 404 naming it."""
    merchant = get_merchant(merchant_id)
    if merchant is None:
        raise NotFound(f"Merchant '{merchant_id}' does not exist.", code="MERCHANT_NOT_FOUND", field="merchantId")
    return merchant


def merchant_exists(merchant_id: str) -> bool:
    """Whether the merchant exists: a key-only GetItem, or nothing when this request read it already."""
    from chalicelib.merchants import models

    return tenancy.remembered(("merchant", merchant_id)) is not None or models.merchant_exists(merchant_id)


def ensure_merchant_active(merchant_id: str) -> None:
    """The tenant guard (core/tenancy.py): 403 MERCHANT_SUSPENDED for a suspended merchant's requests.
    One GetItem per request, shared with every later reader of the merchant. A merchant with no item
    has no status to refuse with."""
    merchant = get_merchant(merchant_id)
    if merchant is not None:
        merchant.ensure_active()


def merchant_settings(merchant_id: str) -> MerchantSettings:
    return require_merchant(merchant_id).settings


def payment_account(merchant_id: str) -> PaymentAccount:
    """The WeChat Pay sub-merchant this merchant is paid through; 403 for a suspended merchant or one
    that takes no WeChat Pay."""
    merchant = require_merchant(merchant_id)
    merchant.ensure_active()
    return merchant.payment_account()
