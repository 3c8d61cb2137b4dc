"""Secrets read at run time from Secrets Manager, cached per container.

A function's environment carries only a secret's ARN (`SecretSpec.env_name`); the value never
enters the template, an environment variable or a log. Reads go through Powertools Parameters,
which caches each secret for `MAX_AGE_SECONDS`, so a warm container calls Secrets Manager at most
once per secret per window, and a value ops rotate reaches every container within that window.

Powertools Parameters is imported on first use, not at module import: the API function's cold
start pays for it only on the first request that needs a secret (login, payments).
The local stack and the tests keep these secrets in moto's Secrets Manager (devstack/provision.py),
so this is the only path to a secret everywhere.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from chalicelib.core import aws
from chalicelib.core.config import provisioned
from chalicelib.core.resources import WECHAT_APP_SECRET, WECHATPAY_SECRET, SecretSpec

MAX_AGE_SECONDS = 300

_lock = threading.Lock()
_provider: dict[str, Any] = {}


@dataclass(frozen=True)
class WeChatPayKeys:
    private_key_pem: str
    apiv3_key: str
    platform_public_key_pem: str


def wechat_app_secret() -> str:
    return secret_fields(WECHAT_APP_SECRET)["appSecret"]


def wechatpay_keys() -> WeChatPayKeys:
    values = secret_fields(WECHATPAY_SECRET)
    return WeChatPayKeys(
        private_key_pem=values["privateKey"],
        apiv3_key=values["apiV3Key"],
        platform_public_key_pem=values["platformPublicKey"],
    )


def secret_fields(spec: SecretSpec) -> dict[str, str]:
    """The secret's JSON fields; a missing field is a deployment fault, reported by name only."""
    value = _secrets_provider().get(provisioned(spec.env_name), max_age=MAX_AGE_SECONDS, transform="json")
    if not isinstance(value, dict):
        raise RuntimeError(f"secret {spec.suffix} is not a JSON object")
    missing = [name for name in spec.fields if not isinstance(value.get(name), str) or not value[name]]
    if missing:
        raise RuntimeError(f"secret {spec.suffix} lacks {', '.join(missing)}")
    return {name: str(value[name]) for name in spec.fields}


def _secrets_provider() -> Any:
    """One provider per boto3 client, so it shares the project's client settings and follows
    `aws.reset_clients()` (tests that move the endpoint)."""
    client = aws.client("secretsmanager")
    with _lock:
        if _provider.get("client") is not client:
            from aws_lambda_powertools.utilities.parameters import SecretsProvider

            _provider.update(client=client, provider=SecretsProvider(boto3_client=client))
        return _provider["provider"]
