"""POST /api/payments/wechat/notify and create_jsapi_payment, through the Chalice test client.

Callbacks are built by the sandbox (its platform key and APIv3 key), so only a tampered, forged or
stale one is ours to make."""

from __future__ import annotations

import base64
import json
import secrets
import time
import urllib.request
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from chalicelib.core.errors import Conflict
from chalicelib.payments import models, service
from chalicelib.payments.adapters import live_ports
from devstack import demo_data
from devstack.stack import WECHAT_APPID
from devstack.wechat_sandbox import pay_crypto
from tests.api.budget import assert_budget

NOTIFY = "/api/payments/wechat/notify"


@pytest.fixture
def payer(client, login) -> str:
    """A customer of the demo merchant, whose payments go to its WeChat Pay sub-merchant."""
    demo_data.put_merchant()
    return str(client.http.get("/api/auth/me", headers=login(f"payer-{secrets.token_hex(6)}")).json_body["userId"])


def _open(payer: str, amount: int = 2500) -> tuple[str, dict[str, str]]:
    otn = f"A{secrets.token_hex(10)}"
    params = service.create_jsapi_payment(
        live_ports(), "appointment", f"appt-{otn}", otn, amount, "洗剪吹", payer, demo_data.MERCHANT_ID
    )
    return otn, params


def _post(client, headers: dict[str, str], body: bytes) -> Any:
    return client.http.post(NOTIFY, headers=headers, body=body)


def _paid(sandbox, otn: str, **changes: Any) -> dict[str, Any]:
    order = sandbox.pay.orders[otn]
    transaction = order.transaction()
    transaction.update(
        trade_state="SUCCESS", transaction_id="4200000000000000001", success_time="2026-01-01T10:00:00+08:00"
    )
    transaction.update(changes)
    return transaction


def test_create_jsapi_payment_returns_verifiable_request_payment_params(aws, sandbox, payer) -> None:
    otn, params = _open(payer)
    assert set(params) == {"timeStamp", "nonceStr", "package", "signType", "paySign"}
    assert params["signType"] == "RSA" and params["timeStamp"].isdigit() and len(params["timeStamp"]) == 10
    order = sandbox.pay.orders[otn]
    assert params["package"] == f"prepay_id={order.prepay_id}"
    assert (order.total, order.appid, order.openid.startswith("openid-")) == (2500, WECHAT_APPID, True)
    message = f"{WECHAT_APPID}\n{params['timeStamp']}\n{params['nonceStr']}\n{params['package']}\n".encode()
    key = load_pem_public_key(sandbox.pay.merchant_public_key.encode())
    assert isinstance(key, rsa.RSAPublicKey)
    key.verify(base64.b64decode(params["paySign"]), message, padding.PKCS1v15(), hashes.SHA256())
    with pytest.raises(InvalidSignature):
        key.verify(base64.b64decode(params["paySign"]), message + b"x", padding.PKCS1v15(), hashes.SHA256())

    again = service.create_jsapi_payment(
        live_ports(), "appointment", f"appt-{otn}", otn, 2500, "洗剪吹", payer, demo_data.MERCHANT_ID
    )
    assert again["package"] == params["package"]  # the same prepay, freshly signed
    with pytest.raises(Conflict) as err:
        service.create_jsapi_payment(
            live_ports(), "appointment", f"appt-{otn}", otn, 2400, "洗剪吹", payer, demo_data.MERCHANT_ID
        )
    assert err.value.code == "PAYMENT_AMOUNT_MISMATCH"
    record = models.get_payment(otn)
    assert record is not None and (record.status, record.amount, record.order_id) == ("NOTPAY", 2500, f"appt-{otn}")


