"""What payments' use cases (service.py) need, as ports: the payment store, the WeChat Pay client,
the settings, and the other areas' and AWS effects. `adapters.live_ports()` builds the real ones;
tests/fakes/payments.py the in-memory ones, so the use cases are unit-tested without AWS."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from chalicelib.payments.domain import Payment, Refund, WeChatPaySettings


class PaymentStore(Protocol):
    """The payment records: each write a conditional step of NOTPAY -> SUCCESS -> REFUND / CLOSED."""

    def get(self, out_trade_no: str) -> Payment | None: ...

    def open(
        self,
        out_trade_no: str,
        amount_fen: int,
        order_kind: str,
        order_id: str,
        merchant_id: str,
        appid: str,
        sp_mchid: str,
        payer_user_id: str,
        payer_openid: str,
        now: datetime,
    ) -> Payment | None: ...

    def set_prepay_id(self, out_trade_no: str, prepay_id: str, sub_mchid: str, now: datetime) -> str | None: ...

    def attach_task_token(self, out_trade_no: str, task_token: str, now: datetime) -> str: ...

    def mark_paid(self, out_trade_no: str, transaction_id: str, now: datetime) -> Payment | None: ...

    def mark_closed(self, out_trade_no: str, now: datetime, create_if_absent: bool) -> Payment | None: ...

    def mark_refunded(self, out_trade_no: str, out_refund_no: str, refund_status: str, now: datetime) -> bool: ...


class PayClient(Protocol):
    """WeChat Pay's partner API (client.py); every call names the merchant's sub_mchid."""

    def jsapi_prepay(
        self,
        sp_appid: str,
        sub_mchid: str,
        out_trade_no: str,
        amount_fen: int,
        description: str,
        openid: str,
        notify_url: str,
    ) -> str: ...

    def query(self, sub_mchid: str, out_trade_no: str) -> dict[str, Any]: ...

    def close(self, sub_mchid: str, out_trade_no: str) -> None: ...

    def refund(
        self, sub_mchid: str, out_trade_no: str, out_refund_no: str, refund_fen: int, total_fen: int, reason: str
    ) -> Refund: ...


@dataclass(frozen=True)
class Ports:
    store: PaymentStore
    # Built when first needed: the real one reads the keys from Secrets Manager.
    client: Callable[[], PayClient]
    settings: Callable[[], WeChatPaySettings]
    sp_appid: Callable[[], str]  # the platform's mini program
    payer_openid: Callable[[str], str | None]  # identity.api.openid_of
    sub_mchid_of: Callable[[str], str]  # merchants.api.payment_account(...).sub_mchid; 403 if none
    task_succeeded: Callable[[str, dict[str, Any]], None]  # the order saga's waiting task
    task_failed: Callable[[str, str, str], None]
    cancel_timeout: Callable[[str], None]  # the payment_timeout timer of an out_trade_no
