"""Payments as the rest of the backend sees them: open a JSAPI payment, close, refund, and the
verified notify callback that completes an order saga's waiting task.

Service-provider mode: every payment is taken by the platform (sp_appid, sp_mchid) for one merchant's
sub_mchid. Every use case takes its effects as `ports.Ports` first (api.py, timers.py and routes.py
pass `adapters.live_ports()`), so they run against in-memory fakes in tests/unit/payments/."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, replace
from typing import Any

from chalicelib.core.clock import clock
from chalicelib.core.errors import Conflict, NotFound, Unauthorized, UpstreamUnavailable, ValidationError
from chalicelib.core.observability import count, logger
from chalicelib.payments import signing
from chalicelib.payments.domain import (
    ALREADY_REFUNDED,
    CLOSED,
    CLOSED_UNPAID,
    NO_PAYMENT,
    NOTPAY,
    PAYMENT_CLOSED_ERROR,
    REFUND,
    REFUNDED,
    SUCCESS,
    Payment,
    Settlement,
    WeChatPayError,
    full_refund_no,
)
from chalicelib.payments.ports import Ports

OUT_TRADE_NO = re.compile(r"^[0-9A-Za-z_\-*]{6,32}$")


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


def create_jsapi_payment(
    p: Ports,
    order_kind: str,
    order_id: str,
    out_trade_no: str,
    amount_fen: int,
    description: str,
    payer_user_id: str,
    merchant_id: str,
    payer_openid: str | None = None,
) -> dict[str, str]:
    """Opens (or reuses) the payment for out_trade_no, paid to the merchant's sub-merchant, and returns
    wx.requestPayment's parameters.

    Idempotent: a retry reuses the stored prepay_id; another amount (or merchant) for the same number
    is a Conflict. The merchant's account is read only when WeChat is asked for a prepay_id."""
    if not OUT_TRADE_NO.match(out_trade_no):
        raise ValidationError("out_trade_no must be 6-32 of [0-9A-Za-z_-*].", field="outTradeNo")
    if amount_fen <= 0:
        raise ValidationError("The amount must be a positive number of fen.", field="amount")
    cfg = p.settings()
    appid = p.sp_appid()
    openid = payer_openid or p.payer_openid(payer_user_id)
    if openid is None:
        raise NotFound("The payer is unknown.", code="USER_NOT_FOUND")
    now = clock().now()
    record = p.store.open(
        out_trade_no, amount_fen, order_kind, order_id, merchant_id, appid, cfg.sp_mchid, payer_user_id, openid, now
    )
    if record is None:
        _refuse_existing(p, out_trade_no, amount_fen)
    assert record is not None
    prepay_id = record.prepay_id
    if not prepay_id:
        sub_mchid = p.sub_mchid_of(merchant_id)
        fresh = _prepay(p, appid, sub_mchid, out_trade_no, amount_fen, description, openid, cfg.notify_url)
        stored = p.store.set_prepay_id(out_trade_no, fresh, sub_mchid, now)
        if stored is None:  # closed (timed out) while we were asking WeChat: do not leave it payable
            _close_at_wechat(p, sub_mchid, out_trade_no)
            raise Conflict("This payment has been closed.", code="PAYMENT_CLOSED")
        prepay_id = stored
    return request_payment_params(appid, prepay_id, cfg.private_key_pem)


def _prepay(
    p: Ports,
    appid: str,
    sub_mchid: str,
    out_trade_no: str,
    amount_fen: int,
    description: str,
    openid: str,
    notify_url: str,
) -> str:
    """WeChat's refusals as our JSON errors: the customer sees a 409 or a 503, never a 500."""
    try:
        return p.client().jsapi_prepay(appid, sub_mchid, out_trade_no, amount_fen, description, openid, notify_url)
    except WeChatPayError as err:
        logger.warning("WeChat Pay refused the prepay", out_trade_no=out_trade_no, code=err.code, status=err.status)
        if err.code == "ORDERPAID":
            raise Conflict("This order is already paid.", code="ALREADY_PAID") from None
        if err.code == "ORDER_CLOSED":
            raise Conflict("This payment has been closed.", code="PAYMENT_CLOSED") from None
        raise UpstreamUnavailable("WeChat Pay cannot take this payment right now.") from None


def _refuse_existing(p: Ports, out_trade_no: str, amount_fen: int) -> None:
    existing = p.store.get(out_trade_no)
    if existing is not None and existing.amount is not None and existing.amount != amount_fen:
        raise Conflict("This order is already being paid with another amount.", code="PAYMENT_AMOUNT_MISMATCH")
    if existing is not None and existing.status in (SUCCESS, REFUND):
        raise Conflict("This order is already paid.", code="ALREADY_PAID")
    if existing is not None and existing.status == NOTPAY:
        raise Conflict("This order is being paid to another merchant.", code="PAYMENT_MERCHANT_MISMATCH")
    raise Conflict("This payment has been closed.", code="PAYMENT_CLOSED")


