"""The inbox's wire models (validation and OpenAPI, core/contract.py)."""

from __future__ import annotations

from typing import Annotated, Any

from msgspec import Meta

from chalicelib.core.contract import Model

MAX_INBOX = 100


class InboxQuery(Model):
    limit: Annotated[int, Meta(ge=1, le=MAX_INBOX)] = 20


class InboxEntryAnswer(Model):
    id: str
    kind: str
    title: str
    body: str
    data: dict[str, Any]
    created_at: str


class InboxAnswer(Model):
    notifications: list[InboxEntryAnswer]
