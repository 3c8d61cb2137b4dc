"""A thin WeChat Pay v3 service-provider (partner) client: signed requests, verified responses, one
pooled connection.

The platform is the service provider: every request is signed with its key (WECHATPAY2-SHA256-RSA2048,
`mchid` = its sp_mchid) and names the merchant's sub_mchid, so one set of credentials serves every
merchant and a merchant's own account is only its number. Every response's Wechatpay-* signature is
checked against the WeChat Pay public key before its body is trusted.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import quote

import urllib3

from chalicelib.core.errors import UpstreamUnavailable
from chalicelib.payments import signing
from chalicelib.payments.domain import Refund, WeChatPayError
from chalicelib.payments.settings import WeChatPaySettings, wechatpay_settings
from chalicelib.wechat.http import request

__all__ = ["Refund", "WeChatPayClient", "WeChatPayError"]


class WeChatPayClient:
    def __init__(self, config: WeChatPaySettings | None = None) -> None:
        self.config = config or wechatpay_settings()

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, dict[str, Any]]:
        cfg = self.config
        # Serialise once: the signed bytes must be exactly the sent bytes.
        raw = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode() if body is not None else b""
        headers = {
            "Authorization": signing.authorization_header(
                cfg.sp_mchid, cfg.serial_no, cfg.private_key_pem, method, path, raw, int(time.time())
            ),
            "Accept": "application/json",
            "User-Agent": "o2o-backend/1.0",
        }
        if body is not None:
            headers["Content-Type"] = "application/json"
        try:
            response = request(method, cfg.api_base + path, body=raw or None, headers=headers)
        except urllib3.exceptions.HTTPError as err:
            raise UpstreamUnavailable(f"WeChat Pay is unreachable: {err.__class__.__name__}") from err
        data = response.data or b""
        try:
            signing.verify_wechatpay_headers(response.headers, data, cfg.platform_public_keys, time.time())
        except signing.SignatureError as err:
            raise UpstreamUnavailable(f"WeChat Pay response failed verification: {err}") from err
        try:
            parsed = json.loads(data) if data else {}
        except ValueError as err:
            raise UpstreamUnavailable("WeChat Pay answered with a body that is not JSON.") from err
        if response.status >= 400:
            raise WeChatPayError(response.status, str(parsed.get("code", "")), str(parsed.get("message", "")))
        return response.status, parsed if isinstance(parsed, dict) else {}

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
        """Partner JSAPI prepay: the payer's openid is the platform mini program's (sp_openid)."""
        _, body = self._call(
            "POST",
            "/v3/pay/partner/transactions/jsapi",
            {
                "sp_appid": sp_appid,
                "sp_mchid": self.config.sp_mchid,
                "sub_mchid": sub_mchid,
                "description": description[:127],
                "out_trade_no": out_trade_no,
                "notify_url": notify_url,
                "amount": {"total": amount_fen, "currency": "CNY"},
                "payer": {"sp_openid": openid},
            },
        )
        prepay_id = body.get("prepay_id")
        if not prepay_id:
            raise UpstreamUnavailable("WeChat Pay prepay returned no prepay_id.")
        return str(prepay_id)

    def query(self, sub_mchid: str, out_trade_no: str) -> dict[str, Any]:
        path = (
            f"/v3/pay/partner/transactions/out-trade-no/{quote(out_trade_no, safe='')}"
            f"?sp_mchid={quote(self.config.sp_mchid)}&sub_mchid={quote(sub_mchid)}"
        )
        return self._call("GET", path)[1]

    def close(self, sub_mchid: str, out_trade_no: str) -> None:
        self._call(
            "POST",
            f"/v3/pay/partner/transactions/out-trade-no/{quote(out_trade_no, safe='')}/close",
            {"sp_mchid": self.config.sp_mchid, "sub_mchid": sub_mchid},
        )

    def refund(
        self, sub_mchid: str, out_trade_no: str, out_refund_no: str, refund_fen: int, total_fen: int, reason: str
    ) -> Refund:
        _, body = self._call(
            "POST",
            "/v3/refund/domestic/refunds",
            {
                "sub_mchid": sub_mchid,
                "out_trade_no": out_trade_no,
                "out_refund_no": out_refund_no,
                "reason": reason[:80],
                "amount": {"refund": refund_fen, "total": total_fen, "currency": "CNY"},
            },
        )
        return Refund(out_refund_no, str(body.get("refund_id", "")), str(body.get("status", "")))
