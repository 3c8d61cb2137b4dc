"""Assistance's requests parsed into typed values."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.assistance import rules
from chalicelib.assistance.domain import Status
from chalicelib.core.http import Params

ID_LENGTH = 64
MAX_LIST = 100


@dataclass(frozen=True)
class RaiseRequest:
    store_id: str
    user_id: str | None  # the client sends its own; anyone else's is a 403
    request_type: str
    details: str
    client_timestamp: int | None  # Date.now() of the tap: a retry carries the same one

    @classmethod
    def parse(cls, body: Params) -> RaiseRequest:
        return cls(
            user_id=body.text("userId", max_length=ID_LENGTH),
            store_id=body.require_text("storeId", max_length=ID_LENGTH),
            request_type=body.require_text("requestType", max_length=40),
            details=body.text("details", default="", max_length=500) or "",
            client_timestamp=body.integer("timestamp", minimum=0),
        )


@dataclass(frozen=True)
class StatusChange:
    target: Status

    @classmethod
    def parse(cls, body: Params) -> StatusChange:
        return cls(target=rules.parse_status(body.require_text("status", max_length=20)))


@dataclass(frozen=True)
class Feedback:
    rating: int
    comment: str

    @classmethod
    def parse(cls, body: Params) -> Feedback:
        rating = body.integer("rating", required=True, minimum=1, maximum=5)
        assert rating is not None
        return cls(rating=rating, comment=body.text("comment", default="", max_length=500) or "")


@dataclass(frozen=True)
class StoreRequestsQuery:
    status: Status | None
    limit: int

    @classmethod
    def parse(cls, params: Params) -> StoreRequestsQuery:
        raw_status = params.text("status", max_length=20)
        limit = params.integer("limit", default=50, minimum=1, maximum=MAX_LIST)
        assert limit is not None
        return cls(status=rules.parse_status(raw_status) if raw_status else None, limit=limit)


@dataclass(frozen=True)
class SendMessage:
    store_id: str
    customer_id: str | None  # staff name the customer; customers name themselves or no one
    text: str
    client_timestamp: int | None

    @classmethod
    def parse(cls, body: Params) -> SendMessage:
        return cls(
            store_id=body.require_text("storeId", max_length=ID_LENGTH),
            customer_id=body.text("userId", max_length=ID_LENGTH),
            text=body.require_text("message", max_length=1000),
            client_timestamp=body.integer("timestamp", minimum=0),
        )


@dataclass(frozen=True)
class ConversationQuery:
    store_id: str
    customer_id: str | None
    limit: int

    @classmethod
    def parse(cls, params: Params) -> ConversationQuery:
        store_id = params.require_text("storeId", max_length=ID_LENGTH)
        limit = params.integer("limit", default=50, minimum=1, maximum=MAX_LIST)
        assert limit is not None
        return cls(store_id=store_id, customer_id=params.text("userId", max_length=ID_LENGTH), limit=limit)
