"""Who is calling, and what they may touch. Identity always comes from the session token."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from chalicelib.core.errors import Forbidden, Unauthorized


class Role(StrEnum):
    CUSTOMER = "customer"
    STAFF = "staff"  # of the stores listed on the user
    MANAGER = "manager"  # store manager: runs the stores listed on the user (staff rights there)
    ADMIN = "admin"  # merchant admin: every store of one merchant
    PLATFORM = "platform"  # platform admin: no merchant; onboards, lists, suspends merchants


# The roles that work for one merchant (their principal names it; its suspension stops them).
MERCHANT_ROLES = frozenset({Role.STAFF, Role.MANAGER, Role.ADMIN})


@dataclass(frozen=True)
class Principal:
    user_id: str
    role: Role
    merchant_id: str | None = None
    store_ids: frozenset[str] = field(default_factory=frozenset)
    # The WeChat openid the session was opened with (the payer of a JSAPI payment), from the session
    # item itself, so paying needs no read of the user.
    openid: str | None = None

    def ensure_self(self, user_id: str | None) -> str:
        """Customer-facing routes act on the caller only; naming anyone else is a 403."""
        if user_id is not None and user_id != self.user_id:
            raise Forbidden("You can only act on your own account.")
        return self.user_id

    @property
    def works_for_merchant(self) -> bool:
        """Staff, store managers and merchant admins: people of one merchant (never a customer or the
        platform admin)."""
        return self.role in MERCHANT_ROLES and self.merchant_id is not None

    def works_for(self, merchant_id: str) -> bool:
        return self.works_for_merchant and self.merchant_id == merchant_id

    def can_staff(self, store_id: str, store_merchant_id: str) -> bool:
        """Staff rights at this store: the merchant's admin anywhere in it, a manager or staff member
        at the stores listed on them, always of the store's own merchant."""
        if not self.works_for(store_merchant_id):
            return False
        return self.role is Role.ADMIN or store_id in self.store_ids

    def ensure_staff_of(self, store_id: str, store_merchant_id: str) -> None:
        if not self.can_staff(store_id, store_merchant_id):
            raise Forbidden("Only staff of this store may do this.")

    def ensure_admin_of(self, merchant_id: str) -> None:
        if self.role is not Role.ADMIN or self.merchant_id != merchant_id:
            raise Forbidden("Only the merchant's admin may do this.")

    def ensure_platform(self) -> None:
        if self.role is not Role.PLATFORM:
            raise Forbidden("Only the platform admin may do this.")


def bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise Unauthorized("Missing Authorization header.", code="MISSING_TOKEN")
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("Authorization must be 'Bearer <token>'.", code="INVALID_TOKEN")
    return token


# The identity area answers "who holds this Authorization header"; core only knows the port, so no area
# imports identity to authenticate. The composition root (chalicelib/wiring.py) installs it.
Authenticator = Callable[[str | None], Principal]
_authenticator: list[Authenticator] = []


def install_authenticator(authenticator: Authenticator) -> None:
    _authenticator[:] = [authenticator]


def authenticate(authorization: str | None) -> Principal:
    if not _authenticator:
        raise RuntimeError("no authenticator installed: build the app through chalicelib.wiring")
    return _authenticator[0](authorization)