def test_verified_success_marks_paid_and_a_duplicate_changes_nothing(aws, client, sandbox, payer) -> None:
    otn, _ = _open(payer)
    headers, body = sandbox.pay.notification(_paid(sandbox, otn))
    response = _post(client, headers, body)
    assert response.status_code == 204 and response.body in (b"", "")
    record = models.get_payment(otn)
    assert record is not None and (record.status, record.transaction_id) == ("SUCCESS", "4200000000000000001")
    snapshot = record.attribute_values.copy()

    again_headers, again_body = sandbox.pay.notification(_paid(sandbox, otn))  # WeChat's retry
    assert _post(client, again_headers, again_body).status_code == 204
    assert _post(client, headers, body).status_code == 204  # the very same delivery again
    after = models.get_payment(otn)
    assert after is not None and after.attribute_values == snapshot
    with pytest.raises(Conflict) as err:
        service.create_jsapi_payment(
            live_ports(), "appointment", f"appt-{otn}", otn, 2500, "洗剪吹", payer, demo_data.MERCHANT_ID
        )
    assert err.value.code == "ALREADY_PAID"


def test_forged_replayed_and_tampered_notifications_get_401_and_change_nothing(aws, client, sandbox, payer) -> None:
    otn, _ = _open(payer)
    transaction = _paid(sandbox, otn)
    headers, body = sandbox.pay.notification(transaction)

    forged = pay_crypto.sign_response(
        sandbox.pay.merchant_private_key, sandbox.pay.platform_serial, body, int(time.time())
    )
    stale_headers, stale_body = sandbox.pay.notification(transaction, timestamp=int(time.time()) - 301)
    envelope = json.loads(body)
    envelope["resource"]["ciphertext"] = envelope["resource"]["ciphertext"][:-4] + "AAAA"
    tampered = json.dumps(envelope, ensure_ascii=False).encode()
    cases = [
        (dict(headers, **forged), body),  # signed by someone else's key
        (stale_headers, stale_body),  # correctly signed, 5 min 1 s old
        (headers, tampered),  # body changed after signing
        (dict(headers, **{"Wechatpay-Serial": "PUB_KEY_ID_OTHER"}), body),
        ({k: v for k, v in headers.items() if k != "Wechatpay-Signature"}, body),
        ({"Content-Type": "application/json"}, b"not even json"),
    ]
    for case_headers, case_body in cases:
        response = _post(client, case_headers, case_body)
        assert response.status_code == 401, case_headers
        assert response.json_body["code"] == "FAIL"
        assert response.json_body["error"]["code"] == "INVALID_SIGNATURE"

    # Correctly signed by WeChat, but its resource does not decrypt under our APIv3 key.
    resigned = pay_crypto.sign_response(
        sandbox.pay.platform_private_key, sandbox.pay.platform_serial, tampered, int(time.time())
    )
    assert _post(client, dict(headers, **resigned), tampered).status_code == 401
    record = models.get_payment(otn)
    assert record is not None and record.status == "NOTPAY" and record.transaction_id is None


def test_genuine_notification_that_disagrees_with_the_order_is_refused(aws, client, sandbox, payer) -> None:
    otn, _ = _open(payer, amount=2500)
    other_merchant = demo_data.SUB_MCHIDS[demo_data.MERCHANT_2_ID]
    for changes in (
        {"amount": {"total": 1, "currency": "CNY"}},
        {"sp_appid": "wx-someone-else"},
        {"sp_mchid": "1"},
        {"sub_mchid": other_merchant},  # paid to another merchant of the platform
    ):
        headers, body = sandbox.pay.notification(_paid(sandbox, otn, **changes))
        response = _post(client, headers, body)
        assert response.status_code == 400 and response.json_body["error"]["code"] == "MISMATCH"
    headers, body = sandbox.pay.notification(_paid(sandbox, otn, out_trade_no="Nosuchorder1"))
    assert _post(client, headers, body).json_body["error"]["code"] == "UNKNOWN_ORDER"
    record = models.get_payment(otn)
    assert record is not None and record.status == "NOTPAY"


def test_failed_payment_notification_closes_the_order_here_and_at_wechat(aws, client, sandbox, payer) -> None:
    otn, _ = _open(payer)
    failed = dict(sandbox.pay.orders[otn].transaction(), trade_state="PAYERROR")
    headers, body = sandbox.pay.notification(failed)
    assert _post(client, headers, body).status_code == 204
    assert service.payment_status(live_ports(), otn) == "CLOSED"
    assert sandbox.pay.orders[otn].trade_state == "CLOSED"
    with pytest.raises(Conflict):
        service.create_jsapi_payment(
            live_ports(), "appointment", f"appt-{otn}", otn, 2500, "洗剪吹", payer, demo_data.MERCHANT_ID
        )


