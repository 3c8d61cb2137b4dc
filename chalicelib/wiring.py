"""The composition root: the one place that knows every area.

`app.py` takes the routes and consumers from here, `infra/` and `devstack/` the stack, the timers
consumer the handler of each timer kind and the table stream consumer the handler of each entity
type. Areas never import this module (import-linter keeps it so); they declare themselves in their
own `area.py`, and adding an area is one line below.
"""

from __future__ import annotations

from chalicelib.analytics.area import AREA as ANALYTICS
from chalicelib.analytics.area import FEED_HANDLER
from chalicelib.appointments.area import AREA as APPOINTMENTS
from chalicelib.assistance.area import AREA as ASSISTANCE
from chalicelib.catalog.area import AREA as CATALOG
from chalicelib.core.areas import Area, ExportKind, QueueConsumer, install_export_kinds
from chalicelib.core.auth import Principal, install_authenticator
from chalicelib.core.lazy import resolve
from chalicelib.core.resources import TABLE, TIMERS_QUEUE, WECHAT_APP_SECRET, WECHATPAY_SECRET, StackSpec
from chalicelib.core.streams import StreamSubscription
from chalicelib.core.tenancy import install_default_tenant, install_tenant_guard
from chalicelib.exports.area import AREA as EXPORTS
from chalicelib.identity.area import AREA as IDENTITY
from chalicelib.inventory.area import AREA as INVENTORY
from chalicelib.loyalty.area import AREA as LOYALTY
from chalicelib.merchants.area import AREA as MERCHANTS
from chalicelib.navigation.area import AREA as NAVIGATION
from chalicelib.notifications.area import AREA as NOTIFICATIONS
from chalicelib.payments.area import AREA as PAYMENTS
from chalicelib.reports.area import AREA as REPORTS
from chalicelib.reservations.area import AREA as RESERVATIONS
from chalicelib.storequeue.area import AREA as STOREQUEUE
from chalicelib.stores.area import AREA as STORES

AREAS: tuple[Area, ...] = (
    MERCHANTS,
    IDENTITY,
    STORES,
    INVENTORY,
    CATALOG,
    NOTIFICATIONS,
    APPOINTMENTS,
    PAYMENTS,
    RESERVATIONS,
    LOYALTY,
    STOREQUEUE,
    NAVIGATION,
    ASSISTANCE,
    REPORTS,
    EXPORTS,
    ANALYTICS,
)

# Core's own consumers: they dispatch to the areas' handlers below.
TIMERS_CONSUMER = "timers_consumer"
TABLE_STREAM_CONSUMER = "table_stream_consumer"

QUEUE_CONSUMERS: tuple[QueueConsumer, ...] = tuple(c for area in AREAS for c in area.consumers)

# Timer kind name -> "module:function(key, payload)".
TIMER_HANDLERS: dict[str, str] = {kind.name: path for area in AREAS for kind, path in area.timers.items()}

# Export kind name -> its declaration (which area's function yields the rows).
EXPORT_KINDS: dict[str, ExportKind] = {kind.name: kind for area in AREAS for kind in area.exports}

# Every area's own subscriptions, then analytics' consumer on the entity type of every counter feed.
STREAM_SUBSCRIPTIONS: tuple[StreamSubscription, ...] = (
    *(s for area in AREAS for s in area.streams),
    *(StreamSubscription(f.entity_type, FEED_HANDLER, feed=f.function) for area in AREAS for f in area.feeds),
)

STACK = StackSpec(
    table=TABLE,
    queues=(*(q for area in AREAS for q in area.queues), TIMERS_QUEUE),
    scheduler_group_suffix="schedules",
    state_machines=tuple(m for area in AREAS for m in area.state_machines),
    secrets=(WECHAT_APP_SECRET, WECHATPAY_SECRET, *(s for area in AREAS for s in area.secrets)),
    buckets=tuple(b for area in AREAS for b in area.buckets),
)


def route_modules() -> list[str]:
    return [area.routes for area in AREAS if area.routes]


def _authenticate(authorization: str | None) -> Principal:
    principal: Principal = resolve("chalicelib.identity.api:authenticate")(authorization)
    return principal


def install() -> None:
    """What a running function needs before its first request: the identity port behind core.auth
    (resolved on the first authenticated request, not at import), and merchants' default tenant
    behind core.tenancy, with its suspension check as the tenant guard."""
    install_authenticator(_authenticate)
    install_default_tenant(_default_tenant)
    install_tenant_guard(_tenant_guard)
    install_export_kinds(EXPORT_KINDS)


def _default_tenant() -> str:
    merchant_id: str = resolve("chalicelib.merchants.settings:default_merchant_id")()
    return merchant_id


def _tenant_guard(merchant_id: str) -> None:
    resolve("chalicelib.merchants.api:ensure_merchant_active")(merchant_id)


def _check_unique() -> None:
    names = [area.name for area in AREAS]
    kinds = [kind.name for area in AREAS for kind in area.timers]
    exports = [kind.name for area in AREAS for kind in area.exports]
    for what, values in (("area", names), ("timer kind", kinds), ("export kind", exports)):
        repeated = {v for v in values if values.count(v) > 1}
        if repeated:
            raise RuntimeError(f"{what} declared twice: {sorted(repeated)}")


_check_unique()
