"""WeChat Pay v3 as the sandbox plays it, in service-provider (partner) mode: real RSA signatures both
ways, real AES-256-GCM callbacks.

The backend is a service provider (sp_mchid) taking payments for its merchants' sub-merchant numbers
(sub_mchid): `/v3/pay/partner/transactions/...` with sp_appid, sp_mchid, sub_mchid and payer.sp_openid,
refunds naming the sub_mchid, callbacks whose resource carries sp_appid, sp_mchid and sub_mchid. A
sub_mchid must have been bound to the provider (`bind_sub_merchant`, what onboarding does at WeChat):
an unknown one is 400 MCH_NOT_EXISTS, one bound to another provider 403 NO_AUTH, an appid that is not
the provider's 400 APPID_MCHID_NOT_MATCH, as WeChat answers.

Keys are generated per sandbox: the provider's key pair (we hand the private half to the backend, as
a merchant downloads apiclient_key.pem), the WeChat Pay platform key pair (the backend gets the
public half, as in public-key mode) and the APIv3 key. Orders follow WeChat's state machine:
NOTPAY -> SUCCESS -> REFUND, NOTPAY -> CLOSED, NOTPAY -> PAYERROR.

Test-only: `POST /sandbox/pay {"prepay_id"|"out_trade_no", "result": "SUCCESS"|"FAIL"}` plays the
customer paying (or failing) and posts the signed, encrypted callback to the order's notify_url,
synchronously; repeating SUCCESS on a paid order re-sends the callback, as WeChat's retries do.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from chalicelib.payments import signing
from devstack.wechat_sandbox import pay_crypto

if TYPE_CHECKING:
    from devstack.wechat_sandbox.server import SandboxRequest, WeChatSandbox

Reply = tuple[int, dict[str, str], bytes]
_CST = timezone(timedelta(hours=8))
_OUT_TRADE_NO = re.compile(r"^[0-9A-Za-z_\-*]{6,32}$")


def rsa_keypair() -> tuple[str, str]:
    """A fresh 2048-bit RSA key pair as (private PKCS#8 PEM, public SubjectPublicKeyInfo PEM)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


def _cst_now() -> str:
    return datetime.now(UTC).astimezone(_CST).isoformat(timespec="seconds")


@dataclass
class Order:
    appid: str  # sp_appid
    mchid: str  # sp_mchid
    sub_mchid: str
    out_trade_no: str
    description: str
    total: int
    openid: str
    notify_url: str
    prepay_id: str
    trade_state: str = "NOTPAY"
    transaction_id: str = ""
    success_time: str = ""
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)

    def same_request(self, body: dict[str, Any]) -> bool:
        return (
            body.get("sp_appid") == self.appid
            and body.get("sub_mchid") == self.sub_mchid
            and body.get("description") == self.description
            and (body.get("amount") or {}).get("total") == self.total
            and (body.get("payer") or {}).get("sp_openid") == self.openid
        )

    def transaction(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "sp_appid": self.appid,
            "sp_mchid": self.mchid,
            "sub_mchid": self.sub_mchid,
            "out_trade_no": self.out_trade_no,
            "trade_state": self.trade_state,
            "trade_state_desc": {"SUCCESS": "支付成功", "NOTPAY": "未支付", "CLOSED": "已关闭"}.get(
                self.trade_state, self.trade_state
            ),
            "trade_type": "JSAPI",
            "attach": "",
            "payer": {"sp_openid": self.openid},
            "amount": {"total": self.total, "currency": "CNY", "payer_total": self.total, "payer_currency": "CNY"},
        }
        if self.transaction_id:
            data.update(transaction_id=self.transaction_id, bank_type="OTHERS", success_time=self.success_time)
        return data


