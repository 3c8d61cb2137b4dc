"""Pure assistance rules: the forward-only life cycle, natural ids, who may see and do what, limits."""

from __future__ import annotations

from datetime import datetime, timedelta

from chalicelib.assistance.domain import PREVIOUS, Request, Status
from chalicelib.core.auth import Principal, Role
from chalicelib.core.errors import Conflict, DomainError, Forbidden, ValidationError
from chalicelib.core.ratelimit import RateLimit
from chalicelib.identity.domain import StoreStaff
from chalicelib.stores.domain import is_open

# Each request notifies the store's staff on shift: a customer may raise a few, not a flood.
REQUEST_LIMIT = RateLimit("assistance-request", 5, timedelta(minutes=10))
# Each message is a stored record (and, from staff, a notice to the customer): per sender.
MESSAGE_LIMIT = RateLimit("staff-message", 60, timedelta(minutes=10))


def parse_status(value: str | None, field: str = "status") -> Status:
    try:
        return Status(value or "")
    except ValueError:
        allowed = ", ".join(s.value for s in Status)
        raise ValidationError(f"'{field}' must be one of {allowed}.", field=field) from None


def sources_of(target: Status) -> frozenset[Status]:
    sources = PREVIOUS[target]
    if not sources:
        raise ValidationError("A request cannot move back to pending.", code="INVALID_TRANSITION", field="status")
    return sources


def staff_display_name(user_id: str) -> str:
    """For staff the merchant has not named yet: a short, stable label customers can still tell apart."""
    return f"店员 {user_id[-4:].upper()}"


def ensure_can_view(request: Request, principal: Principal, staff_of_store: bool) -> None:
    if principal.user_id != request.user_id and not staff_of_store:
        raise Forbidden("Only the requester or the store's staff can see this request.")


def conversation_owner(principal: Principal, customer_id: str | None, staff_of_store: bool) -> str:
    """Whose conversation a message belongs to: the caller's own, or, for the store's staff, the
    customer they name. Anyone else naming another user gets 403."""
    if customer_id is None or customer_id == principal.user_id:
        return principal.user_id
    if not staff_of_store:
        raise Forbidden("Only the store's staff can talk in another user's conversation.")
    return customer_id


def may_override_assignee(principal: Principal) -> bool:
    """The merchant's admin can finish a request someone else took (staff go off shift)."""
    return principal.role is Role.ADMIN


def refused_move(current: Request, principal: Principal, target: Status) -> DomainError | None:
    """Why a conditional move to `target` was refused, from the request as it stands (returned by the
    refused write itself); None when it already is where the caller wanted it (a repeat)."""
    mine = current.staff_id == principal.user_id
    if current.status is target and mine:
        return None
    if target is Status.ASSIGNED and not mine:
        return Conflict("Another staff member already took this request.", code="ALREADY_ASSIGNED")
    if current.status in PREVIOUS[target] and not mine:
        return Forbidden("Only the staff member who took this request can move it on.")
    return Conflict(
        f"A request that is {current.status.value} cannot become {target.value}.", code="INVALID_TRANSITION"
    )


def refused_feedback(current: Request, user_id: str) -> DomainError:
    """Why feedback was refused, from the request as it stands."""
    if current.user_id != user_id:
        return Forbidden("Only the customer who asked for help can rate it.")
    if current.status is not Status.COMPLETED:
        return Conflict("Feedback opens once the request is completed.", code="NOT_COMPLETED")
    return Conflict("Feedback was already given for this request.", code="FEEDBACK_ALREADY_GIVEN")


def staff_to_notify(staff: list[StoreStaff], timezone: str, now: datetime) -> list[str]:
    """Staff whose rota covers `now` (store timezone), plus those with no rota set; if that leaves
    nobody (after hours, everyone off), all the store's staff, so a request is never seen by no one."""
    on_shift = [m.user_id for m in staff if m.shifts is None or is_open(m.shifts, timezone, now)]
    return on_shift or [m.user_id for m in staff]
