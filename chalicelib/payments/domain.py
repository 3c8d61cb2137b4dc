"""Payment statuses, what settling a payment came to, and the identifiers WeChat dedupes by: plain
values other areas may use (their rules too: nothing here touches storage)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

# WeChat Pay's trade states as our record keeps them; each moves forward only.
NOTPAY = "NOTPAY"
SUCCESS = "SUCCESS"
CLOSED = "CLOSED"
REFUND = "REFUND"

# The error an order saga's waiting task fails with when its payment closes unpaid.
PAYMENT_CLOSED_ERROR = "PaymentClosed"

# Settlement outcomes.
REFUNDED = "refunded"  # paid: refunded by this call
ALREADY_REFUNDED = "already_refunded"  # refunded before (a repeat): nothing sent to WeChat again
CLOSED_UNPAID = "closed"  # not paid: closed here and at WeChat, so nobody can pay it any more
NO_PAYMENT = "none"  # nobody ever asked to pay


@dataclass(frozen=True)
class Settlement:
    outcome: str
    refund_status: str | None = None  # WeChat's refund status when a refund exists


def full_refund_no(out_trade_no: str) -> str:
    """One full refund per order, so every path that refunds it shares this id (WeChat dedupes by it)."""
    return f"{out_trade_no}R0"


@dataclass(frozen=True)
class Payment:
    """The payment record as the use cases see it (models.py stores it as PAYMENT#<no> / PAYMENT).

    Service-provider mode: the platform's `sp_mchid` (and its mini program's appid, `sp_appid`)
    takes the payment for the merchant's `sub_mchid`, which is set together with the prepay_id, so
    every payment WeChat knows of names its sub-merchant here too."""

    out_trade_no: str
    status: str | None = None
    amount: int | None = None
    order_kind: str | None = None
    order_id: str | None = None
    merchant_id: str | None = None
    appid: str | None = None
    sp_mchid: str | None = None
    sub_mchid: str | None = None
    payer_user_id: str | None = None
    payer_openid: str | None = None
    prepay_id: str | None = None
    task_token: str | None = None
    transaction_id: str | None = None
    refund_no: str | None = None
    refund_status: str | None = None


@dataclass(frozen=True)
class Refund:
    out_refund_no: str
    refund_id: str
    status: str  # SUCCESS | CLOSED | PROCESSING | ABNORMAL


class WeChatPayError(Exception):
    """WeChat Pay answered 4xx/5xx with its {"code","message"} body."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


@dataclass(frozen=True)
class WeChatPaySettings:
    """The platform's service-provider credentials and WeChat Pay's public keys (settings.py reads
    them: keys from Secrets Manager, the rest from the environment). No merchant's: a merchant is
    only its sub_mchid (merchants.api.payment_account)."""

    api_base: str
    sp_mchid: str
    serial_no: str
    private_key_pem: str
    apiv3_key: str
    # Wechatpay-Serial -> WeChat Pay public key (PEM): the current key, plus the next one during a rotation.
    platform_public_keys: Mapping[str, str]
    notify_url: str
    payment_timeout_seconds: int
