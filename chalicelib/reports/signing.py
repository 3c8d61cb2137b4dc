"""Signed unsubscribe tokens: `<payload>.<signature>`, both base64url, the payload naming the merchant
and the report kind, the signature HMAC-SHA256 with the stage's key (Secrets Manager). Pure."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass

from chalicelib.core.errors import Forbidden, ValidationError
from chalicelib.reports.domain import ReportKind


@dataclass(frozen=True)
class Unsubscribe:
    merchant_id: str
    kind: ReportKind


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: str, payload: str) -> bytes:
    return hmac.new(key.encode(), payload.encode(), hashlib.sha256).digest()


def sign(key: str, merchant_id: str, kind: ReportKind) -> str:
    payload = _b64(json.dumps({"m": merchant_id, "k": kind.value}, separators=(",", ":")).encode())
    return f"{payload}.{_b64(_mac(key, payload))}"


def verify(key: str, token: str) -> Unsubscribe:
    """400 for a token that is not one of ours in shape; 403 for a bad signature."""
    payload, dot, signature = token.strip().partition(".")
    if not dot or not payload or not signature:
        raise ValidationError("The unsubscribe token is malformed.", code="INVALID_TOKEN", field="token")
    try:
        given = _unb64(signature)
    except ValueError:
        raise ValidationError("The unsubscribe token is malformed.", code="INVALID_TOKEN", field="token") from None
    if not hmac.compare_digest(given, _mac(key, payload)):
        raise Forbidden("The unsubscribe token's signature is not valid.", code="BAD_SIGNATURE")
    try:
        data = json.loads(_unb64(payload))
        return Unsubscribe(merchant_id=str(data["m"]), kind=ReportKind(data["k"]))
    except (ValueError, KeyError, TypeError):
        raise ValidationError("The unsubscribe token is malformed.", code="INVALID_TOKEN", field="token") from None
