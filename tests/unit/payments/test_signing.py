"""WeChat Pay v3 signatures and callback crypto, with real RSA-2048 keys and real AES-256-GCM.

Each layout is checked independently with `cryptography` over the documented string, so a wrong
line order or a missing trailing newline fails here, not at WeChat."""

from __future__ import annotations

import base64
import time

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from chalicelib.payments import signing
from devstack.wechat_sandbox import pay_crypto
from devstack.wechat_sandbox.pay import rsa_keypair as _keypair


@pytest.fixture(scope="module")
def merchant() -> tuple[str, str]:
    return _keypair()


@pytest.fixture(scope="module")
def platform() -> tuple[str, str]:
    return _keypair()


def _independently_verified(public_pem: str, message: bytes, signature_b64: str) -> bool:
    key = load_pem_public_key(public_pem.encode())
    assert isinstance(key, rsa.RSAPublicKey)
    try:
        key.verify(base64.b64decode(signature_b64), message, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True


def test_authorization_header_signs_the_five_line_request(merchant) -> None:
    private, public = merchant
    body = b'{"mchid":"1900000109","amount":{"total":1}}'
    header = signing.authorization_header("1900000109", "SERIAL1", private, "POST", "/v3/pay/x?a=1", body, 1700000000)
    fields = pay_crypto.parse_authorization(header)
    assert header.startswith("WECHATPAY2-SHA256-RSA2048 ")
    assert fields["mchid"] == "1900000109" and fields["serial_no"] == "SERIAL1" and fields["timestamp"] == "1700000000"
    assert len(fields["nonce_str"]) == 32
    expected = f"POST\n/v3/pay/x?a=1\n1700000000\n{fields['nonce_str']}\n".encode() + body + b"\n"
    assert _independently_verified(public, expected, fields["signature"])
    assert not _independently_verified(public, expected.replace(b'"total":1', b'"total":2'), fields["signature"])


def test_get_request_signs_an_empty_body_line(merchant) -> None:
    private, public = merchant
    header = signing.authorization_header("m", "s", private, "GET", "/v3/q?mchid=m", b"", 1)
    fields = pay_crypto.parse_authorization(header)
    assert _independently_verified(
        public, f"GET\n/v3/q?mchid=m\n1\n{fields['nonce_str']}\n\n".encode(), fields["signature"]
    )


def test_parse_authorization_rejects_other_schemes() -> None:
    assert pay_crypto.parse_authorization('Bearer mchid="1"') == {}
    assert pay_crypto.parse_authorization("") == {}


def test_pay_sign_is_the_four_line_string_signed_by_the_merchant(merchant) -> None:
    private, public = merchant
    sign = signing.pay_sign(private, "wx8888888888888888", "1414561699", "5K8264ILTKCH16CQ", "prepay_id=wx2014")
    message = b"wx8888888888888888\n1414561699\n5K8264ILTKCH16CQ\nprepay_id=wx2014\n"
    assert _independently_verified(public, message, sign)
    assert not _independently_verified(public, message.replace(b"wx8888888888888888", b"wx9999999999999999"), sign)


def _headers(platform: tuple[str, str], body: bytes, timestamp: int, serial: str = "PUB_KEY_ID_1") -> dict[str, str]:
    return pay_crypto.sign_response(platform[0], serial, body, timestamp)


def test_verify_accepts_a_fresh_correct_signature(platform) -> None:
    body = b'{"prepay_id":"wx1"}'
    now = time.time()
    signing.verify_wechatpay_headers(_headers(platform, body, int(now)), body, {"PUB_KEY_ID_1": platform[1]}, now)


def test_verify_empty_body_of_a_204(platform) -> None:
    now = time.time()
    headers = _headers(platform, b"", int(now))
    message = f"{headers['Wechatpay-Timestamp']}\n{headers['Wechatpay-Nonce']}\n\n".encode()
    assert _independently_verified(platform[1], message, headers["Wechatpay-Signature"])
    signing.verify_wechatpay_headers(headers, b"", {"PUB_KEY_ID_1": platform[1]}, now)


@pytest.mark.parametrize("offset", [-301, 301, -3600])
def test_verify_rejects_timestamps_outside_five_minutes(platform, offset: int) -> None:
    body = b"{}"
    now = time.time()
    headers = _headers(platform, body, int(now) + offset)
    with pytest.raises(signing.SignatureError, match="5-minute"):
        signing.verify_wechatpay_headers(headers, body, {"PUB_KEY_ID_1": platform[1]}, now)


def test_verify_rejects_tampering_wrong_key_serial_and_missing_headers(platform, merchant) -> None:
    body = b'{"a":1}'
    now = time.time()
    headers = _headers(platform, body, int(now))
    with pytest.raises(signing.SignatureError, match="does not verify"):
        signing.verify_wechatpay_headers(headers, b'{"a":2}', {"PUB_KEY_ID_1": platform[1]}, now)
    forged = pay_crypto.sign_response(merchant[0], "PUB_KEY_ID_1", body, int(now))  # signed with the wrong key
    with pytest.raises(signing.SignatureError, match="does not verify"):
        signing.verify_wechatpay_headers(forged, body, {"PUB_KEY_ID_1": platform[1]}, now)
    with pytest.raises(signing.SignatureError, match="Serial"):
        signing.verify_wechatpay_headers(headers, body, {"PUB_KEY_ID_2": platform[1]}, now)
    for name in ("Wechatpay-Signature", "Wechatpay-Nonce", "Wechatpay-Timestamp", "Wechatpay-Serial"):
        partial = {k: v for k, v in headers.items() if k != name}
        with pytest.raises(signing.SignatureError, match="missing"):
            signing.verify_wechatpay_headers(partial, body, {"PUB_KEY_ID_1": platform[1]}, now)
    garbage = dict(headers, **{"Wechatpay-Signature": "not base64!"})
    with pytest.raises(signing.SignatureError):
        signing.verify_wechatpay_headers(garbage, body, {"PUB_KEY_ID_1": platform[1]}, now)


def test_verify_picks_the_key_by_serial_so_a_rotation_keeps_working(platform) -> None:
    """During a WeChat Pay key rotation callbacks come signed by either key, each naming its serial."""
    body = b'{"a":1}'
    now = time.time()
    rotated = _keypair()
    keys = {"PUB_KEY_ID_1": platform[1], "PUB_KEY_ID_2": rotated[1]}
    signing.verify_wechatpay_headers(_headers(platform, body, int(now)), body, keys, now)
    signing.verify_wechatpay_headers(_headers(rotated, body, int(now), serial="PUB_KEY_ID_2"), body, keys, now)
    # The new key claiming the old serial is checked against the old key, and fails.
    with pytest.raises(signing.SignatureError, match="does not verify"):
        signing.verify_wechatpay_headers(_headers(rotated, body, int(now)), body, keys, now)
    with pytest.raises(signing.SignatureError, match="Serial"):
        signing.verify_wechatpay_headers(_headers(rotated, body, int(now), serial="PUB_KEY_ID_3"), body, keys, now)


def test_aes_gcm_round_trip_and_tamper_detection() -> None:
    key = "0123456789abcdef0123456789abcdef"
    sealed = pay_crypto.aes_gcm_encrypt(key, "nonce1234567", "transaction", b'{"trade_state":"SUCCESS"}')
    assert signing.aes_gcm_decrypt(key, "nonce1234567", "transaction", sealed) == b'{"trade_state":"SUCCESS"}'
    raw = bytearray(base64.b64decode(sealed))
    raw[0] ^= 1
    with pytest.raises(signing.SignatureError):
        signing.aes_gcm_decrypt(key, "nonce1234567", "transaction", base64.b64encode(bytes(raw)).decode())
    with pytest.raises(signing.SignatureError):
        signing.aes_gcm_decrypt(key, "nonce1234567", "certificate", sealed)
    with pytest.raises(signing.SignatureError):
        signing.aes_gcm_decrypt("f" * 32, "nonce1234567", "transaction", sealed)
