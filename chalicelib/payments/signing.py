"""WeChat Pay v3, the merchant's side: request signatures, response and callback verification, paySign
and callback decryption (pure functions over `cryptography`). WeChat's side lives in the sandbox.

`cryptography` is imported inside each function: the API function imports this module at cold
start, and only payment requests should pay for the RSA/AES machinery.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

SCHEMA = "WECHATPAY2-SHA256-RSA2048"
# WeChat's rule: reject a response or callback whose timestamp is more than 5 minutes off.
MAX_CLOCK_SKEW_SECONDS = 300


class SignatureError(Exception):
    """A signature, timestamp or ciphertext that does not check out."""


def nonce(length: int = 32) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    return "".join(secrets.choice(alphabet) for _ in range(length))


@lru_cache(maxsize=8)
def _private_key(pem: str) -> Any:
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    return load_pem_private_key(pem.encode(), password=None)


@lru_cache(maxsize=8)
def _public_key(pem: str) -> Any:
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    return load_pem_public_key(pem.encode())


def rsa_sign(private_key_pem: str, message: str) -> str:
    """base64(SHA256withRSA PKCS#1 v1.5), the only signature WeChat Pay v3 uses."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    signature = _private_key(private_key_pem).sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode()


def rsa_verify(public_key_pem: str, message: bytes, signature_b64: str) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    try:
        signature = base64.b64decode(signature_b64, validate=True)
        _public_key(public_key_pem).verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError):
        return False
    return True


def request_message(method: str, canonical_url: str, timestamp: str, nonce_str: str, body: bytes | str) -> str:
    """METHOD\\nPATH?QUERY\\nTIMESTAMP\\nNONCE\\nBODY\\n: what the merchant signs per request."""
    text = body.decode() if isinstance(body, bytes) else body
    return f"{method}\n{canonical_url}\n{timestamp}\n{nonce_str}\n{text}\n"


def authorization_header(
    mchid: str, serial_no: str, private_key_pem: str, method: str, canonical_url: str, body: bytes, timestamp: int
) -> str:
    nonce_str = nonce()
    signature = rsa_sign(private_key_pem, request_message(method, canonical_url, str(timestamp), nonce_str, body))
    return (
        f'{SCHEMA} mchid="{mchid}",nonce_str="{nonce_str}",signature="{signature}",'
        f'timestamp="{timestamp}",serial_no="{serial_no}"'
    )


def response_message(timestamp: str, nonce_str: str, body: bytes) -> bytes:
    """TIMESTAMP\\nNONCE\\nBODY\\n: what WeChat signs on responses and callbacks (raw body bytes)."""
    return f"{timestamp}\n{nonce_str}\n".encode() + body + b"\n"


def verify_wechatpay_headers(headers: Any, body: bytes, public_keys: Mapping[str, str], now_epoch: float) -> None:
    """Raises SignatureError unless the Wechatpay-* headers sign `body` within the 5-minute window,
    with the WeChat Pay public key that `public_keys` (serial -> PEM) holds for Wechatpay-Serial.
    Several keys: during a key rotation WeChat signs with either, each naming its own serial.

    `headers` is any case-insensitive mapping with `.get` (Chalice's, urllib3's)."""
    timestamp = str(headers.get("Wechatpay-Timestamp") or "")
    nonce_str = str(headers.get("Wechatpay-Nonce") or "")
    signature = str(headers.get("Wechatpay-Signature") or "")
    serial = str(headers.get("Wechatpay-Serial") or "")
    if not (timestamp and nonce_str and signature and serial):
        raise SignatureError("missing Wechatpay signature headers")
    public_key_pem = public_keys.get(serial)
    if not public_key_pem:
        raise SignatureError(f"unknown Wechatpay-Serial {serial!r}")
    if not timestamp.isdigit() or abs(now_epoch - int(timestamp)) > MAX_CLOCK_SKEW_SECONDS:
        raise SignatureError("timestamp outside the 5-minute window")
    if not rsa_verify(public_key_pem, response_message(timestamp, nonce_str, body), signature):
        raise SignatureError("signature does not verify")


def pay_sign(private_key_pem: str, appid: str, timestamp: str, nonce_str: str, package: str) -> str:
    """paySign for wx.requestPayment: appId\\ntimeStamp\\nnonceStr\\npackage\\n, signed by the merchant."""
    return rsa_sign(private_key_pem, f"{appid}\n{timestamp}\n{nonce_str}\n{package}\n")


def aes_gcm_decrypt(apiv3_key: str, nonce_str: str, associated_data: str, ciphertext_b64: str) -> bytes:
    """AEAD_AES_256_GCM with the APIv3 key; the ciphertext carries the 16-byte tag at its end."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        return AESGCM(apiv3_key.encode()).decrypt(
            nonce_str.encode(), base64.b64decode(ciphertext_b64, validate=True), associated_data.encode()
        )
    except (InvalidTag, ValueError) as err:
        raise SignatureError("resource does not decrypt") from err
