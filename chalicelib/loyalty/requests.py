"""Loyalty's requests parsed into typed values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chalicelib.core.http import Params
from chalicelib.loyalty import rules
from chalicelib.loyalty.service import Sale
from chalicelib.merchants.api import tenant_id

ID_LENGTH = 64
MAX_AMOUNT_FEN = 100_000_000  # one million yuan: beyond any single till sale
DEFAULT_HISTORY = 20
MAX_HISTORY = 100


def merchant_of(params: Params) -> str:
    """Routes that name no `merchantId` act on the request's tenant: the staff caller's merchant, else
    the mini program's own (core/tenancy.py)."""
    return params.text("merchantId", max_length=ID_LENGTH) or tenant_id()


def parse_sale(body: Params, now: datetime) -> Sale:
    user_id = body.require_text("userId", max_length=ID_LENGTH)
    store_id = body.require_text("storeId", max_length=ID_LENGTH)
    amount = body.integer("amount", required=True, minimum=1, maximum=MAX_AMOUNT_FEN)
    assert amount is not None
    transaction_type = body.text("transactionType", default="purchase", max_length=32) or "purchase"
    raw_timestamp = body.raw("timestamp")
    occurred_at = now if raw_timestamp in (None, "") else rules.parse_timestamp(raw_timestamp)
    return Sale(
        user_id=user_id,
        store_id=store_id,
        amount_fen=amount,
        transaction_type=transaction_type,
        occurred_at=occurred_at,
        receipt_no=body.text("transactionId", max_length=ID_LENGTH) or None,
    )


@dataclass(frozen=True)
class RedeemRequest:
    user_id: str | None  # the client sends its own; anyone else's is a 403
    reward_id: str
    merchant_id: str
    request_key: str | None  # the client's request id (or Idempotency-Key): its retry redeems once

    @classmethod
    def parse(cls, body: Params, idempotency_key: str | None) -> RedeemRequest:
        return cls(
            user_id=body.text("userId", max_length=ID_LENGTH) or None,
            reward_id=body.require_text("rewardId", max_length=ID_LENGTH),
            merchant_id=merchant_of(body),
            request_key=body.text("requestId", max_length=128) or idempotency_key or None,
        )


def history_limit(params: Params) -> int:
    limit = params.integer("limit", default=DEFAULT_HISTORY, minimum=1, maximum=MAX_HISTORY)
    assert limit is not None
    return limit
