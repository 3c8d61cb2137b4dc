"""In-memory payments ports: a store with the DynamoDB adapter's conditions, a WeChat Pay partner
client that keeps orders per sub-merchant as WeChat does, and recorders for the saga and timers."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cache
from typing import Any

from chalicelib.core.errors import Forbidden
from chalicelib.payments.domain import (
    CLOSED,
    NOTPAY,
    REFUND,
    SUCCESS,
    Payment,
    Refund,
    WeChatPayError,
    WeChatPaySettings,
)
from chalicelib.payments.ports import Ports
from devstack.wechat_sandbox import pay_crypto
from devstack.wechat_sandbox.pay import rsa_keypair

SP_APPID = "wx-platform"
SP_MCHID = "1900000109"


@cache
def _keypair() -> tuple[str, str]:
    """One key pair for every fake (generating RSA keys is slow)."""
    return rsa_keypair()


class FakePaymentStore:
    """Each write keeps the condition PaymentTable's UpdateItem has."""

    def __init__(self) -> None:
        self.records: dict[str, Payment] = {}
        self.reads = 0
        # Runs before each conditional write: stands for another writer landing between read and write.
        self.before_write: Callable[[str], None] = lambda out_trade_no: None

    def get(self, out_trade_no: str) -> Payment | None:
        self.reads += 1
        return self.records.get(out_trade_no)

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
    ) -> Payment | None:
        self.before_write(out_trade_no)
        current = self.records.get(out_trade_no) or Payment(out_trade_no)
        if current.status not in (None, NOTPAY) or current.amount not in (None, amount_fen):
            return None
        if current.merchant_id not in (None, merchant_id):
            return None
        opened = replace(
            current,
            status=NOTPAY,
            amount=amount_fen,
            order_kind=order_kind,
            order_id=order_id,
            merchant_id=merchant_id,
            appid=appid,
            sp_mchid=sp_mchid,
            payer_user_id=payer_user_id,
            payer_openid=payer_openid,
        )
        self.records[out_trade_no] = opened
        return opened

    def set_prepay_id(self, out_trade_no: str, prepay_id: str, sub_mchid: str, now: datetime) -> str | None:
        self.before_write(out_trade_no)
        current = self.records.get(out_trade_no)
        if current is None or current.status != NOTPAY:
            return None
        kept = replace(current, prepay_id=current.prepay_id or prepay_id, sub_mchid=current.sub_mchid or sub_mchid)
        self.records[out_trade_no] = kept
        return kept.prepay_id

    def attach_task_token(self, out_trade_no: str, task_token: str, now: datetime) -> str:
        current = self.records.get(out_trade_no) or Payment(out_trade_no)
        if current.status not in (None, NOTPAY):
            return current.status or CLOSED
        self.records[out_trade_no] = replace(current, status=NOTPAY, task_token=task_token)
        return NOTPAY

    def mark_paid(self, out_trade_no: str, transaction_id: str, now: datetime) -> Payment | None:
        self.before_write(out_trade_no)
        current = self.records.get(out_trade_no)
        if current is None or current.status != NOTPAY:
            return None
        paid = replace(current, status=SUCCESS, transaction_id=transaction_id)
        self.records[out_trade_no] = paid
        return paid

    def mark_closed(self, out_trade_no: str, now: datetime, create_if_absent: bool) -> Payment | None:
        self.before_write(out_trade_no)
        current = self.records.get(out_trade_no)
        if current is None and not create_if_absent:
            return None
        if current is not None and current.status != NOTPAY:
            return None
        closed = replace(current or Payment(out_trade_no), status=CLOSED)
        self.records[out_trade_no] = closed
        return closed

    def mark_refunded(self, out_trade_no: str, out_refund_no: str, refund_status: str, now: datetime) -> bool:
        current = self.records.get(out_trade_no)
        if current is None or current.status not in (SUCCESS, REFUND):
            return False
        self.records[out_trade_no] = replace(
            current, status=REFUND, refund_no=out_refund_no, refund_status=refund_status
        )
        return True


@dataclass
class FakeOrder:
    sub_mchid: str
    total: int
    openid: str
    prepay_id: str
    trade_state: str = NOTPAY
    refunds: dict[str, Refund] = field(default_factory=dict)


