"""GET /api/notifications: the caller's inbox, newest first."""

from __future__ import annotations

from chalicelib.core.http import ApiBlueprint, current_principal, json_response, query
from chalicelib.notifications import models

bp = ApiBlueprint(__name__)


@bp.route("/api/notifications", methods=["GET"])
def my_notifications() -> object:
    principal = current_principal(bp.request)
    limit = query(bp.request).integer("limit", default=20, minimum=1, maximum=100)
    assert limit is not None
    entries = models.inbox(principal.user_id, limit)
    return json_response(
        {
            "notifications": [
                {
                    "id": e.id,
                    "kind": e.kind,
                    "title": e.title,
                    "body": e.body,
                    "data": e.data,
                    "createdAt": e.created_at,
                }
                for e in entries
            ]
        }
    )
