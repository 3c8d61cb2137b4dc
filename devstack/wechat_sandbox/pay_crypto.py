"""WeChat Pay's side of the v3 crypto, which only the sandbox (and tests posing as WeChat) play:
reading a merchant's Authorization header, signing responses and callbacks with the platform key,
and sealing callback resources with the APIv3 key. Production keeps the merchant's side only
(`chalicelib.payments.signing`), built on the same message layouts."""

from __future__ import annotations

import base64

from chalicelib.payments.signing import SCHEMA, nonce, response_message, rsa_sign


def parse_authorization(header: str) -> dict[str, str]:
    """The key="value" pairs of an Authorization header; {} when it is not WECHATPAY2-SHA256-RSA2048."""
    schema, _, rest = header.strip().partition(" ")
    if schema != SCHEMA:
        return {}
    fields: dict[str, str] = {}
    for part in rest.split(","):
        name, sep, value = part.strip().partition("=")
        if sep and len(value) >= 2 and value[0] == value[-1] == '"':
            fields[name] = value[1:-1]
    return fields


def sign_response(private_key_pem: str, serial: str, body: bytes, timestamp: int) -> dict[str, str]:
    """The Wechatpay-* headers for a body, signed with the platform's private key."""
    nonce_str = nonce()
    signature = rsa_sign(private_key_pem, response_message(str(timestamp), nonce_str, body).decode())
    return {
        "Wechatpay-Timestamp": str(timestamp),
        "Wechatpay-Nonce": nonce_str,
        "Wechatpay-Signature": signature,
        "Wechatpay-Serial": serial,
        "Wechatpay-Signature-Type": SCHEMA,
    }


def aes_gcm_encrypt(apiv3_key: str, nonce_str: str, associated_data: str, plaintext: bytes) -> str:
    """AEAD_AES_256_GCM sealing of a callback resource; the tag is appended to the ciphertext."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    sealed = AESGCM(apiv3_key.encode()).encrypt(nonce_str.encode(), plaintext, associated_data.encode())
    return base64.b64encode(sealed).decode()