def payment_status(p: Ports, out_trade_no: str) -> str | None:
    record = p.store.get(out_trade_no)
    return record.status if record is not None else None


def _close_at_wechat(p: Ports, sub_mchid: str, out_trade_no: str) -> bool:
    """Closes the WeChat order; False when WeChat says it is already paid (the caller settles it)."""
    try:
        p.client().close(sub_mchid, out_trade_no)
    except WeChatPayError as err:
        if err.code == "ORDERPAID":
            return False
        if err.code != "ORDER_NOT_EXIST":
            raise
    return True


def close_payment(p: Ports, out_trade_no: str) -> None:
    """NOTPAY -> CLOSED here and at WeChat. Idempotent; a no-op without a record."""
    _close(p, out_trade_no, p.store.get(out_trade_no), create_if_absent=False, reason="closed")


def expire_payment(p: Ports, out_trade_no: str) -> None:
    """The payment window ran out: close it (even if the customer never asked to pay, so a late
    request is refused) and fail the waiting order saga."""
    _close(p, out_trade_no, p.store.get(out_trade_no), create_if_absent=True, reason="payment timed out")


def _close(p: Ports, out_trade_no: str, record: Payment | None, create_if_absent: bool, reason: str) -> str | None:
    """Closes the payment `record` (as just read) unless it is no longer open; returns its status
    afterwards (None: there is still no record). Reads the record again only when another writer
    moved it between that read and our conditional write."""
    if record is None and not create_if_absent:
        return None
    if record is not None and record.status != NOTPAY:
        return record.status
    closed_remotely = False
    if record is not None and record.prepay_id and record.sub_mchid:
        if not _close_at_wechat(p, record.sub_mchid, out_trade_no):
            return SUCCESS if _settle_from_query(p, record) else NOTPAY
        closed_remotely = True
    updated = p.store.mark_closed(out_trade_no, clock().now(), create_if_absent)
    if updated is None:  # paid or closed meanwhile; whoever moved it signals the saga
        current = p.store.get(out_trade_no)
        return current.status if current is not None else None
    if updated.prepay_id and updated.sub_mchid and not closed_remotely:
        _close_at_wechat(p, updated.sub_mchid, out_trade_no)  # a prepay raced in after our read
    if updated.task_token:
        p.task_failed(updated.task_token, PAYMENT_CLOSED_ERROR, reason)
    return CLOSED


def _settle_from_query(p: Ports, record: Payment) -> bool:
    """WeChat says paid though no callback reached us (yet): trust its verified query answer.
    Returns whether it was paid."""
    assert record.sub_mchid is not None
    transaction = p.client().query(record.sub_mchid, record.out_trade_no)
    if transaction.get("trade_state") != SUCCESS:
        return False
    _apply_success(p, record.out_trade_no, transaction, None)
    return True


def refund_payment(p: Ports, out_trade_no: str, out_refund_no: str, amount_fen: int, reason: str) -> str:
    """Refunds a paid payment; WeChat and our record both dedupe by out_refund_no. Returns the refund status."""
    return _refund(p, p.store.get(out_trade_no), out_trade_no, out_refund_no, amount_fen, reason)


def _refund(
    p: Ports, record: Payment | None, out_trade_no: str, out_refund_no: str, amount_fen: int, reason: str
) -> str:
    if record is None or record.amount is None or record.status not in (SUCCESS, REFUND) or not record.sub_mchid:
        raise Conflict("Only a paid payment can be refunded.", code="NOT_PAID")
    if amount_fen <= 0 or amount_fen > record.amount:
        raise ValidationError("The refund must be between 1 fen and the amount paid.", field="amount")
    refund = p.client().refund(record.sub_mchid, out_trade_no, out_refund_no, amount_fen, record.amount, reason)
    p.store.mark_refunded(out_trade_no, out_refund_no, refund.status, clock().now())
    return refund.status


def settle_payment(p: Ports, out_trade_no: str, out_refund_no: str, amount_fen: int, reason: str) -> Settlement:
    """For an order that will not be kept: refund what was paid (including a payment our close
    finds paid), close what is still open. One read of the record; safe to repeat (a repeat finds
    it CLOSED or REFUND, and WeChat dedupes refunds by out_refund_no)."""
    record = p.store.get(out_trade_no)
    if record is None:
        return Settlement(NO_PAYMENT)
    if record.status == NOTPAY:
        after = _close(p, out_trade_no, record, create_if_absent=False, reason=reason)
        if after == CLOSED:
            return Settlement(CLOSED_UNPAID)
        if after != SUCCESS:
            raise UpstreamUnavailable(f"The payment could not be closed (it is {after}); retry later.")
        record = replace(record, status=SUCCESS)  # paid in the meantime: same amount, now refundable
    if record.status == REFUND:
        return Settlement(ALREADY_REFUNDED, record.refund_status)
    if record.status == SUCCESS:
        return Settlement(REFUNDED, _refund(p, record, out_trade_no, out_refund_no, amount_fen, reason))
    return Settlement(CLOSED_UNPAID)


