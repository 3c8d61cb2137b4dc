"""Payments as the rest of the backend sees them: open a JSAPI payment, close, refund, and the
verified notify callback that completes an order saga's waiting task."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from typing import Any

from chalicelib.core.clock import clock
from chalicelib.core.config import settings
from chalicelib.core.errors import Conflict, NotFound, Unauthorized, UpstreamUnavailable, ValidationError
from chalicelib.core.observability import count, logger
from chalicelib.payments import models, signing, tasks
from chalicelib.payments.area import PAYMENT_TIMEOUT
from chalicelib.payments.client import WeChatPayClient, WeChatPayError
from chalicelib.payments.domain import (
    ALREADY_REFUNDED,
    CLOSED,
    CLOSED_UNPAID,
    NO_PAYMENT,
    NOTPAY,
    REFUND,
    REFUNDED,
    SUCCESS,
    Settlement,
    full_refund_no,
)
from chalicelib.payments.saga import PAYMENT_CLOSED_ERROR
from chalicelib.payments.settings import wechatpay_settings

OUT_TRADE_NO = re.compile(r"^[0-9A-Za-z_\-*]{6,32}$")


def _client() -> WeChatPayClient:
    return WeChatPayClient()


def request_payment_params(appid: str, prepay_id: str, private_key_pem: str) -> dict[str, str]:
    """The object the mini program spreads into wx.requestPayment (appId is signed, not sent)."""
    timestamp = str(int(time.time()))
    nonce_str = signing.nonce()
    package = f"prepay_id={prepay_id}"
    return {
        "timeStamp": timestamp,
        "nonceStr": nonce_str,
        "package": package,
        "signType": "RSA",
        "paySign": signing.pay_sign(private_key_pem, appid, timestamp, nonce_str, package),
    }


def _payer_openid(user_id: str) -> str:
    from chalicelib.identity.api import openid_of

    openid = openid_of(user_id)
    if openid is None:
        raise NotFound("The payer is unknown.", code="USER_NOT_FOUND")
    return openid


def create_jsapi_payment(
    order_kind: str, order_id: str, out_trade_no: str, amount_fen: int, description: str, payer_user_id: str
) -> dict[str, str]:
    """Opens (or reuses) the payment for out_trade_no and returns wx.requestPayment's parameters.

    Idempotent: a retry reuses the stored prepay_id; another amount for the same number is a Conflict."""
    if not OUT_TRADE_NO.match(out_trade_no):
        raise ValidationError("out_trade_no must be 6-32 of [0-9A-Za-z_-*].", field="outTradeNo")
    if amount_fen <= 0:
        raise ValidationError("The amount must be a positive number of fen.", field="amount")
    cfg = wechatpay_settings()
    appid = settings().wechat_appid
    openid = _payer_openid(payer_user_id)
    now = clock().now()
    record = models.open_payment(
        out_trade_no, amount_fen, order_kind, order_id, appid, cfg.mchid, payer_user_id, openid, now
    )
    if record is None:
        _refuse_existing(out_trade_no, amount_fen)
    assert record is not None
    prepay_id = record.prepay_id
    if not prepay_id:
        fresh = _prepay(appid, out_trade_no, amount_fen, description, openid, cfg.notify_url)
        stored = models.set_prepay_id(out_trade_no, fresh, now)
        if stored is None:  # closed (timed out) while we were asking WeChat: do not leave it payable
            _close_at_wechat(out_trade_no)
            raise Conflict("This payment has been closed.", code="PAYMENT_CLOSED")
        prepay_id = stored
    return request_payment_params(appid, prepay_id, cfg.private_key_pem)


def _prepay(appid: str, out_trade_no: str, amount_fen: int, description: str, openid: str, notify_url: str) -> str:
    """WeChat's refusals as our JSON errors: the customer sees a 409 or a 503, never a 500."""
    try:
        return _client().jsapi_prepay(appid, out_trade_no, amount_fen, description, openid, notify_url)
    except WeChatPayError as err:
        logger.warning("WeChat Pay refused the prepay", out_trade_no=out_trade_no, code=err.code, status=err.status)
        if err.code == "ORDERPAID":
            raise Conflict("This order is already paid.", code="ALREADY_PAID") from None
        if err.code == "ORDER_CLOSED":
            raise Conflict("This payment has been closed.", code="PAYMENT_CLOSED") from None
        raise UpstreamUnavailable("WeChat Pay cannot take this payment right now.") from None


def _refuse_existing(out_trade_no: str, amount_fen: int) -> None:
    existing = models.get_payment(out_trade_no)
    if existing is not None and existing.amount is not None and int(existing.amount) != amount_fen:
        raise Conflict("This order is already being paid with another amount.", code="PAYMENT_AMOUNT_MISMATCH")
    if existing is not None and existing.status in (SUCCESS, REFUND):
        raise Conflict("This order is already paid.", code="ALREADY_PAID")
    raise Conflict("This payment has been closed.", code="PAYMENT_CLOSED")


