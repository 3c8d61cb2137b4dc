"""Assistance's requests parsed into typed values."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from msgspec import Meta

from chalicelib.assistance import rules
from chalicelib.assistance.domain import Status
from chalicelib.core.contract import NON_BLANK, Id, Model, stripped

ID_LENGTH = 64
MAX_LIST = 100
OptionalId = Annotated[str, Meta(max_length=ID_LENGTH)]
ClientTimestamp = Annotated[int, Meta(ge=0, description="Date.now() of the tap: a retry carries the same one.")]
Limit = Annotated[int, Meta(ge=1, le=MAX_LIST)]


# --- wire models (validation and OpenAPI, core/contract.py) -----------------------------------
class RaiseBody(Model):
    store_id: Id
    request_type: Annotated[str, Meta(pattern=NON_BLANK, max_length=40)]
    details: Annotated[str, Meta(max_length=500)] | None = None
    user_id: OptionalId | None = None
    timestamp: ClientTimestamp | None = None


class StatusBody(Model):
    status: Annotated[str, Meta(pattern=NON_BLANK, max_length=20, description="assigned, approaching or completed.")]


class FeedbackBody(Model):
    rating: Annotated[int, Meta(ge=1, le=5)]
    comment: Annotated[str, Meta(max_length=500)] | None = None


class StoreRequestsParams(Model):
    status: Annotated[str, Meta(max_length=20)] | None = None
    limit: Limit = 50


class MessageBody(Model):
    store_id: Id
    message: Annotated[str, Meta(pattern=NON_BLANK, max_length=1000)]
    user_id: Annotated[OptionalId, Meta(description="Staff name the customer; customers themselves.")] | None = None
    timestamp: ClientTimestamp | None = None


class ConversationParams(Model):
    store_id: Id
    user_id: OptionalId | None = None
    limit: Limit = 50


class RaisedAnswer(Model):
    success: bool
    request_id: str
    status: Status


class FeedbackAnswer(Model):
    rating: int
    comment: str


class RequestAnswer(Model):
    id: str
    request_id: str
    store_id: str
    user_id: str
    request_type: str
    details: str
    status: Status
    staff_id: str | None
    staff_name: str | None
    created_at: str
    updated_at: str
    feedback: FeedbackAnswer | None


class RequestChangedAnswer(Model):
    success: bool
    request: RequestAnswer


class RequestsAnswer(Model):
    requests: list[RequestAnswer]


class StatusAnswer(Model):
    request_id: str
    status: Status
    staff_name: str | None
    updated_at: str
    request_type: str
    created_at: str


class MessageAnswer(Model):
    id: str
    message_id: str
    store_id: str
    user_id: str
    from_: Annotated[str, Meta(description="staff or customer")]
    sender_id: str
    sender_name: str | None
    message: str
    created_at: str


class SentAnswer(Model):
    success: bool
    message_id: str
    message: MessageAnswer


class MessagesAnswer(Model):
    messages: list[MessageAnswer]


# --- typed values the use cases take -----------------------------------------------------------


@dataclass(frozen=True)
class RaiseRequest:
    store_id: str
    user_id: str | None  # the client sends its own; anyone else's is a 403
    request_type: str
    details: str
    client_timestamp: int | None  # Date.now() of the tap: a retry carries the same one

    @classmethod
    def of(cls, body: RaiseBody) -> RaiseRequest:
        return cls(
            user_id=stripped(body.user_id),
            store_id=body.store_id.strip(),
            request_type=body.request_type.strip(),
            details=stripped(body.details) or "",
            client_timestamp=body.timestamp,
        )


@dataclass(frozen=True)
class StatusChange:
    target: Status

    @classmethod
    def of(cls, body: StatusBody) -> StatusChange:
        return cls(target=rules.parse_status(body.status.strip()))


@dataclass(frozen=True)
class Feedback:
    rating: int
    comment: str

    @classmethod
    def of(cls, body: FeedbackBody) -> Feedback:
        return cls(rating=body.rating, comment=stripped(body.comment) or "")


@dataclass(frozen=True)
class StoreRequestsQuery:
    status: Status | None
    limit: int

    @classmethod
    def of(cls, params: StoreRequestsParams) -> StoreRequestsQuery:
        raw_status = stripped(params.status)
        return cls(status=rules.parse_status(raw_status) if raw_status else None, limit=params.limit)


@dataclass(frozen=True)
class SendMessage:
    store_id: str
    customer_id: str | None  # staff name the customer; customers name themselves or no one
    text: str
    client_timestamp: int | None

    @classmethod
    def of(cls, body: MessageBody) -> SendMessage:
        return cls(
            store_id=body.store_id.strip(),
            customer_id=stripped(body.user_id),
            text=body.message.strip(),
            client_timestamp=body.timestamp,
        )


@dataclass(frozen=True)
class ConversationQuery:
    store_id: str
    customer_id: str | None
    limit: int

    @classmethod
    def of(cls, params: ConversationParams) -> ConversationQuery:
        return cls(store_id=params.store_id.strip(), customer_id=stripped(params.user_id), limit=params.limit)
