"""The payment record, PAYMENT#<out_trade_no> / PAYMENT, and its only data access.

Status moves NOTPAY -> SUCCESS -> REFUND or NOTPAY -> CLOSED, each step a conditional update, so
a duplicated callback, a late timer or a racing request can never move it twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, UpdateError
from pynamodb.expressions.update import Action
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from chalicelib.core.clock import to_iso
from chalicelib.data.table import TableModel, condition_failed, key
from chalicelib.payments.domain import CLOSED, NOTPAY, REFUND, SUCCESS, Payment


class MerchantPaymentsIndex(GlobalSecondaryIndex["PaymentItem"]):
    class Meta:
        index_name = "gsi2"
        projection = AllProjection()

    gsi2pk = UnicodeAttribute(hash_key=True)
    gsi2sk = UnicodeAttribute(range_key=True)


class PaymentItem(TableModel):
    status = UnicodeAttribute(null=True)
    amount = NumberAttribute(null=True)  # fen
    order_kind = UnicodeAttribute(null=True)
    order_id = UnicodeAttribute(null=True)
    merchant_id = UnicodeAttribute(null=True)  # set when the customer asks to pay (a saga's token may come first)
    appid = UnicodeAttribute(null=True)  # sp_appid: the platform's mini program
    mchid = UnicodeAttribute(null=True)  # sp_mchid: the platform's service-provider number
    sub_mchid = UnicodeAttribute(null=True)  # the merchant's, set with the prepay_id
    payer_user_id = UnicodeAttribute(null=True)
    payer_openid = UnicodeAttribute(null=True)
    prepay_id = UnicodeAttribute(null=True)
    # Step Functions task token of the order saga waiting on this payment.
    task_token = UnicodeAttribute(null=True)
    transaction_id = UnicodeAttribute(null=True)
    refund_no = UnicodeAttribute(null=True)
    refund_status = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute(null=True)
    updated_at = UnicodeAttribute(null=True)
    paid_at = UnicodeAttribute(null=True)
    # gsi2: PAYMENTS#<merchantId> / <createdAt>#<out_trade_no> (a merchant's payments by time: exports)
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)

    listing = MerchantPaymentsIndex()


def _typed() -> Action:
    """Records created by an UpdateItem (no constructor ran) still carry their entity type."""
    return PaymentItem.et.set(PaymentItem.et | PaymentItem.entity_type())


def payment_key(out_trade_no: str) -> tuple[str, str]:
    return key("PAYMENT", out_trade_no), "PAYMENT"


def get_payment(out_trade_no: str) -> PaymentItem | None:
    try:
        return PaymentItem.get(*payment_key(out_trade_no), consistent_read=True)
    except DoesNotExist:
        return None


def open_payment(
    out_trade_no: str,
    amount_fen: int,
    order_kind: str,
    order_id: str,
    merchant_id: str,
    appid: str,
    mchid: str,
    payer_user_id: str,
    payer_openid: str,
    now: datetime,
) -> PaymentItem | None:
    """Creates the NOTPAY record, or accepts an existing NOTPAY one for the same amount (a retry,
    or the record the saga's token made first). None when it exists otherwise (other amount,
    already paid or closed)."""
    item = PaymentItem(*payment_key(out_trade_no))
    try:
        item.update(
            actions=[
                PaymentItem.status.set(PaymentItem.status | NOTPAY),
                PaymentItem.amount.set(amount_fen),
                PaymentItem.order_kind.set(order_kind),
                PaymentItem.order_id.set(order_id),
                PaymentItem.merchant_id.set(merchant_id),
                PaymentItem.appid.set(appid),
                PaymentItem.mchid.set(mchid),
                PaymentItem.payer_user_id.set(payer_user_id),
                PaymentItem.payer_openid.set(payer_openid),
                PaymentItem.created_at.set(PaymentItem.created_at | to_iso(now)),
                PaymentItem.updated_at.set(to_iso(now)),
                PaymentItem.gsi2pk.set(key("PAYMENTS", merchant_id)),
                PaymentItem.gsi2sk.set(PaymentItem.gsi2sk | f"{to_iso(now)}#{out_trade_no}"),
                _typed(),
            ],
            condition=(PaymentItem.status.does_not_exist() | (PaymentItem.status == NOTPAY))
            & (PaymentItem.amount.does_not_exist() | (PaymentItem.amount == amount_fen))
            & (PaymentItem.merchant_id.does_not_exist() | (PaymentItem.merchant_id == merchant_id)),
        )
    except UpdateError as err:
        if condition_failed(err):
            return None
        raise
    return item


def set_prepay_id(out_trade_no: str, prepay_id: str, sub_mchid: str, now: datetime) -> str | None:
    """Keeps the first prepay_id ever stored, with the sub-merchant it was issued for; None when the
    record is no longer NOTPAY."""
    item = PaymentItem(*payment_key(out_trade_no))
    try:
        item.update(
            actions=[
                PaymentItem.prepay_id.set(PaymentItem.prepay_id | prepay_id),
                PaymentItem.sub_mchid.set(PaymentItem.sub_mchid | sub_mchid),
                PaymentItem.updated_at.set(to_iso(now)),
            ],
            condition=PaymentItem.status == NOTPAY,
        )
    except UpdateError as err:
        if condition_failed(err):
            return None
        raise
    return item.prepay_id


def attach_task_token(out_trade_no: str, task_token: str, now: datetime) -> str:
    """Stores the saga's token while NOTPAY (creating the record if the customer has not asked
    to pay yet); returns the status the record has afterwards."""
    item = PaymentItem(*payment_key(out_trade_no))
    try:
        item.update(
            actions=[
                PaymentItem.task_token.set(task_token),
                PaymentItem.status.set(PaymentItem.status | NOTPAY),
                PaymentItem.created_at.set(PaymentItem.created_at | to_iso(now)),
                PaymentItem.updated_at.set(to_iso(now)),
                _typed(),
            ],
            condition=PaymentItem.status.does_not_exist() | (PaymentItem.status == NOTPAY),
        )
    except UpdateError as err:
        if not condition_failed(err):
            raise
        current = get_payment(out_trade_no)
        return current.status if current is not None and current.status else CLOSED
    return NOTPAY


def mark_paid(out_trade_no: str, transaction_id: str, now: datetime) -> PaymentItem | None:
    """NOTPAY -> SUCCESS; None when it was not NOTPAY (a duplicate callback, or closed first)."""
    item = PaymentItem(*payment_key(out_trade_no))
    try:
        item.update(
            actions=[
                PaymentItem.status.set(SUCCESS),
                PaymentItem.transaction_id.set(transaction_id),
                PaymentItem.paid_at.set(to_iso(now)),
                PaymentItem.updated_at.set(to_iso(now)),
            ],
            condition=PaymentItem.status == NOTPAY,
        )
    except UpdateError as err:
        if condition_failed(err):
            return None
        raise
    return item


def mark_closed(out_trade_no: str, now: datetime, create_if_absent: bool) -> PaymentItem | None:
    """NOTPAY -> CLOSED (or a fresh CLOSED record, so a late pay request is refused);
    None when there was nothing open to close."""
    item = PaymentItem(*payment_key(out_trade_no))
    open_now = PaymentItem.status == NOTPAY
    try:
        item.update(
            actions=[
                PaymentItem.status.set(CLOSED),
                PaymentItem.created_at.set(PaymentItem.created_at | to_iso(now)),
                PaymentItem.updated_at.set(to_iso(now)),
                _typed(),
            ],
            condition=(PaymentItem.status.does_not_exist() | open_now) if create_if_absent else open_now,
        )
    except UpdateError as err:
        if condition_failed(err):
            return None
        raise
    return item


def mark_refunded(out_trade_no: str, out_refund_no: str, refund_status: str, now: datetime) -> bool:
    item = PaymentItem(*payment_key(out_trade_no))
    try:
        item.update(
            actions=[
                PaymentItem.status.set(REFUND),
                PaymentItem.refund_no.set(out_refund_no),
                PaymentItem.refund_status.set(refund_status),
                PaymentItem.updated_at.set(to_iso(now)),
            ],
            condition=PaymentItem.status.is_in(SUCCESS, REFUND),
        )
    except UpdateError as err:
        if condition_failed(err):
            return False
        raise
    return True


def to_payment(item: PaymentItem | None) -> Payment | None:
    if item is None:
        return None
    return Payment(
        out_trade_no=item.pk.split("#", 1)[1],
        status=item.status,
        amount=int(item.amount) if item.amount is not None else None,
        order_kind=item.order_kind,
        order_id=item.order_id,
        merchant_id=item.merchant_id,
        appid=item.appid,
        sp_mchid=item.mchid,
        sub_mchid=item.sub_mchid,
        payer_user_id=item.payer_user_id,
        payer_openid=item.payer_openid,
        prepay_id=item.prepay_id,
        task_token=item.task_token,
        transaction_id=item.transaction_id,
        refund_no=item.refund_no,
        refund_status=item.refund_status,
    )


class PaymentTable:
    """The payment store port (ports.PaymentStore) on DynamoDB."""

    def get(self, out_trade_no: str) -> Payment | None:
        return to_payment(get_payment(out_trade_no))

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
        item = open_payment(
            out_trade_no,
            amount_fen,
            order_kind,
            order_id,
            merchant_id,
            appid,
            sp_mchid,
            payer_user_id,
            payer_openid,
            now,
        )
        return to_payment(item)

    def set_prepay_id(self, out_trade_no: str, prepay_id: str, sub_mchid: str, now: datetime) -> str | None:
        return set_prepay_id(out_trade_no, prepay_id, sub_mchid, now)

    def attach_task_token(self, out_trade_no: str, task_token: str, now: datetime) -> str:
        return attach_task_token(out_trade_no, task_token, now)

    def mark_paid(self, out_trade_no: str, transaction_id: str, now: datetime) -> Payment | None:
        return to_payment(mark_paid(out_trade_no, transaction_id, now))

    def mark_closed(self, out_trade_no: str, now: datetime, create_if_absent: bool) -> Payment | None:
        return to_payment(mark_closed(out_trade_no, now, create_if_absent))

    def mark_refunded(self, out_trade_no: str, out_refund_no: str, refund_status: str, now: datetime) -> bool:
        return mark_refunded(out_trade_no, out_refund_no, refund_status, now)


def export_rows(merchant_id: str, start: str, end: str) -> Iterator[dict[str, Any]]:
    """The merchant's paid or refunded payments opened in [start, end), oldest first (gsi2)."""
    condition = PaymentItem.gsi2sk.between(start, end)
    for item in PaymentItem.listing.query(key("PAYMENTS", merchant_id), condition, page_size=500):
        if (item.gsi2sk or "") >= end or item.status not in (SUCCESS, REFUND):
            continue
        yield {
            "createdAt": item.created_at,
            "paidAt": item.paid_at,
            "outTradeNo": item.pk.split("#", 1)[1],
            "orderKind": item.order_kind,
            "orderId": item.order_id,
            "amount": int(item.amount) if item.amount is not None else None,
            "status": "refunded" if item.status == REFUND else "paid",
            "transactionId": item.transaction_id,
            "refundNo": item.refund_no,
            "refundStatus": item.refund_status,
            "payerUserId": item.payer_user_id,
        }
