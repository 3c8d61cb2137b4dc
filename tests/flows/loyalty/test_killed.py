"""The points consumer killed between its two writes (a first accrual enrols the member, then credits
it): the message was not deleted, so SQS redelivers it and the redelivery credits the points, once."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import pytest

from chalicelib.core.clock import clock
from chalicelib.loyalty import consumer, models, rules
from chalicelib.loyalty.domain import Accrual

MERCHANT = "m-killed"
TABLE = models.LoyaltyTable()


class Killed(BaseException):
    """The function stops here: no handler of ours runs, the message stays on the queue."""


def test_an_accrual_killed_between_enrolling_and_crediting_is_credited_once_by_the_redelivery(
    aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    accrual = Accrual(
        transaction_id="t-killed-1",
        user_id="u-new-member",
        merchant_id=MERCHANT,
        store_id="s1",
        points=25,
        amount=25_000,
        transaction_type="purchase",
        month=rules.month_key(clock().now(), "Asia/Shanghai"),
        occurred_at="2026-11-23T08:00:00Z",
    )
    message = {"kind": "earn", **asdict(accrual)}
    real_enroll = consumer._table.enroll

    def enroll_then_die(member: Any) -> Any:
        real_enroll(member)
        raise Killed

    monkeypatch.setattr(consumer._table, "enroll", enroll_then_die)
    with pytest.raises(Killed):
        consumer.handle(message)
    monkeypatch.undo()
    enrolled = TABLE.get_member("u-new-member", MERCHANT)
    assert enrolled is not None and enrolled.points == 0  # enrolled, not yet credited

    consumer.handle(message)  # SQS redelivers the message the dead function never deleted
    consumer.handle(message)  # and maybe once more: the ledger entry's condition stops it
    member = TABLE.get_member("u-new-member", MERCHANT)
    assert member is not None and (member.points, member.lifetime_points) == (25, 25)
    assert member.card_number == enrolled.card_number  # the same membership, not a second one
