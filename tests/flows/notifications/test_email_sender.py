"""The SES sender is a stage setting (SES_SENDER), not a constant of the code."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from chalicelib.core.config import settings


@pytest.fixture
def sender(aws: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    address = "bookings@shop.example.cn"
    monkeypatch.setenv("SES_SENDER", address)
    settings.cache_clear()
    boto3.client("ses").verify_email_identity(EmailAddress=address)
    yield address
    monkeypatch.undo()
    settings.cache_clear()


def test_email_goes_out_from_the_stage_sender(sender: str, local_aws: Any) -> None:
    from chalicelib.notifications import channels

    channels.send_email({"title": "预约成功", "body": "已确认", "data": {"email": "me@example.com"}})
    (mail,) = [m for m in local_aws.sent_emails() if m["destinations"]["ToAddresses"] == ["me@example.com"]]
    assert mail["source"] == sender


def test_a_stage_without_a_sender_refuses_to_guess(aws: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.notifications import channels

    monkeypatch.setenv("SES_SENDER", "")
    settings.cache_clear()
    try:
        with pytest.raises(RuntimeError, match="SES_SENDER"):
            channels.send_email({"title": "t", "body": "b", "data": {"email": "me@example.com"}})
    finally:
        monkeypatch.undo()
        settings.cache_clear()


def test_the_local_stack_verifies_its_sender(aws: Any) -> None:
    identities = boto3.client("ses").list_identities(IdentityType="EmailAddress")["Identities"]
    assert settings().ses_sender in identities
