"""Delivery channels beyond the inbox: WeChat subscribe messages, SMS (SNS) and email (SES).

Importing this module registers them with the notifications consumer. A sender raises to have
its channel retried (the consumer releases its claim); a recipient who cannot be reached on a
channel (no phone, refused subscription) is skipped, not retried.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

from chalicelib.core import aws
from chalicelib.core.config import settings
from chalicelib.core.errors import UpstreamUnavailable
from chalicelib.core.observability import logger
from chalicelib.identity.api import openid_of
from chalicelib.wechat.access_token import tokens

WECHAT, SMS, EMAIL = "wechat", "sms", "email"
_TOKEN_STALE = {40001, 40014, 42001}  # WeChat: invalid / expired access_token
_NOT_DELIVERABLE = {43101, 40003}  # refused the subscription; no such openid


def template_id(kind: str) -> str:
    """Subscribe-message template per notification kind, set per deployment in the environment."""
    return os.environ.get(f"WECHAT_TEMPLATE_{kind.upper()}", f"tmpl-{kind}")


def subscribe_payload(message: dict[str, Any], openid: str) -> dict[str, Any]:
    data = dict(message.get("data") or {})
    when = " ".join(str(data[k]) for k in ("date", "timeSlot") if data.get(k))
    fields = {
        "thing1": str(data.get("serviceName") or message.get("title", ""))[:20],
        "time2": when or str(message.get("title", ""))[:20],
        "thing3": str(message.get("body", ""))[:20],
    }
    return {
        "touser": openid,
        "template_id": template_id(str(message.get("kind", ""))),
        "page": data.get("page") or "/pages/index/index",
        "data": {name: {"value": value} for name, value in fields.items()},
        "miniprogram_state": "formal" if settings().stage == "prod" else "developer",
    }


def _post_subscribe(payload: dict[str, Any], token: str) -> dict[str, Any]:
    import urllib3

    from chalicelib.wechat.http import request

    url = f"{settings().wechat_api_base}/cgi-bin/message/subscribe/send?access_token={token}"
    try:
        response = request(
            "POST",
            url,
            body=json.dumps(payload, ensure_ascii=False).encode(),
            headers={"Content-Type": "application/json"},
        )
        body = json.loads(response.data or b"{}")
    except (urllib3.exceptions.HTTPError, ValueError) as err:
        raise UpstreamUnavailable(f"WeChat subscribe message failed: {err.__class__.__name__}") from err
    return body if isinstance(body, dict) else {}


def send_wechat(message: dict[str, Any]) -> None:
    openid = openid_of(str(message["user_id"]))
    if openid is None:
        logger.warning("no openid for subscribe message", user_id=message["user_id"])
        return
    payload = subscribe_payload(message, openid)
    token = tokens.get()
    body = _post_subscribe(payload, token)
    if int(body.get("errcode") or 0) in _TOKEN_STALE:
        body = _post_subscribe(payload, tokens.replace(token))
    errcode = int(body.get("errcode") or 0)
    if errcode in _NOT_DELIVERABLE:
        logger.info("subscribe message not deliverable", errcode=errcode, user_id=message["user_id"])
        return
    if errcode != 0:
        raise UpstreamUnavailable(f"WeChat subscribe message failed (errcode {errcode}).")


def send_sms(message: dict[str, Any]) -> None:
    phone = (message.get("data") or {}).get("phone")
    if not phone:
        return
    aws.client("sns").publish(
        PhoneNumber=f"+86{phone}",
        Message=f"【预约】{message.get('title', '')}：{message.get('body', '')}",
        MessageAttributes={"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}},
    )


def send_email(message: dict[str, Any]) -> None:
    address = (message.get("data") or {}).get("email")
    if not address:
        return
    sender = settings().ses_sender
    if not sender:
        raise RuntimeError("SES_SENDER is not set for this stage: no address to send email from")
    aws.client("ses").send_email(
        Source=sender,
        Destination={"ToAddresses": [address]},
        Message={
            "Subject": {"Data": str(message.get("title", "")), "Charset": "UTF-8"},
            "Body": {"Text": {"Data": str(message.get("body", "")), "Charset": "UTF-8"}},
        },
    )


SENDERS: dict[str, Callable[[dict[str, Any]], None]] = {WECHAT: send_wechat, SMS: send_sms, EMAIL: send_email}