class FakePayClient:
    """WeChat Pay's partner API as far as the use cases can tell: orders belong to a sub-merchant,
    refunds are deduped by out_refund_no, an unknown sub_mchid is MCH_NOT_EXISTS."""

    def __init__(self, sub_merchants: set[str]) -> None:
        self.sub_merchants = sub_merchants
        self.orders: dict[str, FakeOrder] = {}
        self.calls: list[tuple[str, str, str]] = []  # (operation, sub_mchid, out_trade_no)
        self.refuse: dict[str, WeChatPayError] = {}  # operation -> the error WeChat answers with

    def _enter(self, operation: str, sub_mchid: str, out_trade_no: str) -> None:
        self.calls.append((operation, sub_mchid, out_trade_no))
        if operation in self.refuse:
            raise self.refuse[operation]
        if sub_mchid not in self.sub_merchants:
            raise WeChatPayError(400, "MCH_NOT_EXISTS", "商户号不存在")

    def _order(self, sub_mchid: str, out_trade_no: str) -> FakeOrder:
        order = self.orders.get(out_trade_no)
        if order is None or order.sub_mchid != sub_mchid:
            raise WeChatPayError(404, "ORDER_NOT_EXIST", "order does not exist")
        return order

    def jsapi_prepay(
        self,
        sp_appid: str,
        sub_mchid: str,
        out_trade_no: str,
        amount_fen: int,
        description: str,
        openid: str,
        notify_url: str,
    ) -> str:
        self._enter("prepay", sub_mchid, out_trade_no)
        assert sp_appid == SP_APPID
        order = self.orders.setdefault(
            out_trade_no, FakeOrder(sub_mchid, amount_fen, openid, f"wx{secrets.token_hex(8)}")
        )
        if order.trade_state == CLOSED:
            raise WeChatPayError(400, "ORDER_CLOSED", "order closed")
        return order.prepay_id

    def query(self, sub_mchid: str, out_trade_no: str) -> dict[str, Any]:
        self._enter("query", sub_mchid, out_trade_no)
        order = self._order(sub_mchid, out_trade_no)
        return {
            "sub_mchid": sub_mchid,
            "out_trade_no": out_trade_no,
            "trade_state": order.trade_state,
            "transaction_id": "4200" + out_trade_no,
            "amount": {"total": order.total},
        }

    def close(self, sub_mchid: str, out_trade_no: str) -> None:
        self._enter("close", sub_mchid, out_trade_no)
        order = self._order(sub_mchid, out_trade_no)
        if order.trade_state in (SUCCESS, REFUND):
            raise WeChatPayError(400, "ORDERPAID", "order paid")
        order.trade_state = CLOSED

    def refund(
        self, sub_mchid: str, out_trade_no: str, out_refund_no: str, refund_fen: int, total_fen: int, reason: str
    ) -> Refund:
        self._enter("refund", sub_mchid, out_trade_no)
        order = self._order(sub_mchid, out_trade_no)
        if out_refund_no not in order.refunds:
            if order.trade_state not in (SUCCESS, REFUND):
                raise WeChatPayError(400, "INVALID_REQUEST", "order not paid")
            order.refunds[out_refund_no] = Refund(out_refund_no, f"5030{len(order.refunds)}", "SUCCESS")
            order.trade_state = REFUND
        return order.refunds[out_refund_no]

    def customer_pays(self, out_trade_no: str) -> None:
        self.orders[out_trade_no].trade_state = SUCCESS


@dataclass
class FakePayments:
    """The whole set of ports, with what the use cases did to the saga and the timers."""

    accounts: dict[str, str] = field(default_factory=lambda: {"m-1": "1900000201", "m-2": "1900000202"})
    openids: dict[str, str] = field(default_factory=lambda: {"u-1": "openid-u-1"})
    store: FakePaymentStore = field(default_factory=FakePaymentStore)
    apiv3_key: str = field(default_factory=lambda: secrets.token_hex(16))
    succeeded: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    failed: list[tuple[str, str, str]] = field(default_factory=list)
    timeouts_cancelled: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.client = FakePayClient(set(self.accounts.values()))
        self.private_key, self.public_key = _keypair()  # the platform's key and WeChat Pay's (one pair here)

    def settings(self) -> WeChatPaySettings:
        return WeChatPaySettings(
            api_base="http://wechat.invalid",
            sp_mchid=SP_MCHID,
            serial_no="SERIAL",
            private_key_pem=self.private_key,
            apiv3_key=self.apiv3_key,
            platform_public_keys={"PUB_KEY_ID_1": self.public_key},
            notify_url="https://example.invalid/notify",
            payment_timeout_seconds=900,
        )

    def sub_mchid_of(self, merchant_id: str) -> str:
        if merchant_id not in self.accounts:
            raise Forbidden("This merchant does not take WeChat Pay payments.", code="PAYMENTS_NOT_ENABLED")
        return self.accounts[merchant_id]

    @property
    def ports(self) -> Ports:
        return Ports(
            store=self.store,
            client=lambda: self.client,
            settings=self.settings,
            sp_appid=lambda: SP_APPID,
            payer_openid=self.openids.get,
            sub_mchid_of=self.sub_mchid_of,
            task_succeeded=lambda token, output: self.succeeded.append((token, output)),
            task_failed=lambda token, error, cause: self.failed.append((token, error, cause)),
            cancel_timeout=self.timeouts_cancelled.append,
        )

    def notification(
        self, transaction: dict[str, Any], event_type: str = "TRANSACTION.SUCCESS"
    ) -> tuple[dict[str, str], bytes]:
        """A callback as WeChat Pay signs and seals it (the same crypto the sandbox uses)."""
        nonce = secrets.token_hex(6)
        envelope = {
            "id": "EV-1",
            "event_type": event_type,
            "resource_type": "encrypt-resource",
            "resource": {
                "original_type": "transaction",
                "algorithm": "AEAD_AES_256_GCM",
                "ciphertext": pay_crypto.aes_gcm_encrypt(
                    self.apiv3_key, nonce, "transaction", json.dumps(transaction).encode()
                ),
                "associated_data": "transaction",
                "nonce": nonce,
            },
        }
        body = json.dumps(envelope).encode()
        return pay_crypto.sign_response(self.private_key, "PUB_KEY_ID_1", body, int(time.time())), body

    def transaction(self, out_trade_no: str, **changes: Any) -> dict[str, Any]:
        record = self.store.records[out_trade_no]
        data: dict[str, Any] = {
            "sp_appid": SP_APPID,
            "sp_mchid": SP_MCHID,
            "sub_mchid": record.sub_mchid,
            "out_trade_no": out_trade_no,
            "transaction_id": "4200000001",
            "trade_state": SUCCESS,
            "payer": {"sp_openid": record.payer_openid},
            "amount": {"total": record.amount, "currency": "CNY"},
        }
        data.update(changes)
        return data
