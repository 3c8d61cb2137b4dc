"""Payments' use cases against in-memory ports: no AWS, no WeChat. Service-provider mode: every
payment goes to its merchant's sub_mchid, and nothing of one merchant's payment reaches another's."""

from __future__ import annotations

import pytest

from chalicelib.core.errors import Conflict, Forbidden, NotFound, Unauthorized, ValidationError
from chalicelib.payments import service
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
    WeChatPayError,
)
from tests.fakes.payments import SP_MCHID, FakePayments

OTN = "A0000000000000001"


@pytest.fixture
def pay() -> FakePayments:
    return FakePayments()


def _open(pay: FakePayments, merchant: str = "m-1", amount: int = 2500, otn: str = OTN) -> dict[str, str]:
    return service.create_jsapi_payment(pay.ports, "appointment", f"appt-{otn}", otn, amount, "剪发", "u-1", merchant)


def test_open_prepays_at_the_merchants_sub_merchant_once(pay: FakePayments) -> None:
    params = _open(pay)
    assert params["package"].startswith("prepay_id=wx") and params["signType"] == "RSA"
    record = pay.store.records[OTN]
    assert (record.merchant_id, record.sub_mchid, record.sp_mchid, record.status) == (
        "m-1",
        "1900000201",
        SP_MCHID,
        NOTPAY,
    )
    assert pay.client.calls == [("prepay", "1900000201", OTN)]
    again = _open(pay)  # a retry: the stored prepay_id, WeChat not asked again
    assert again["package"] == params["package"] and len(pay.client.calls) == 1


def test_open_refuses_another_amount_another_merchant_and_unknown_payers(pay: FakePayments) -> None:
    _open(pay)
    with pytest.raises(Conflict) as amount:
        _open(pay, amount=1)
    assert amount.value.code == "PAYMENT_AMOUNT_MISMATCH"
    with pytest.raises(Conflict) as merchant:
        _open(pay, merchant="m-2")
    assert merchant.value.code == "PAYMENT_MERCHANT_MISMATCH"
    assert pay.store.records[OTN].sub_mchid == "1900000201"
    with pytest.raises(NotFound):
        service.create_jsapi_payment(pay.ports, "appointment", "a", "B0000000000000001", 100, "x", "u-nobody", "m-1")
    with pytest.raises(ValidationError):
        service.create_jsapi_payment(pay.ports, "appointment", "a", "bad no", 100, "x", "u-1", "m-1")


def test_a_merchant_without_wechat_pay_cannot_take_payments(pay: FakePayments) -> None:
    with pytest.raises(Forbidden) as refused:
        _open(pay, merchant="m-none")
    assert refused.value.code == "PAYMENTS_NOT_ENABLED"
    assert pay.client.calls == []


def test_wechat_refusals_are_conflicts_or_unavailable_never_crashes(pay: FakePayments) -> None:
    pay.client.refuse["prepay"] = WeChatPayError(400, "ORDERPAID", "paid")
    with pytest.raises(Conflict) as paid:
        _open(pay)
    assert paid.value.code == "ALREADY_PAID"
    pay.client.refuse["prepay"] = WeChatPayError(500, "SYSTEM_ERROR", "busy")
    with pytest.raises(Exception) as busy:
        _open(pay)
    assert getattr(busy.value, "code", "") == "UPSTREAM_UNAVAILABLE"


def test_close_closes_at_the_right_sub_merchant_and_fails_the_waiting_saga(pay: FakePayments) -> None:
    _open(pay)
    service.attach_task_token(pay.ports, OTN, "token-1")
    service.close_payment(pay.ports, OTN)
    assert pay.store.records[OTN].status == CLOSED
    assert ("close", "1900000201", OTN) in pay.client.calls
    assert pay.failed == [("token-1", PAYMENT_CLOSED_ERROR, "closed")]
    service.close_payment(pay.ports, OTN)  # a repeat changes nothing
    assert len(pay.failed) == 1
    service.close_payment(pay.ports, "Neverexisted1")
    assert "Neverexisted1" not in pay.store.records


