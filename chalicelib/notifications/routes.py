"""GET /api/notifications: the caller's inbox, newest first (its code imported on the first request)."""

from __future__ import annotations

from chalicelib.core.http import ApiBlueprint, current_principal, json_response, query

bp = ApiBlueprint(__name__)
MAX_INBOX = 100


@bp.route("/api/notifications", methods=["GET"])
def my_notifications() -> object:
    from chalicelib.notifications import views
    from chalicelib.notifications.models import InboxTable

    principal = current_principal(bp.request)
    limit = query(bp.request).integer("limit", default=20, minimum=1, maximum=MAX_INBOX)
    assert limit is not None
    entries = InboxTable().inbox(principal.user_id, limit)
    return json_response({"notifications": [views.inbox_entry_view(e) for e in entries]})