def payment_status(out_trade_no: str) -> str | None:
    record = models.get_payment(out_trade_no)
    return record.status if record is not None else None


def _close_at_wechat(out_trade_no: str) -> bool:
    """Closes the WeChat order; False when WeChat says it is already paid (the caller settles it)."""
    try:
        _client().close(out_trade_no)
    except WeChatPayError as err:
        if err.code == "ORDERPAID":
            return False
        if err.code != "ORDER_NOT_EXIST":
            raise
    return True


def close_payment(out_trade_no: str) -> None:
    """NOTPAY -> CLOSED here and at WeChat. Idempotent; a no-op without a record."""
    _close(out_trade_no, models.get_payment(out_trade_no), create_if_absent=False, reason="closed")


def expire_payment(out_trade_no: str) -> None:
    """The payment window ran out: close it (even if the customer never asked to pay, so a late
    request is refused) and fail the waiting order saga."""
    _close(out_trade_no, models.get_payment(out_trade_no), create_if_absent=True, reason="payment timed out")


def _close(out_trade_no: str, record: models.PaymentItem | None, create_if_absent: bool, reason: str) -> str | None:
    """Closes the payment `record` (as just read) unless it is no longer open; returns its status
    afterwards (None: there is still no record). Reads the record again only when another writer
    moved it between that read and our conditional write."""
    if record is None and not create_if_absent:
        return None
    if record is not None and record.status != NOTPAY:
        return record.status
    closed_remotely = False
    if record is not None and record.prepay_id:
        if not _close_at_wechat(out_trade_no):
            return SUCCESS if _settle_from_query(out_trade_no) else NOTPAY
        closed_remotely = True
    updated = models.mark_closed(out_trade_no, clock().now(), create_if_absent)
    if updated is None:  # paid or closed meanwhile; whoever moved it signals the saga
        current = models.get_payment(out_trade_no)
        return current.status if current is not None else None
    if updated.prepay_id and not closed_remotely:
        _close_at_wechat(out_trade_no)  # a prepay raced in after our read
    if updated.task_token:
        tasks.fail(updated.task_token, PAYMENT_CLOSED_ERROR, reason)
    return CLOSED


def _settle_from_query(out_trade_no: str) -> bool:
    """WeChat says paid though no callback reached us (yet): trust its verified query answer.
    Returns whether it was paid."""
    transaction = _client().query(out_trade_no)
    if transaction.get("trade_state") != SUCCESS:
        return False
    _apply_success(out_trade_no, transaction, None)
    return True


def refund_payment(out_trade_no: str, out_refund_no: str, amount_fen: int, reason: str) -> str:
    """Refunds a paid payment; WeChat and our record both dedupe by out_refund_no. Returns the refund status."""
    return _refund(models.get_payment(out_trade_no), out_trade_no, out_refund_no, amount_fen, reason)


def _refund(
    record: models.PaymentItem | None, out_trade_no: str, out_refund_no: str, amount_fen: int, reason: str
) -> str:
    if record is None or record.amount is None or record.status not in (SUCCESS, REFUND):
        raise Conflict("Only a paid payment can be refunded.", code="NOT_PAID")
    if amount_fen <= 0 or amount_fen > int(record.amount):
        raise ValidationError("The refund must be between 1 fen and the amount paid.", field="amount")
    refund = _client().refund(out_trade_no, out_refund_no, amount_fen, int(record.amount), reason)
    models.mark_refunded(out_trade_no, out_refund_no, refund.status, clock().now())
    return refund.status


def settle_payment(out_trade_no: str, out_refund_no: str, amount_fen: int, reason: str) -> Settlement:
    """For an order that will not be kept: refund what was paid (including a payment our close
    finds paid), close what is still open. One read of the record; safe to repeat (a repeat finds
    it CLOSED or REFUND, and WeChat dedupes refunds by out_refund_no)."""
    record = models.get_payment(out_trade_no)
    if record is None:
        return Settlement(NO_PAYMENT)
    if record.status == NOTPAY:
        after = _close(out_trade_no, record, create_if_absent=False, reason=reason)
        if after == CLOSED:
            return Settlement(CLOSED_UNPAID)
        if after != SUCCESS:
            raise UpstreamUnavailable(f"The payment could not be closed (it is {after}); retry later.")
        record.status = SUCCESS  # paid in the meantime: same amount, now refundable
    if record.status == REFUND:
        return Settlement(ALREADY_REFUNDED, record.refund_status)
    if record.status == SUCCESS:
        return Settlement(REFUNDED, _refund(record, out_trade_no, out_refund_no, amount_fen, reason))
    return Settlement(CLOSED_UNPAID)


