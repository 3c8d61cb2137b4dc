"""What other areas may call of appointments: the download center's rows (export kind in area.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

__all__ = ["export_rows"]


def export_rows(merchant_id: str, start: str, end: str) -> Iterator[dict[str, Any]]:
    """One merchant's bookings made in [start, end) (UTC ISO-8601), oldest first: gsi2, never a scan."""
    from chalicelib.appointments.items import AppointmentItem
    from chalicelib.data.table import key

    listing = key("APPTS", merchant_id)
    for item in AppointmentItem.gsi2.query(listing, AppointmentItem.gsi2sk.between(start, end), page_size=500):
        if item.gsi2sk >= end:
            continue
        customer = dict(item.customer or {})
        yield {
            "createdAt": item.created_at,
            "appointmentId": item.pk.split("#", 1)[1],
            "status": item.status,
            "storeId": item.store_id,
            "serviceName": item.service_name,
            "staffName": item.staff_name,
            "start": item.start,
            "end": item.end,
            "totalAmount": int(item.total_amount),
            "userId": item.user_id,
            "customerName": customer.get("name"),
            "customerPhone": customer.get("phone"),
            "refundStatus": item.refund_status,
        }
