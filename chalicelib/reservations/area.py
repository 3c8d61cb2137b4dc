"""How reservations plugs into the deployment (see core/areas.py). Cheap to import: constants only."""

from __future__ import annotations

from chalicelib.core.areas import Area, ExportKind, TimerKind
from chalicelib.core.counters import CounterFeed
from chalicelib.core.streams import StreamSubscription

RESERVATION_EXPIRY = TimerKind("reservation_expiry")
# Entity type of the item whose TTL deletion is the backstop for a lost expiry timer.
EXPIRY_SENTINEL = "ReservationExpirySentinel"

AREA = Area(
    name="reservations",
    routes="chalicelib.reservations.routes",
    timers={RESERVATION_EXPIRY: "chalicelib.reservations.timers:on_expiry"},
    streams=(StreamSubscription(EXPIRY_SENTINEL, "chalicelib.reservations.backstop:handle", ttl_removals_only=True),),
    exports=(
        ExportKind(
            "reservations",
            "chalicelib.reservations.api:export_rows",
            (
                "createdAt",
                "reservationId",
                "storeId",
                "productId",
                "productName",
                "userId",
                "quantity",
                "status",
                "expiresAt",
                "updatedAt",
            ),
        ),
    ),
    feeds=(CounterFeed("Reservation", "chalicelib.reservations.domain:reservation_counters"),),
)