def attach_task_token(p: Ports, out_trade_no: str, task_token: str) -> None:
    """The order saga waits on this payment: keep its token while NOTPAY, or answer it at once."""
    status = p.store.attach_task_token(out_trade_no, task_token, clock().now())
    if status == SUCCESS:
        record = p.store.get(out_trade_no)
        transaction_id = record.transaction_id if record is not None else None
        p.task_succeeded(task_token, {"outTradeNo": out_trade_no, "transactionId": transaction_id or ""})
    elif status != NOTPAY:
        p.task_failed(task_token, PAYMENT_CLOSED_ERROR, f"payment is {status}")


# --- notify callback ----------------------------------------------------------------------------


@dataclass(frozen=True)
class NotifyResult:
    changed: bool
    detail: str


def handle_notification(p: Ports, headers: Any, raw_body: bytes) -> NotifyResult:
    """Verify (signature, serial, 5-minute window), decrypt, check against our record, then move
    the record. Unauthorized for anything forged or tampered; ValidationError when a genuine
    notification disagrees with our order."""
    cfg = p.settings()
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
    record = p.store.get(out_trade_no) if OUT_TRADE_NO.match(out_trade_no) else None
    if record is None:
        raise ValidationError("No such order.", code="UNKNOWN_ORDER")
    _check_matches(record, transaction, cfg.sp_mchid)
    state = transaction.get("trade_state")
    if state == SUCCESS:
        return _apply_success(p, out_trade_no, transaction, record)
    if state in ("PAYERROR", "CLOSED", "REVOKED"):
        _close(p, out_trade_no, record, create_if_absent=False, reason=f"payment {state}")
        return NotifyResult(record.status == NOTPAY, f"closed after {state}")
    return NotifyResult(False, f"ignored trade_state {state}")


def _check_matches(record: Payment, transaction: dict[str, Any], sp_mchid: str) -> None:
    """A partner notification names the platform (sp_appid, sp_mchid) and the merchant's sub_mchid:
    all must be this order's, and the amount too."""
    amount = transaction.get("amount") or {}
    mismatches = [
        name
        for name, ours, theirs in (
            ("sp_appid", record.appid, transaction.get("sp_appid")),
            ("sp_mchid", sp_mchid, transaction.get("sp_mchid")),
            ("sub_mchid", record.sub_mchid, transaction.get("sub_mchid")),
            ("amount", record.amount, amount.get("total")),
        )
        if ours != theirs
    ]
    if mismatches:
        logger.error("WeChat Pay notification does not match the order", fields=mismatches, order=record.out_trade_no)
        raise ValidationError(f"Notification does not match the order: {', '.join(mismatches)}.", code="MISMATCH")


def _apply_success(p: Ports, out_trade_no: str, transaction: dict[str, Any], known: Payment | None) -> NotifyResult:
    """NOTPAY -> SUCCESS and tell the saga. `known` is the record as just read, if it was: one no
    longer open is answered from it; the record is read (again) only after losing a race."""
    transaction_id = str(transaction.get("transaction_id", ""))
    updated = None
    if known is None or known.status == NOTPAY:
        updated = p.store.mark_paid(out_trade_no, transaction_id, clock().now())
    if updated is None:
        current = known if known is not None and known.status != NOTPAY else p.store.get(out_trade_no)
        if current is not None and current.status == CLOSED:
            # Paid in the instant between our close and WeChat's: give the money back.
            logger.error("payment succeeded after it was closed; refunding", out_trade_no=out_trade_no)
            _refund_after_close(p, current)
        elif current is not None and current.status == SUCCESS:
            # A repeat: the first delivery may have failed before telling the saga (WeChat retries
            # because it did). Telling it again is harmless: a settled token is ignored.
            _signal_paid(p, out_trade_no, current.task_token, current.transaction_id or transaction_id)
        return NotifyResult(False, "duplicate")
    _signal_paid(p, out_trade_no, updated.task_token, transaction_id)
    count("PaymentSucceeded")
    return NotifyResult(True, "paid")


def _signal_paid(p: Ports, out_trade_no: str, task_token: str | None, transaction_id: str) -> None:
    p.cancel_timeout(out_trade_no)
    if task_token:
        p.task_succeeded(task_token, {"outTradeNo": out_trade_no, "transactionId": transaction_id})


def _refund_after_close(p: Ports, record: Payment) -> None:
    if record.amount and record.sub_mchid:
        reason = "order closed before payment"
        p.client().refund(
            record.sub_mchid,
            record.out_trade_no,
            full_refund_no(record.out_trade_no),
            record.amount,
            record.amount,
            reason,
        )
