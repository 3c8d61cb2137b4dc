"""Download center: a merchant's admin asks for an export, follows it, downloads the file.

Only the caller's merchant (from the session) is ever read or written; a job of another merchant is
not found. The area's code is imported by the handlers on first use.
"""

from __future__ import annotations

from chalicelib.core.clock import clock
from chalicelib.core.contract import ADMIN, RouteContract
from chalicelib.core.http import BODY_CONTENT_TYPES, ApiBlueprint, current_principal, json_response
from chalicelib.exports.requests import CreatedAnswer, ExportBody, ImportAnswer, JobAnswer, ListAnswer, ListQuery

bp = ApiBlueprint(__name__)
# What a CSV upload may be labelled (curl sends octet-stream for --data-binary @file).
CSV_CONTENT_TYPES = ("text/csv", "text/plain", "application/octet-stream")


def _merchant() -> str:
    from chalicelib.core.auth import Role
    from chalicelib.core.errors import Forbidden

    principal = current_principal(bp.request)
    if principal.role is not Role.ADMIN or not principal.merchant_id:
        raise Forbidden("Only the merchant's admin may do this.")
    return principal.merchant_id


@bp.route(
    "/api/merchant/exports",
    methods=["POST"],
    contract=RouteContract(
        body=ExportBody,
        answers={202: CreatedAnswer},
        errors=(403,),
        roles=ADMIN,
        summary="Ask for an export (EXPORT_KIND_UNAVAILABLE: a kind no area provides yet); Idempotency-Key honoured",
    ),
)
def create_export() -> object:
    from chalicelib.exports import requests, service
    from chalicelib.exports.adapters import live_ports
    from chalicelib.merchants.api import require_merchant

    merchant_id = _merchant()
    body = bp.body(ExportBody)
    timezone = require_merchant(merchant_id).timezone
    request = requests.parse_export(body, timezone, bp.request.headers.get("idempotency-key"))
    job = service.request_export(live_ports(), merchant_id, request, clock().now())
    return json_response({"job": {"id": job.id, "status": job.status.value}}, status=202)


@bp.route(
    "/api/merchant/exports/{job_id}",
    methods=["GET"],
    contract=RouteContract(
        answers={200: JobAnswer}, errors=(403, 404), roles=ADMIN, summary="An export's progress and download link"
    ),
)
def get_export(job_id: str) -> object:
    from chalicelib.exports import service, views
    from chalicelib.exports.adapters import live_ports

    merchant_id = _merchant()
    ports = live_ports()
    job = service.get_job(ports, merchant_id, job_id)
    return json_response(views.job_view(job, clock().now(), ports.files))


@bp.route(
    "/api/merchant/exports",
    methods=["GET"],
    contract=RouteContract(
        query=ListQuery, answers={200: ListAnswer}, errors=(403,), roles=ADMIN, summary="The merchant's recent exports"
    ),
)
def list_exports() -> object:
    from chalicelib.exports import views
    from chalicelib.exports.adapters import live_ports

    merchant_id = _merchant()
    params = bp.query(ListQuery)
    ports = live_ports()
    jobs = ports.jobs.recent(merchant_id, params.limit, params.cursor)
    now = clock().now()
    cursor = jobs[-1].id if len(jobs) == params.limit else None
    return json_response({"jobs": [views.job_view(j, now, ports.files) for j in jobs], "nextCursor": cursor})


@bp.route(
    "/api/merchant/members/import",
    methods=["POST"],
    # Every body type reaches the view, so the caller is authenticated (401/403) before the type is
    # judged (415 for anything but CSV).
    content_types=sorted({*BODY_CONTENT_TYPES, *CSV_CONTENT_TYPES}),
    contract=RouteContract(
        answers={200: ImportAnswer},
        errors=(400, 403, 415),
        roles=ADMIN,
        summary=(
            "Import members from a CSV body (columns phone,name[,points][,tier]; at most 100 rows): all rows "
            "or none; 400 IMPORT_INVALID lists every row's problems as error.rows[{row, field, code, message}]"
        ),
    ),
)
def import_members() -> object:
    from chalicelib.exports import imports
    from chalicelib.loyalty import api as loyalty

    merchant_id = _merchant()
    media_type = (bp.request.headers.get("content-type") or "").split(";", 1)[0].strip().lower()
    if media_type not in CSV_CONTENT_TYPES:
        from chalicelib.core.errors import UnsupportedMediaType

        raise UnsupportedMediaType(f"Send the members as CSV ({', '.join(CSV_CONTENT_TYPES)}), not {media_type!r}.")
    sent = bp.request.raw_body or b""
    raw = sent.encode() if isinstance(sent, str) else sent
    rows, errors = imports.parse_members(raw, loyalty.tier_names(merchant_id))
    if errors:
        body = {
            "error": {
                "code": "IMPORT_INVALID",
                "message": f"{len(errors)} problem(s) in the file; nothing was imported.",
                "rows": [{"row": e.row, "field": e.field, "code": e.code, "message": e.message} for e in errors],
            }
        }
        return json_response(body, status=400)
    members = [loyalty.ImportedMember(phone=r.phone, name=r.name, points=r.points, tier=r.tier) for r in rows]
    loyalty.import_members(merchant_id, members, clock().now())
    return json_response({"imported": len(members)})
