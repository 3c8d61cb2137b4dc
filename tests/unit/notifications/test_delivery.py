"""Delivering a notification against an in-memory inbox (no AWS): recorded once, sent once per
channel, a failed channel released for the retry and the others not sent again."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.notifications.delivery import deliver
from chalicelib.notifications.domain import Notification
from chalicelib.notifications.publisher import message_body
from tests.fakes.notifications import FakeInbox


def test_a_redelivered_message_is_recorded_and_sent_once() -> None:
    inbox, sent = FakeInbox(), list[dict[str, Any]]()
    message = message_body(Notification("n-1", "u1", "queue_called", "到你了", "请到柜台", channels=("sms",)))
    for _ in range(3):
        deliver(message, repo=inbox, sender_of={"sms": sent.append}.get, now_iso="2026-11-23T04:00:00Z")
    assert [e.id for e in inbox.inbox("u1", 10)] == ["n-1"]
    assert [m["id"] for m in sent] == ["n-1"]


def test_a_failing_channel_is_retried_alone() -> None:
    inbox, sent = FakeInbox(), list[str]()
    failures = [RuntimeError("sms gateway down")]

    def flaky(message: dict[str, Any]) -> None:
        if failures:
            raise failures.pop()
        sent.append("sms")

    senders = {"email": lambda m: sent.append("email"), "sms": flaky}
    message = message_body(Notification("n-2", "u1", "reminder", "提醒", "明天见", channels=("email", "sms", "fax")))
    with pytest.raises(RuntimeError):
        deliver(message, repo=inbox, sender_of=senders.get, now_iso="t")
    assert ("n-2", "sms") not in inbox.claims  # released for the retry
    deliver(message, repo=inbox, sender_of=senders.get, now_iso="t")  # the queue's retry
    assert sent == ["email", "sms"]  # email once; an unknown channel ("fax") is skipped
