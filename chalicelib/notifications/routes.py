"""GET /api/notifications: the caller's inbox, newest first (its code imported on the first request)."""

from __future__ import annotations

from chalicelib.core.contract import RouteContract
from chalicelib.core.http import ApiBlueprint, current_principal, json_response
from chalicelib.notifications.requests import InboxAnswer, InboxQuery

bp = ApiBlueprint(__name__)


@bp.route(
    "/api/notifications",
    methods=["GET"],
    contract=RouteContract(query=InboxQuery, answers={200: InboxAnswer}, summary="The caller's inbox, newest first"),
)
def my_notifications() -> object:
    from chalicelib.notifications import views
    from chalicelib.notifications.models import InboxTable

    principal = current_principal(bp.request)
    entries = InboxTable().inbox(principal.user_id, bp.query(InboxQuery).limit)
    return json_response({"notifications": [views.inbox_entry_view(e) for e in entries]})
