"""GET /api/notifications: the caller's inbox, newest first."""

from __future__ import annotations

from chalicelib.core.http import ApiBlueprint, current_principal, json_response, query
from chalicelib.notifications import views
from chalicelib.notifications.models import InboxTable

bp = ApiBlueprint(__name__)
_inbox = InboxTable()
MAX_INBOX = 100


@bp.route("/api/notifications", methods=["GET"])
def my_notifications() -> object:
    principal = current_principal(bp.request)
    limit = query(bp.request).integer("limit", default=20, minimum=1, maximum=MAX_INBOX)
    assert limit is not None
    entries = _inbox.inbox(principal.user_id, limit)
    return json_response({"notifications": [views.inbox_entry_view(e) for e in entries]})