# --- notify callback ----------------------------------------------------------------------------


@dataclass(frozen=True)
class NotifyResult:
    changed: bool
    detail: str


def handle_notification(headers: Any, raw_body: bytes) -> NotifyResult:
    """Verify (signature, serial, 5-minute window), decrypt, check against our record, then move
    the record. Unauthorized for anything forged or tampered; ValidationError when a genuine
    notification disagrees with our order."""
    cfg = wechatpay_settings()
    try:
        signing.verify_wechatpay_headers(headers, raw_body, cfg.platform_public_keys, time.time())
        envelope = json.loads(raw_body)
        resource = envelope["resource"]
        if resource.get("algorithm") != "AEAD_AES_256_GCM":
            raise signing.SignatureError("unsupported algorithm")
        plaintext = signing.aes_gcm_decrypt(
            cfg.apiv3_key, resource["nonce"], resource.get("associated_data") or "", resource["ciphertext"]
        )
        transaction = json.loads(plaintext)
    except (signing.SignatureError, ValueError, KeyError, TypeError, AttributeError) as err:
        logger.warning("rejected WeChat Pay notification", reason=str(err))
        raise Unauthorized("The notification failed verification.", code="INVALID_SIGNATURE") from None
    if not isinstance(transaction, dict) or not str(envelope.get("event_type", "")).startswith("TRANSACTION."):
        return NotifyResult(False, f"ignored {envelope.get('event_type')}")
    out_trade_no = str(transaction.get("out_trade_no", ""))
    record = models.get_payment(out_trade_no) if OUT_TRADE_NO.match(out_trade_no) else None
    if record is None:
        raise ValidationError("No such order.", code="UNKNOWN_ORDER")
    _check_matches(record, transaction, cfg.mchid)
    state = transaction.get("trade_state")
    if state == SUCCESS:
        return _apply_success(out_trade_no, transaction, record)
    if state in ("PAYERROR", "CLOSED", "REVOKED"):
        _close(out_trade_no, record, create_if_absent=False, reason=f"payment {state}")
        return NotifyResult(record.status == NOTPAY, f"closed after {state}")
    return NotifyResult(False, f"ignored trade_state {state}")


def _check_matches(record: models.PaymentItem, transaction: dict[str, Any], mchid: str) -> None:
    amount = transaction.get("amount") or {}
    mismatches = [
        name
        for name, ours, theirs in (
            ("appid", record.appid, transaction.get("appid")),
            ("mchid", mchid, transaction.get("mchid")),
            ("amount", record.amount and int(record.amount), amount.get("total")),
        )
        if ours != theirs
    ]
    if mismatches:
        logger.error("WeChat Pay notification does not match the order", fields=mismatches, order=record.pk)
        raise ValidationError(f"Notification does not match the order: {', '.join(mismatches)}.", code="MISMATCH")


def _apply_success(out_trade_no: str, transaction: dict[str, Any], known: models.PaymentItem | None) -> NotifyResult:
    """NOTPAY -> SUCCESS and tell the saga. `known` is the record as just read, if it was: one no
    longer open is answered from it; the record is read (again) only after losing a race."""
    transaction_id = str(transaction.get("transaction_id", ""))
    updated = None
    if known is None or known.status == NOTPAY:
        updated = models.mark_paid(out_trade_no, transaction_id, clock().now())
    if updated is None:
        current = known if known is not None and known.status != NOTPAY else models.get_payment(out_trade_no)
        if current is not None and current.status == CLOSED:
            # Paid in the instant between our close and WeChat's: give the money back.
            logger.error("payment succeeded after it was closed; refunding", out_trade_no=out_trade_no)
            refund_after_close(out_trade_no, int(current.amount or 0))
        elif current is not None and current.status == SUCCESS:
            # A repeat: the first delivery may have failed before telling the saga (WeChat retries
            # because it did). Telling it again is harmless: a settled token is ignored.
            _signal_paid(out_trade_no, current.task_token, current.transaction_id or transaction_id)
        return NotifyResult(False, "duplicate")
    _signal_paid(out_trade_no, updated.task_token, transaction_id)
    count("PaymentSucceeded")
    return NotifyResult(True, "paid")


def _signal_paid(out_trade_no: str, task_token: str | None, transaction_id: str) -> None:
    from chalicelib.core.timers import cancel_timer

    cancel_timer(PAYMENT_TIMEOUT, out_trade_no)
    if task_token:
        tasks.succeed(task_token, {"outTradeNo": out_trade_no, "transactionId": transaction_id})


def refund_after_close(out_trade_no: str, amount_fen: int) -> None:
    if amount_fen > 0:
        reason = "order closed before payment"
        _client().refund(out_trade_no, full_refund_no(out_trade_no), amount_fen, amount_fen, reason)
