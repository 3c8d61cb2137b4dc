"""The inbox's response body."""

from __future__ import annotations

from typing import Any

from chalicelib.notifications.domain import InboxEntry


def inbox_entry_view(entry: InboxEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "kind": entry.kind,
        "title": entry.title,
        "body": entry.body,
        "data": entry.data,
        "createdAt": entry.created_at,
    }