class PayService:
    def __init__(self, appid: str, mchid: str = "1900000109") -> None:
        self.appid = appid
        self.mchid = mchid
        self.merchant_serial = secrets.token_hex(20).upper()
        self.merchant_private_key, self.merchant_public_key = rsa_keypair()
        # Every WeChat Pay key pair this sandbox has had, by serial; it signs with the current one.
        self.platform_keys: dict[str, tuple[str, str]] = {}
        self.platform_serial = ""
        self.rotate_platform_key()
        self.apiv3_key = secrets.token_hex(16)  # 32 ASCII characters, as the console issues
        self.orders: dict[str, Order] = {}
        # Sub-merchants WeChat knows: sub_mchid -> bound to this provider (onboarding binds them).
        self.sub_merchants: dict[str, bool] = {}
        self.delivered: list[dict[str, Any]] = []  # callbacks sent: {out_trade_no, status, trade_state}
        self._lock = threading.Lock()

    @property
    def platform_private_key(self) -> str:
        return self.platform_keys[self.platform_serial][0]

    @property
    def platform_public_key(self) -> str:
        return self.platform_keys[self.platform_serial][1]

    def rotate_platform_key(self) -> str:
        """WeChat Pay switches to a new key pair (and serial), as in a key rotation; returns the serial."""
        serial = "PUB_KEY_ID_" + "".join(secrets.choice("0123456789") for _ in range(32))
        self.platform_keys[serial] = rsa_keypair()
        self.platform_serial = serial
        return serial

    def use_platform_key(self, serial: str) -> None:
        """Sign with an earlier key again (tests: WeChat signs with either during a rotation)."""
        if serial not in self.platform_keys:
            raise KeyError(serial)
        self.platform_serial = serial

    def bind_sub_merchant(self, sub_mchid: str, bound: bool = True) -> None:
        """A merchant onboarded at WeChat under this provider (bound=False: under another provider)."""
        self.sub_merchants[sub_mchid] = bound

    def _sub_merchant_refusal(self, sub_mchid: Any, missing_status: int = 400) -> Reply | None:
        if not isinstance(sub_mchid, str) or sub_mchid not in self.sub_merchants:
            return self._error(missing_status, "MCH_NOT_EXISTS", "商户号不存在")
        if not self.sub_merchants[sub_mchid]:
            return self._error(403, "NO_AUTH", "服务商与子商户无绑定关系")
        return None

    def env(self, api_base: str, notify_url: str) -> dict[str, str]:
        """The merchant configuration the backend needs to talk to this sandbox at `api_base`, with
        WeChat's callbacks going to `notify_url`. The keys are not here: see `secret_values`."""
        return {
            "WECHATPAY_API_BASE": api_base,
            "WECHATPAY_NOTIFY_URL": notify_url,
            "WECHATPAY_MCHID": self.mchid,
            "WECHATPAY_SERIAL_NO": self.merchant_serial,
            "WECHATPAY_PLATFORM_SERIAL": self.platform_serial,
        }

    def secret_values(self) -> dict[str, str]:
        """The merchant's keys as ops put them into the WeChat Pay secret (fields of
        `chalicelib.core.resources.WECHATPAY_SECRET`)."""
        return {
            "privateKey": self.merchant_private_key,
            "apiV3Key": self.apiv3_key,
            "platformPublicKey": self.platform_public_key,
        }

    def register(self, sandbox: WeChatSandbox) -> None:
        sandbox.route_request("POST", "/v3/pay/partner/transactions/jsapi", self.jsapi)
        sandbox.route_request("GET", "/v3/pay/partner/transactions/out-trade-no/{out_trade_no}", self.query)
        sandbox.route_request("POST", "/v3/pay/partner/transactions/out-trade-no/{out_trade_no}/close", self.close)
        sandbox.route_request("POST", "/v3/refund/domestic/refunds", self.refund)
        sandbox.route_request("POST", "/sandbox/pay", self.sandbox_pay)

    # --- signing -------------------------------------------------------------------------------
    def reply(self, body: Any, status: int = 200) -> Reply:
        """A response signed with the platform key, as WeChat Pay signs every response."""
        payload = b"" if body is None else json.dumps(body, ensure_ascii=False).encode()
        headers = pay_crypto.sign_response(self.platform_private_key, self.platform_serial, payload, int(time.time()))
        if payload:
            headers["Content-Type"] = "application/json"
        return status, headers, payload

    def _error(self, status: int, code: str, message: str) -> Reply:
        return self.reply({"code": code, "message": message}, status)

    def _authenticate(self, request: SandboxRequest) -> Reply | None:
        """None when the merchant's Authorization header signs this exact request; else the 401."""
        fields = pay_crypto.parse_authorization(request.header("Authorization"))
        if not fields:
            return self._error(401, "SIGN_ERROR", "missing or malformed Authorization")
        if fields.get("mchid") != self.mchid or fields.get("serial_no") != self.merchant_serial:
            return self._error(401, "SIGN_ERROR", "unknown mchid or serial_no")
        timestamp = fields.get("timestamp", "")
        if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > signing.MAX_CLOCK_SKEW_SECONDS:
            return self._error(401, "SIGN_ERROR", "timestamp expired")
        message = signing.request_message(
            request.method, request.target, timestamp, fields.get("nonce_str", ""), request.body
        ).encode()
        if not signing.rsa_verify(self.merchant_public_key, message, fields.get("signature", "")):
            return self._error(401, "SIGN_ERROR", "signature does not verify")
        return None

    def _json(self, request: SandboxRequest) -> dict[str, Any] | None:
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            return None
        return body if isinstance(body, dict) else None

    # --- merchant API --------------------------------------------------------------------------
    def jsapi(self, request: SandboxRequest) -> Reply:
        denied = self._authenticate(request)
        if denied:
            return denied
        body = self._json(request)
        if body is None:
            return self._error(400, "PARAM_ERROR", "body is not a JSON object")
        total = (body.get("amount") or {}).get("total")
        openid = (body.get("payer") or {}).get("sp_openid")
        out_trade_no = str(body.get("out_trade_no", ""))
        if body.get("sp_mchid") != self.mchid:
            return self._error(400, "PARAM_ERROR", "http header中的mchid与post payload中的sp_mchid不匹配")
        if body.get("sp_appid") != self.appid:
            return self._error(400, "APPID_MCHID_NOT_MATCH", "appid和mch_id不匹配")
        refused = self._sub_merchant_refusal(body.get("sub_mchid"))
        if refused:
            return refused
        problems = [
            name
            for name, ok in (
                ("out_trade_no", bool(_OUT_TRADE_NO.match(out_trade_no))),
                ("amount.total", isinstance(total, int) and not isinstance(total, bool) and total > 0),
                ("payer.sp_openid", isinstance(openid, str) and bool(openid)),
                ("description", isinstance(body.get("description"), str) and bool(body.get("description"))),
                ("notify_url", str(body.get("notify_url", "")).startswith(("http://", "https://"))),
            )
            if not ok
        ]
        if problems:
            return self._error(400, "PARAM_ERROR", f"invalid {', '.join(problems)}")
        with self._lock:
            order = self.orders.get(out_trade_no)
            if order is not None:
                if order.trade_state == "CLOSED":
                    return self._error(400, "ORDERCLOSED", "order closed")
                if order.trade_state != "NOTPAY":
                    return self._error(400, "ORDERPAID", "order paid")
                if not order.same_request(body):
                    return self._error(400, "OUT_TRADE_NO_USED", "out_trade_no used with other parameters")
                return self.reply({"prepay_id": order.prepay_id})
            order = Order(
                appid=self.appid,
                mchid=self.mchid,
                sub_mchid=str(body["sub_mchid"]),
                out_trade_no=out_trade_no,
                description=str(body["description"]),
                total=int(total),  # type: ignore[arg-type]
                openid=str(openid),
                notify_url=str(body["notify_url"]),
                prepay_id=f"wx{datetime.now(UTC).strftime('%d%H%M%S')}{secrets.token_hex(12)}",
            )
            self.orders[out_trade_no] = order
        return self.reply({"prepay_id": order.prepay_id})

    def query(self, request: SandboxRequest) -> Reply:
        denied = self._authenticate(request)
        if denied:
            return denied
        if request.query.get("sp_mchid") != self.mchid:
            return self._error(400, "PARAM_ERROR", "sp_mchid mismatch")
        refused = self._sub_merchant_refusal(request.query.get("sub_mchid"))
        if refused:
            return refused
        order = self.orders.get(request.params["out_trade_no"])
        if order is None or order.sub_mchid != request.query.get("sub_mchid"):
            return self._error(404, "ORDER_NOT_EXIST", "order does not exist")
        return self.reply(order.transaction())

    def close(self, request: SandboxRequest) -> Reply:
        denied = self._authenticate(request)
        if denied:
            return denied
        body = self._json(request) or {}
        if body.get("sp_mchid") != self.mchid:
            return self._error(400, "PARAM_ERROR", "sp_mchid mismatch")
        refused = self._sub_merchant_refusal(body.get("sub_mchid"))
        if refused:
            return refused
        with self._lock:
            order = self.orders.get(request.params["out_trade_no"])
            if order is None or order.sub_mchid != body.get("sub_mchid"):
                return self._error(404, "ORDER_NOT_EXIST", "order does not exist")
            if order.trade_state in ("SUCCESS", "REFUND"):
                return self._error(400, "ORDERPAID", "order paid")
            order.trade_state = "CLOSED"
        return self.reply(None, 204)

    def refund(self, request: SandboxRequest) -> Reply:
        denied = self._authenticate(request)
        if denied:
            return denied
        body = self._json(request) or {}
        amount = body.get("amount") or {}
        out_refund_no = str(body.get("out_refund_no", ""))
        refund_fen = amount.get("refund")
        refused = self._sub_merchant_refusal(body.get("sub_mchid"), missing_status=404)
        if refused:
            return refused
        with self._lock:
            order = self.orders.get(str(body.get("out_trade_no", "")))
            if order is None or order.sub_mchid != body.get("sub_mchid"):
                return self._error(404, "ORDER_NOT_EXIST", "order does not exist")
            existing = order.refunds.get(out_refund_no)
            if existing is not None:  # WeChat dedupes by out_refund_no
                return self.reply(existing)
            if order.trade_state not in ("SUCCESS", "REFUND"):
                return self._error(400, "INVALID_REQUEST", "order not paid")
            refunded = sum(int(r["amount"]["refund"]) for r in order.refunds.values())
            if (
                not out_refund_no
                or not isinstance(refund_fen, int)
                or refund_fen <= 0
                or amount.get("total") != order.total
                or refunded + refund_fen > order.total
            ):
                return self._error(400, "PARAM_ERROR", "invalid refund amount or out_refund_no")
            record = {
                "refund_id": f"5030{secrets.token_hex(12)}",
                "out_refund_no": out_refund_no,
                "transaction_id": order.transaction_id,
                "out_trade_no": order.out_trade_no,
                "channel": "ORIGINAL",
                "user_received_account": "支付用户零钱",
                "create_time": _cst_now(),
                "success_time": _cst_now(),
                "status": "SUCCESS",
                "reason": str(body.get("reason", "")),
                "amount": {
                    "total": order.total,
                    "refund": refund_fen,
                    "payer_total": order.total,
                    "payer_refund": refund_fen,
                    "currency": "CNY",
                },
            }
            order.refunds[out_refund_no] = record
            order.trade_state = "REFUND"
        return self.reply(record)

    # --- the customer paying, and WeChat's callback --------------------------------------------
    def notification(
        self,
        transaction: dict[str, Any],
        *,
        timestamp: int | None = None,
        event_type: str | None = None,
        serial: str | None = None,
    ) -> tuple[dict[str, str], bytes]:
        """A signed, encrypted callback for `transaction`: (headers, raw body), signed with the current
        platform key or the one of `serial`."""
        nonce = signing.nonce(12)
        success = transaction.get("trade_state") == "SUCCESS"
        envelope = {
            "id": f"EV-{secrets.token_hex(10)}",
            "create_time": _cst_now(),
            "resource_type": "encrypt-resource",
            "event_type": event_type or ("TRANSACTION.SUCCESS" if success else "TRANSACTION.PAYERROR"),
            "summary": "支付成功" if success else "支付失败",
            "resource": {
                "original_type": "transaction",
                "algorithm": "AEAD_AES_256_GCM",
                "ciphertext": pay_crypto.aes_gcm_encrypt(
                    self.apiv3_key, nonce, "transaction", json.dumps(transaction, ensure_ascii=False).encode()
                ),
                "associated_data": "transaction",
                "nonce": nonce,
            },
        }
        body = json.dumps(envelope, ensure_ascii=False).encode()
        serial = serial or self.platform_serial
        headers = pay_crypto.sign_response(
            self.platform_keys[serial][0],
            serial,
            body,
            int(time.time()) if timestamp is None else timestamp,
        )
        headers["Content-Type"] = "application/json"
        return headers, body

    def sandbox_pay(self, request: SandboxRequest) -> Reply:
        body = self._json(request) or {}
        result = body.get("result", "SUCCESS")
        if result not in ("SUCCESS", "FAIL"):
            return self._error(400, "PARAM_ERROR", "result must be SUCCESS or FAIL")
        with self._lock:
            order = next(
                (
                    o
                    for o in self.orders.values()
                    if o.prepay_id == body.get("prepay_id") or o.out_trade_no == body.get("out_trade_no")
                ),
                None,
            )
            if order is None:
                return self._error(404, "ORDER_NOT_EXIST", "no order with that prepay_id")
            if order.trade_state == "CLOSED":
                return self._error(400, "ORDERCLOSED", "order closed")
            if result == "SUCCESS" and order.trade_state == "NOTPAY":
                order.trade_state = "SUCCESS"
                order.transaction_id = f"4200{datetime.now(UTC).strftime('%Y%m%d')}{secrets.randbelow(10**14):014d}"
                order.success_time = _cst_now()
            elif result == "FAIL" and order.trade_state == "NOTPAY":
                order.trade_state = "PAYERROR"
            transaction = order.transaction()
        status = self.deliver(order.notify_url, transaction)
        return self.reply(
            {"out_trade_no": order.out_trade_no, "trade_state": transaction["trade_state"], "notify_status": status}
        )

    def deliver(self, url: str, transaction: dict[str, Any]) -> int:
        headers, payload = self.notification(transaction)
        post = urllib.request.Request(url, data=payload, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(post, timeout=30) as response:
                status = int(response.status)
        except urllib.error.HTTPError as err:
            status = int(err.code)
        except (urllib.error.URLError, OSError):
            status = 0  # unreachable: real WeChat would retry later
        self.delivered.append(
            {"out_trade_no": transaction["out_trade_no"], "trade_state": transaction["trade_state"], "status": status}
        )
        return status
