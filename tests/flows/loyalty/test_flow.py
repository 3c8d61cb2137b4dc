"""Loyalty against moto server: the points queue credits once per transaction under duplicates,
redeliveries and partial batch failures; concurrent redemptions never overdraw or oversell."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from typing import Any

import boto3
import pytest

from chalicelib.core.auth import Principal, Role
from chalicelib.core.clock import ManualClock, clock
from chalicelib.core.errors import Conflict
from chalicelib.loyalty import consumer, models, rules, service
from chalicelib.loyalty.adapters import enqueue_accrual, live_ports
from chalicelib.loyalty.area import POINTS_QUEUE
from chalicelib.loyalty.domain import Accrual, LedgerEntry, Member, RewardOffer
from devstack.event_runner import EventRunner, lambda_context
from devstack.stack import REGION

MERCHANT = "m1"
TABLE = models.LoyaltyTable()


@pytest.fixture
def runner(aws: Any) -> EventRunner:
    from app import app

    return EventRunner(app, ManualClock(clock().now()), [aws.scheduler_group], REGION)


def sale(transaction_id: str, user_id: str = "u1", points: int = 10) -> Accrual:
    return Accrual(
        transaction_id=transaction_id,
        user_id=user_id,
        merchant_id=MERCHANT,
        store_id="s1",
        points=points,
        amount=points * 1000,
        transaction_type="purchase",
        month=rules.month_key(clock().now(), "Asia/Shanghai"),
        occurred_at="2026-11-23T08:00:00Z",
    )


def balance(user_id: str = "u1") -> int:
    member = TABLE.get_member(user_id, MERCHANT)
    return member.points if member else 0


def test_duplicate_messages_credit_once(aws, runner) -> None:
    for _ in range(3):
        enqueue_accrual(sale("t-1"))
    enqueue_accrual(sale("t-2", points=5))
    runner.drain_queues()
    assert balance() == 15
    member = TABLE.get_member("u1", MERCHANT)
    assert member is not None and member.lifetime_points == 15
    assert sum(member.earned.values()) == 15
    assert {e.transaction_id for e in TABLE.history("u1", MERCHANT, 10)} == {"t-1", "t-2"}


def test_redelivered_message_credits_nothing_twice(aws, runner) -> None:
    """The consumer ran but the delete never happened: SQS hands the same message out again."""
    from app import app

    enqueue_accrual(sale("t-redeliver", points=7))
    sqs = boto3.client("sqs")
    url = aws.queue_urls[POINTS_QUEUE.suffix]
    message = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, AttributeNames=["All"])["Messages"][0]
    binding = next(b for b in runner.queues if b.name == "points_consumer")
    event = {"Records": [runner._sqs_record(message, binding.arn)]}
    assert app.handler_map["points_consumer"](event, lambda_context("points_consumer")) == {"batchItemFailures": []}
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0)
    assert runner.drain_queues() == 1  # delivered again, and deleted this time
    assert balance() == 7


def test_partial_batch_failure_retries_only_the_bad_record(aws, runner) -> None:
    sqs = boto3.client("sqs")
    url = aws.queue_urls[POINTS_QUEUE.suffix]
    enqueue_accrual(sale("t-good", points=3))
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"kind": "mystery"}))
    sqs.send_message(QueueUrl=url, MessageBody="not json")
    runner.drain_queues()
    assert balance() == 3
    dead = sqs.receive_message(QueueUrl=aws.dlq_urls[POINTS_QUEUE.suffix], MaxNumberOfMessages=10)["Messages"]
    assert sorted(m["Body"] for m in dead) == sorted([json.dumps({"kind": "mystery"}), "not json"])


def test_concurrent_deliveries_of_one_sale_credit_once(aws) -> None:
    message = asdict(sale("t-hot", points=9))
    with ThreadPoolExecutor(max_workers=20) as pool:
        list(pool.map(lambda _: consumer.handle(dict(message)), range(20)))
    assert balance() == 9
    assert len(TABLE.history("u1", MERCHANT, 50)) == 1


def _funded(user_id: str, points: int) -> None:
    TABLE.enroll(Member(user_id, MERCHANT, 0, 0, {}, rules.card_number(MERCHANT, user_id), "2026-01-01T00:00:00Z"))
    entry = LedgerEntry(
        transaction_id=f"fund-{user_id}",
        kind="earn",
        points=points,
        description="fund",
        occurred_at="2026-01-01T00:00:00Z",
        created_at="2026-01-01T00:00:00Z",
    )
    assert TABLE.credit(user_id, MERCHANT, entry, "2026-01")


def _redeem(user_id: str, reward_id: str) -> str:
    try:
        service.redeem(
            live_ports(),
            Principal(user_id=user_id, role=Role.CUSTOMER),
            user_id=user_id,
            reward_id=reward_id,
            merchant_id=MERCHANT,
            request_key=None,
            now=clock().now(),
        )
        return "ok"
    except Conflict as err:
        return err.code


def test_concurrent_redeems_never_overdraw(aws) -> None:
    _funded("rich", 500)
    models.put_reward(MERCHANT, RewardOffer(id="coupon", name="券", points_cost=100, stock=100))
    with ThreadPoolExecutor(max_workers=20) as pool:
        outcomes = list(pool.map(lambda _: _redeem("rich", "coupon"), range(20)))
    assert outcomes.count("ok") == 5
    assert outcomes.count("INSUFFICIENT_POINTS") == 15
    assert balance("rich") == 0
    reward = TABLE.get_reward(MERCHANT, "coupon")
    assert reward is not None and reward.stock == 95


def test_concurrent_redeems_never_oversell_a_reward(aws) -> None:
    for n in range(10):
        _funded(f"fan{n}", 100)
    models.put_reward(MERCHANT, RewardOffer(id="rare", name="限量", points_cost=100, stock=3))
    with ThreadPoolExecutor(max_workers=10) as pool:
        outcomes = list(pool.map(lambda n: _redeem(f"fan{n}", "rare"), range(10)))
    assert outcomes.count("ok") == 3
    assert outcomes.count("REWARD_UNAVAILABLE") == 7
    reward = TABLE.get_reward(MERCHANT, "rare")
    assert reward is not None and reward.stock == 0
    assert sum(balance(f"fan{n}") for n in range(10)) == 7 * 100
