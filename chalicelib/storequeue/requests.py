"""The queue's requests: wire models (validation and OpenAPI, core/contract.py) and typed values."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from msgspec import Meta

from chalicelib.core.contract import Id, Model, stripped

OwnId = Annotated[str, Meta(max_length=64, description="The caller's own id, if sent (anyone else's is a 403).")]


class JoinBody(Model):
    store_id: Id
    user_id: OwnId | None = None


class MyTicketsParams(Model):
    store_id: Annotated[str, Meta(max_length=64)] | None = None


class TicketAnswer(Model):
    id: str
    store_id: str
    user_id: str
    number: int
    position: int
    estimated_wait_time: Annotated[float, Meta(description="Minutes.")]
    status: Annotated[str, Meta(description="waiting, serving, completed, no_show, left or expired.")]
    business_day: str
    created_at: str
    called_at: str | None
    finished_at: str | None


class QueueAnswer(Model):
    queue_length: int
    average_service_time: float
    now_serving: int | None
    estimated_wait_time: float
    is_open: bool
    last_issued: int | None


class TicketChangedAnswer(Model):
    success: bool
    ticket: TicketAnswer


class MyTicketsAnswer(Model):
    ticket: TicketAnswer | None
    tickets: list[TicketAnswer]


class CalledAnswer(Model):
    success: bool
    ticket: TicketAnswer | None
    queue: QueueAnswer


@dataclass(frozen=True)
class JoinRequest:
    store_id: str
    user_id: str | None  # the client sends its own; anyone else's is a 403

    @classmethod
    def of(cls, body: JoinBody) -> JoinRequest:
        return cls(store_id=body.store_id.strip(), user_id=stripped(body.user_id))


@dataclass(frozen=True)
class MyTicketsQuery:
    store_id: str | None  # narrows to one store; else the newest active ticket anywhere

    @classmethod
    def of(cls, params: MyTicketsParams) -> MyTicketsQuery:
        return cls(store_id=stripped(params.store_id))
