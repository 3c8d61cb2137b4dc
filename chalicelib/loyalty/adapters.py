"""Loyalty's real ports: DynamoDB, the points queue, the identity and stores areas."""

from __future__ import annotations

import json
from dataclasses import asdict
from functools import cache

from chalicelib.core import aws
from chalicelib.core.config import queue_url
from chalicelib.core.ids import new_id
from chalicelib.identity.api import user_exists
from chalicelib.loyalty.area import POINTS_QUEUE
from chalicelib.loyalty.domain import Accrual
from chalicelib.loyalty.models import LoyaltyTable
from chalicelib.loyalty.ports import LoyaltyPorts
from chalicelib.merchants.api import merchant_exists
from chalicelib.stores.api import require_store


def enqueue_accrual(accrual: Accrual) -> None:
    """One SendMessage onto the points queue; its consumer credits the accrual once."""
    aws.client("sqs").send_message(
        QueueUrl=queue_url(POINTS_QUEUE.suffix), MessageBody=json.dumps(asdict(accrual), ensure_ascii=False)
    )


@cache
def live_ports() -> LoyaltyPorts:
    return LoyaltyPorts(
        repo=LoyaltyTable(),
        user_exists=user_exists,
        merchant_exists=merchant_exists,
        require_store=require_store,
        enqueue=enqueue_accrual,
        new_id=new_id,
    )