def test_close_and_refund_are_idempotent(aws, client, sandbox, payer) -> None:
    otn, _ = _open(payer)
    service.close_payment(live_ports(), otn)
    service.close_payment(live_ports(), otn)
    service.close_payment(live_ports(), "Neverexisted1")  # no record: a no-op
    assert (
        service.payment_status(live_ports(), otn) == "CLOSED"
        and service.payment_status(live_ports(), "Neverexisted1") is None
    )
    assert sandbox.pay.orders[otn].trade_state == "CLOSED"

    paid, _ = _open(payer, amount=3000)
    headers, body = sandbox.pay.notification(_paid(sandbox, paid))
    sandbox.pay.orders[paid].trade_state = "SUCCESS"  # what WeChat knows after the customer paid
    assert _post(client, headers, body).status_code == 204
    service.close_payment(live_ports(), paid)  # too late to close: stays paid
    assert service.payment_status(live_ports(), paid) == "SUCCESS"
    assert service.refund_payment(live_ports(), paid, f"{paid}R0", 3000, "cancelled") == "SUCCESS"
    assert service.refund_payment(live_ports(), paid, f"{paid}R0", 3000, "cancelled") == "SUCCESS"
    assert len(sandbox.pay.orders[paid].refunds) == 1
    assert service.payment_status(live_ports(), paid) == "REFUND"
    with pytest.raises(Conflict):
        service.refund_payment(live_ports(), otn, f"{otn}R0", 100, "never paid")


def test_timeout_after_a_lost_callback_settles_from_wechat_instead_of_closing(aws, sandbox, payer) -> None:
    otn, params = _open(payer)
    _pay_at_sandbox_without_callback(sandbox, params)  # the callback never reached us
    service.expire_payment(live_ports(), otn)  # WeChat refuses to close a paid order (ORDERPAID)...
    record = models.get_payment(otn)
    assert record is not None and record.status == "SUCCESS"  # ...so the verified query settles it
    assert record.transaction_id == sandbox.pay.orders[otn].transaction_id
    assert sandbox.pay.orders[otn].trade_state == "SUCCESS"


def test_timeout_before_any_pay_request_closes_for_good(aws, payer) -> None:
    otn = f"A{secrets.token_hex(10)}"
    service.expire_payment(live_ports(), otn)
    assert service.payment_status(live_ports(), otn) == "CLOSED"
    with pytest.raises(Conflict) as err:
        service.create_jsapi_payment(
            live_ports(), "appointment", f"appt-{otn}", otn, 2500, "洗剪吹", payer, demo_data.MERCHANT_ID
        )
    assert err.value.code == "PAYMENT_CLOSED"


def test_a_platform_key_rotation_does_not_stop_notifications(aws, client, sandbox, payer, monkeypatch) -> None:
    otn, _ = _open(payer)
    old = sandbox.pay.platform_serial
    new = sandbox.pay.rotate_platform_key()
    try:
        headers, body = sandbox.pay.notification(_paid(sandbox, otn))
        assert headers["Wechatpay-Serial"] == new
        assert _post(client, headers, body).status_code == 401  # not configured yet: unknown serial, as ever
        # Ops add the new key beside the current one (WECHATPAY_PLATFORM_SERIAL / _PUBLIC_KEY stay).
        monkeypatch.setenv("WECHATPAY_PLATFORM_PUBLIC_KEYS", json.dumps({new: sandbox.pay.platform_public_key}))
        assert _post(client, headers, body).status_code == 204
        record = models.get_payment(otn)
        assert record is not None and record.status == "SUCCESS"
        retry_headers, retry_body = sandbox.pay.notification(_paid(sandbox, otn), serial=old)
        assert retry_headers["Wechatpay-Serial"] == old
        assert _post(client, retry_headers, retry_body).status_code == 204  # the old key still verifies
    finally:
        sandbox.pay.use_platform_key(old)


