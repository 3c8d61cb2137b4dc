"""Secrets come from Secrets Manager at run time, cached, and never through the environment."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.core import aws as aws_clients
from chalicelib.core import runtime_secrets
from chalicelib.core.resources import WECHAT_APP_SECRET, WECHATPAY_SECRET


@pytest.fixture
def get_secret_calls(aws: Any) -> Iterator[list[str]]:
    """SecretIds of the GetSecretValue calls the app's client makes during the test."""
    calls: list[str] = []
    event = "before-parameter-build.secrets-manager.GetSecretValue"

    def record(params: dict[str, Any], **_: Any) -> None:
        calls.append(params["SecretId"])

    events = aws_clients.client("secretsmanager").meta.events
    events.register(event, record)
    yield calls
    events.unregister(event, record)


def test_secrets_are_read_from_secrets_manager_and_no_environment_variable_holds_them(aws: Any, sandbox: Any) -> None:
    assert runtime_secrets.wechat_app_secret() == sandbox.app_secret
    keys = runtime_secrets.wechatpay_keys()
    assert keys.private_key_pem == sandbox.pay.merchant_private_key
    assert keys.apiv3_key == sandbox.pay.apiv3_key
    assert keys.platform_public_key_pem == sandbox.pay.platform_public_key
    values = (sandbox.app_secret, keys.private_key_pem, keys.apiv3_key, keys.platform_public_key_pem)
    leaked = [name for name, value in os.environ.items() if any(secret in value for secret in values)]
    assert leaked == []
    assert os.environ[WECHAT_APP_SECRET.env_name].startswith("arn:aws:secretsmanager:")


def test_a_secret_is_fetched_once_per_max_age_window(get_secret_calls: list[str]) -> None:
    calls = get_secret_calls
    for _ in range(3):
        runtime_secrets.wechat_app_secret()
        runtime_secrets.wechatpay_keys()
    assert sorted(calls) == sorted([os.environ[WECHAT_APP_SECRET.env_name], os.environ[WECHATPAY_SECRET.env_name]])


def test_a_secret_missing_a_field_names_the_field_and_not_the_value(aws: Any) -> None:
    aws_clients.client("secretsmanager").put_secret_value(
        SecretId=os.environ[WECHATPAY_SECRET.env_name],
        SecretString=json.dumps({"privateKey": "pem-value", "apiV3Key": ""}),
    )
    with pytest.raises(RuntimeError) as err:
        runtime_secrets.wechatpay_keys()
    assert "apiV3Key" in str(err.value) and "platformPublicKey" in str(err.value)
    assert "pem-value" not in str(err.value)
