"""The merchant client against the sandbox over real HTTP: signed requests both ways, the order
state machine, and the sandbox router's path parameters (without breaking exact routes)."""

from __future__ import annotations

import json
import secrets
import time
import urllib.error
import urllib.request
from dataclasses import replace
from typing import Any

import pytest

from chalicelib.core.errors import UpstreamUnavailable
from chalicelib.payments import signing
from chalicelib.payments.client import WeChatPayClient, WeChatPayError
from chalicelib.payments.settings import wechatpay_settings
from devstack.demo_data import MERCHANT_2_ID, MERCHANT_ID, SUB_MCHIDS
from devstack.stack import WECHAT_APPID

SUB = SUB_MCHIDS[MERCHANT_ID]
OTHER_SUB = SUB_MCHIDS[MERCHANT_2_ID]

# The client reads the merchant keys from Secrets Manager, which the `aws` fixture provisions.
pytestmark = pytest.mark.usefixtures("aws")


def _otn() -> str:
    return f"T{secrets.token_hex(8)}"


def _prepay(
    client: WeChatPayClient, otn: str, amount: int = 1000, openid: str = "openid-a", sub_mchid: str = SUB
) -> str:
    return client.jsapi_prepay(
        WECHAT_APPID, sub_mchid, otn, amount, "剪发 30 分钟", openid, "http://127.0.0.1:9/notify"
    )


def _post(url: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"{}")


def test_prepay_is_idempotent_per_out_trade_no_and_rejects_changed_parameters(sandbox) -> None:
    client = WeChatPayClient()
    otn = _otn()
    first = _prepay(client, otn)
    assert first.startswith("wx")
    assert _prepay(client, otn) == first
    with pytest.raises(WeChatPayError) as err:
        _prepay(client, otn, amount=999)
    assert err.value.code == "OUT_TRADE_NO_USED"
    assert sandbox.pay.orders[otn].total == 1000


def test_query_close_and_closed_order_cannot_be_prepaid_again(sandbox) -> None:
    client = WeChatPayClient()
    otn = _otn()
    _prepay(client, otn)
    assert client.query(SUB, otn)["trade_state"] == "NOTPAY"
    client.close(SUB, otn)  # a signed, empty 204
    queried = client.query(SUB, otn)
    assert (queried["trade_state"], queried["amount"]["total"]) == ("CLOSED", 1000)
    assert (queried["sp_mchid"], queried["sub_mchid"], queried["sp_appid"]) == ("1900000109", SUB, WECHAT_APPID)
    with pytest.raises(WeChatPayError) as err:
        _prepay(client, otn)
    assert err.value.code == "ORDERCLOSED"
    with pytest.raises(WeChatPayError) as missing:
        client.query(SUB, _otn())
    assert (missing.value.status, missing.value.code) == (404, "ORDER_NOT_EXIST")


def test_partner_mode_refuses_unknown_or_foreign_sub_merchants_and_another_merchants_orders(sandbox) -> None:
    client = WeChatPayClient()
    with pytest.raises(WeChatPayError) as unknown:
        _prepay(client, _otn(), sub_mchid="1999999999")
    assert (unknown.value.status, unknown.value.code) == (400, "MCH_NOT_EXISTS")
    sandbox.pay.bind_sub_merchant("1988888888", bound=False)  # onboarded under another provider
    with pytest.raises(WeChatPayError) as foreign:
        _prepay(client, _otn(), sub_mchid="1988888888")
    assert (foreign.value.status, foreign.value.code) == (403, "NO_AUTH")
    with pytest.raises(WeChatPayError) as appid:
        client.jsapi_prepay("wx-not-the-platform", SUB, _otn(), 100, "x", "openid-a", "http://127.0.0.1:9/n")
    assert appid.value.code == "APPID_MCHID_NOT_MATCH"
    otn = _otn()
    _prepay(client, otn)
    assert sandbox.pay.orders[otn].sub_mchid == SUB
    with pytest.raises(WeChatPayError) as other:  # one merchant's order is not another's to see or close
        client.query(OTHER_SUB, otn)
    assert other.value.code == "ORDER_NOT_EXIST"
    with pytest.raises(WeChatPayError):
        client.close(OTHER_SUB, otn)
    assert client.query(SUB, otn)["trade_state"] == "NOTPAY"