def test_expiry_before_anyone_asked_to_pay_closes_so_a_late_request_is_refused(pay: FakePayments) -> None:
    service.expire_payment(pay.ports, OTN)
    assert pay.store.records[OTN].status == CLOSED
    with pytest.raises(Conflict) as late:
        _open(pay)
    assert late.value.code == "PAYMENT_CLOSED"
    assert pay.client.calls == []


def test_a_close_that_finds_the_order_paid_settles_it_from_the_verified_query(pay: FakePayments) -> None:
    _open(pay)
    service.attach_task_token(pay.ports, OTN, "token-1")
    pay.client.customer_pays(OTN)  # paid, but the callback has not arrived
    assert service.settle_payment(pay.ports, OTN, f"{OTN}R0", 2500, "cancelled").outcome == REFUNDED
    assert pay.store.records[OTN].status == REFUND
    assert pay.succeeded and pay.succeeded[0][0] == "token-1"
    assert pay.timeouts_cancelled == [OTN]
    again = service.settle_payment(pay.ports, OTN, f"{OTN}R0", 2500, "cancelled")
    assert again.outcome == ALREADY_REFUNDED
    assert [c for c in pay.client.calls if c[0] == "refund"] == [("refund", "1900000201", OTN)]


def test_settle_without_a_payment_or_an_unpaid_one(pay: FakePayments) -> None:
    assert service.settle_payment(pay.ports, OTN, f"{OTN}R0", 2500, "x").outcome == NO_PAYMENT
    _open(pay)
    assert service.settle_payment(pay.ports, OTN, f"{OTN}R0", 2500, "x").outcome == CLOSED_UNPAID
    with pytest.raises(Conflict):
        service.refund_payment(pay.ports, OTN, f"{OTN}R0", 100, "never paid")


def test_verified_partner_notification_marks_paid_once_and_tells_the_saga(pay: FakePayments) -> None:
    _open(pay)
    service.attach_task_token(pay.ports, OTN, "token-1")
    headers, body = pay.notification(pay.transaction(OTN))
    assert service.handle_notification(pay.ports, headers, body).changed is True
    assert pay.store.records[OTN].status == SUCCESS
    assert pay.succeeded == [("token-1", {"outTradeNo": OTN, "transactionId": "4200000001"})]
    repeat = service.handle_notification(pay.ports, headers, body)
    assert (repeat.changed, repeat.detail) == (False, "duplicate")


@pytest.mark.parametrize(
    "changes",
    [
        {"sub_mchid": "1900000202"},  # paid to another merchant of the platform
        {"sp_mchid": "1"},
        {"sp_appid": "wx-other"},
        {"amount": {"total": 1}},
    ],
)
def test_a_notification_for_another_merchant_or_amount_moves_nothing(pay: FakePayments, changes: dict) -> None:
    _open(pay)
    headers, body = pay.notification(pay.transaction(OTN, **changes))
    with pytest.raises(ValidationError) as refused:
        service.handle_notification(pay.ports, headers, body)
    assert refused.value.code == "MISMATCH"
    assert pay.store.records[OTN].status == NOTPAY


def test_a_tampered_notification_is_unauthorized(pay: FakePayments) -> None:
    _open(pay)
    headers, body = pay.notification(pay.transaction(OTN))
    with pytest.raises(Unauthorized):
        service.handle_notification(pay.ports, headers, body.replace(b"EV-1", b"EV-2"))
    assert pay.store.records[OTN].status == NOTPAY


def test_paid_in_the_instant_after_our_close_is_refunded(pay: FakePayments) -> None:
    _open(pay)
    headers, body = pay.notification(pay.transaction(OTN))
    service.close_payment(pay.ports, OTN)
    pay.client.orders[OTN].trade_state = SUCCESS  # WeChat took the money just before the close landed
    result = service.handle_notification(pay.ports, headers, body)
    assert result.changed is False
    assert ("refund", "1900000201", OTN) in pay.client.calls