def _pay_at_sandbox_without_callback(sandbox, params: dict[str, str]) -> None:
    request = urllib.request.Request(
        f"{sandbox.base_url}/sandbox/pay",
        data=json.dumps({"prepay_id": params["package"].split("=", 1)[1], "result": "SUCCESS"}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as response:
        assert json.loads(response.read())["notify_status"] == 0


def test_settle_closes_an_open_payment_refunds_a_paid_one_and_repeats_harmlessly(
    aws, client, sandbox, payer, local_aws
) -> None:
    from chalicelib.payments import api

    assert api.settle_payment("Neverexisted2", "Neverexisted2R0", 100, "x") == api.Settlement(api.NO_PAYMENT)
    unpaid, _ = _open(payer)
    assert getattr(models.get_payment(unpaid), "et", None) == "Payment"  # created by an UpdateItem, still typed
    local_aws.app.calls.clear()
    assert api.settle_payment(unpaid, f"{unpaid}R0", 2500, "cancelled").outcome == api.CLOSED_UNPAID
    assert dict(local_aws.app.calls) == {"GetItem": 1, "UpdateItem": 1}  # one read, one conditional close
    assert sandbox.pay.orders[unpaid].trade_state == "CLOSED"
    assert api.settle_payment(unpaid, f"{unpaid}R0", 2500, "cancelled").outcome == api.CLOSED_UNPAID

    paid, _ = _open(payer, amount=3000)
    headers, body = sandbox.pay.notification(_paid(sandbox, paid))
    sandbox.pay.orders[paid].trade_state = "SUCCESS"
    assert _post(client, headers, body).status_code == 204
    local_aws.app.calls.clear()
    assert api.settle_payment(paid, f"{paid}R0", 3000, "cancelled") == api.Settlement(api.REFUNDED, "SUCCESS")
    assert dict(local_aws.app.calls) == {"GetItem": 1, "UpdateItem": 1}  # the payment is read once
    repeat = api.settle_payment(paid, f"{paid}R0", 3000, "cancelled")
    assert repeat == api.Settlement(api.ALREADY_REFUNDED, "SUCCESS")
    assert list(sandbox.pay.orders[paid].refunds) == [f"{paid}R0"]


def test_settle_refunds_a_payment_its_close_finds_paid(aws, sandbox, payer) -> None:
    from chalicelib.payments import api

    otn, params = _open(payer)
    _pay_at_sandbox_without_callback(sandbox, params)  # paid, but we have not heard of it
    settled = api.settle_payment(otn, f"{otn}R0", 2500, "booking not kept")
    assert settled.outcome == api.REFUNDED
    assert service.payment_status(live_ports(), otn) == "REFUND"
    assert list(sandbox.pay.orders[otn].refunds) == [f"{otn}R0"]


def test_notify_budget_reads_the_payment_once(aws, client, sandbox, payer, local_aws) -> None:
    otn, _ = _open(payer)
    headers, body = sandbox.pay.notification(_paid(sandbox, otn))
    local_aws.app.calls.clear()
    assert _post(client, headers, body).status_code == 204
    assert_budget(dict(local_aws.app.calls), "POST /api/payments/wechat/notify", "paid")  # read + NOTPAY -> SUCCESS
    local_aws.app.calls.clear()
    assert _post(client, headers, body).status_code == 204
    assert_budget(
        dict(local_aws.app.calls), "POST /api/payments/wechat/notify", "duplicate"
    )  # answered from that one read
    failed_otn, _ = _open(payer)
    failed = dict(sandbox.pay.orders[failed_otn].transaction(), trade_state="PAYERROR")
    failed_headers, failed_body = sandbox.pay.notification(failed)
    local_aws.app.calls.clear()
    assert _post(client, failed_headers, failed_body).status_code == 204
    assert_budget(dict(local_aws.app.calls), "POST /api/payments/wechat/notify", "failed")  # read + NOTPAY -> CLOSED