def test_paid_order_refunds_once_per_out_refund_no_and_cannot_be_closed(sandbox) -> None:
    client = WeChatPayClient()
    otn = _otn()
    prepay_id = _prepay(client, otn)
    status, paid = _post(f"{sandbox.base_url}/sandbox/pay", {"prepay_id": prepay_id, "result": "SUCCESS"})
    assert (status, paid["trade_state"], paid["notify_status"]) == (200, "SUCCESS", 0)  # notify URL unreachable
    assert client.query(SUB, otn)["transaction_id"].startswith("4200")
    with pytest.raises(WeChatPayError) as err:
        client.close(SUB, otn)
    assert err.value.code == "ORDERPAID"
    first = client.refund(SUB, otn, f"{otn}R0", 600, 1000, "customer cancelled")
    again = client.refund(SUB, otn, f"{otn}R0", 600, 1000, "customer cancelled")
    assert first.status == "SUCCESS" and again.refund_id == first.refund_id
    assert len(sandbox.pay.orders[otn].refunds) == 1
    with pytest.raises(WeChatPayError):
        client.refund(SUB, otn, f"{otn}R1", 500, 1000, "more than what is left")


def test_sandbox_rejects_requests_not_signed_by_the_merchant(sandbox) -> None:
    cfg = wechatpay_settings()
    body = json.dumps({"sp_appid": WECHAT_APPID, "sp_mchid": cfg.sp_mchid, "sub_mchid": SUB}).encode()
    status, reply = _post(f"{sandbox.base_url}/v3/pay/partner/transactions/jsapi", json.loads(body))
    assert (status, reply["code"]) == (401, "SIGN_ERROR")
    header = signing.authorization_header(  # right merchant id and serial, wrong private key
        cfg.sp_mchid,
        cfg.serial_no,
        sandbox.pay.platform_private_key,
        "POST",
        "/v3/pay/partner/transactions/jsapi",
        body,
        int(time.time()),
    )
    status, reply = _post(
        f"{sandbox.base_url}/v3/pay/partner/transactions/jsapi", json.loads(body), {"Authorization": header}
    )
    assert (status, reply["code"]) == (401, "SIGN_ERROR")
    # Signed over another path than the one requested: the canonical URL is part of the signature.
    good = signing.authorization_header(
        cfg.sp_mchid, cfg.serial_no, cfg.private_key_pem, "POST", "/v3/other", body, int(time.time())
    )
    status, reply = _post(
        f"{sandbox.base_url}/v3/pay/partner/transactions/jsapi", json.loads(body), {"Authorization": good}
    )
    assert status == 401


def test_client_refuses_responses_not_signed_by_wechat_pay(sandbox) -> None:
    cfg = wechatpay_settings()
    wrong = replace(cfg, platform_public_keys=dict.fromkeys(cfg.platform_public_keys, sandbox.pay.merchant_public_key))
    with pytest.raises(UpstreamUnavailable, match="verification"):
        _prepay(WeChatPayClient(wrong), _otn())


def test_client_verifies_responses_signed_by_a_rotated_platform_key(sandbox, monkeypatch) -> None:
    client = WeChatPayClient()
    otn = _otn()
    _prepay(client, otn)
    old = sandbox.pay.platform_serial
    new = sandbox.pay.rotate_platform_key()
    try:
        with pytest.raises(UpstreamUnavailable, match="Serial"):  # a serial nobody told us about
            client.query(SUB, otn)
        monkeypatch.setenv("WECHATPAY_PLATFORM_PUBLIC_KEYS", json.dumps({new: sandbox.pay.platform_public_key}))
        assert WeChatPayClient().query(SUB, otn)["trade_state"] == "NOTPAY"
        sandbox.pay.use_platform_key(old)  # WeChat may still sign with the old key during the switch
        assert WeChatPayClient().query(SUB, otn)["trade_state"] == "NOTPAY"
    finally:
        sandbox.pay.use_platform_key(old)


def test_sandbox_router_keeps_exact_routes_and_matches_path_parameters(sandbox) -> None:
    with urllib.request.urlopen(
        f"{sandbox.base_url}/sns/jscode2session?appid={WECHAT_APPID}&secret=sandbox-secret"
        "&js_code=router-check&grant_type=authorization_code"
    ) as response:
        assert json.loads(response.read())["openid"] == "openid-router-check"
    resolved = sandbox.resolve("GET", "/v3/pay/partner/transactions/out-trade-no/ABC123")
    assert resolved is not None and resolved[1] == {"out_trade_no": "ABC123"}
    assert sandbox.resolve("POST", "/v3/pay/partner/transactions/out-trade-no/ABC123") is None
    assert sandbox.resolve("GET", "/v3/pay/partner/transactions/out-trade-no/A/B") is None
