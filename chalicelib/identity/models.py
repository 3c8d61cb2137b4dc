"""Identity items and their data access (the only module that touches them).

- WeChat identity `OPENID#<openid>` / `IDENTITY`: the user it belongs to (its existence makes openids unique)
- user `USER#<userId>` / `PROFILE`: openid, role, merchant and stores
- session `SESSION#<sha256(token)>` / `SESSION`: the principal until `expires_at`
- store staff member `STORE#<storeId>` / `STAFF#<userId>`: rota and display name
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable
from datetime import datetime
from typing import Any

from pynamodb.attributes import JSONAttribute, ListAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError, UpdateError
from pynamodb.expressions.update import Action

from chalicelib.core.auth import Principal, Role
from chalicelib.core.clock import from_iso, to_iso
from chalicelib.data.conditional import update_or_current
from chalicelib.data.table import (
    ExpiringModel,
    TableModel,
    Transaction,
    condition_failed,
    failed_conditions,
    key,
    transact,
)
from chalicelib.identity.domain import Session, StoreStaff, User


class IdentityItem(TableModel):
    """OPENID#<openid> -> the user it belongs to; the item's existence makes openids unique."""

    user_id = UnicodeAttribute()
    session_key = UnicodeAttribute(null=True)  # WeChat's; never leaves the server
    updated_at = UnicodeAttribute()


class UserItem(TableModel):
    openid = UnicodeAttribute()
    role = UnicodeAttribute()
    merchant_id = UnicodeAttribute(null=True)
    store_ids = ListAttribute(of=UnicodeAttribute, default=list)
    created_at = UnicodeAttribute()


class SessionItem(ExpiringModel):
    user_id = UnicodeAttribute()
    role = UnicodeAttribute()
    merchant_id = UnicodeAttribute(null=True)
    store_ids = ListAttribute(of=UnicodeAttribute, default=list)
    openid = UnicodeAttribute(null=True)  # the payer of the session's payments (WeChat Pay addresses it)
    expires_at = UnicodeAttribute()


class StoreStaffItem(TableModel):
    """STORE#<storeId> / STAFF#<userId>: who works at a store, and when (one Query lists them)."""

    merchant_id = UnicodeAttribute(null=True)  # the staff user's (and the store's) merchant
    user_id = UnicodeAttribute()
    # Weekly rota in the opening-hours format ({"mon": [["09:00", "17:00"]], ...}); None: no rota set.
    shifts = JSONAttribute(null=True)
    # What customers see (e.g. "小王"): WeChat gives us no names, so the merchant sets it.
    display_name = UnicodeAttribute(null=True)


STORE_STAFF_PREFIX = "STAFF#"


def store_staff(store_id: str) -> list[StoreStaff]:
    items = StoreStaffItem.query(key("STORE", store_id), StoreStaffItem.sk.startswith(STORE_STAFF_PREFIX))
    return [StoreStaff(str(item.user_id), item.shifts, item.display_name) for item in items]


def get_store_staff(store_id: str, user_id: str) -> StoreStaff | None:
    try:
        item = StoreStaffItem.get(key("STORE", store_id), STORE_STAFF_PREFIX + user_id)
    except DoesNotExist:
        return None
    return StoreStaff(str(item.user_id), item.shifts, item.display_name)


def staff_of_store(store_id: str) -> list[str]:
    return [member.user_id for member in store_staff(store_id)]


def update_store_staff(store_id: str, user_id: str, changes: dict[str, Any]) -> StoreStaff | None:
    """Sets (or, given None, removes) `shifts` and/or `display_name`; None when the user is not staff
    of that store (the item must already exist)."""
    item = StoreStaffItem(key("STORE", store_id), STORE_STAFF_PREFIX + user_id)
    attributes = {"shifts": StoreStaffItem.shifts, "display_name": StoreStaffItem.display_name}
    actions: list[Action] = [
        attributes[name].set(value) if value is not None else attributes[name].remove()
        for name, value in changes.items()
    ]
    try:
        item.update(actions=actions, condition=StoreStaffItem.pk.exists())
    except UpdateError as err:
        if condition_failed(err):
            return None
        raise
    return StoreStaff(str(item.user_id), item.shifts, item.display_name)


def openid_of(user_id: str) -> str | None:
    """The WeChat openid a user logged in with (WeChat Pay and subscribe messages address it)."""
    try:
        return str(UserItem.get(*user_key(user_id)).openid)
    except DoesNotExist:
        return None


def user_exists(user_id: str) -> bool:
    """One GetItem of the user's key only (consistent: a user created a moment ago exists)."""
    try:
        UserItem.get(*user_key(user_id), consistent_read=True, attributes_to_get=["pk"])
    except DoesNotExist:
        return False
    return True


def identity_key(openid: str) -> tuple[str, str]:
    return key("OPENID", openid), "IDENTITY"


def user_key(user_id: str) -> tuple[str, str]:
    return key("USER", user_id), "PROFILE"


def session_key_of(token: str) -> tuple[str, str]:
    """Sessions are stored under a hash of the token, so a table dump yields no usable tokens."""
    return key("SESSION", hashlib.sha256(token.encode()).hexdigest()), "SESSION"


def _to_user(item: UserItem) -> User:
    return User(
        user_id=item.pk.split("#", 1)[1],
        openid=item.openid,
        role=Role(item.role),
        created_at=item.created_at,
        merchant_id=item.merchant_id,
        store_ids=frozenset(str(s) for s in item.store_ids or []),
    )


def _to_session(item: SessionItem) -> Session:
    principal = Principal(
        user_id=item.user_id,
        role=Role(item.role),
        merchant_id=item.merchant_id,
        store_ids=frozenset(str(s) for s in item.store_ids or []),
        openid=item.openid,
    )
    return Session(principal=principal, expires_at=from_iso(item.expires_at))


def _save_new_user(tx: Transaction, identity: IdentityItem, user: UserItem, label: Hashable = None) -> None:
    """The identity (its openid unique) and the user, each only if new."""
    tx.save(identity, condition=IdentityItem.pk.does_not_exist(), label=label)
    tx.save(user, condition=UserItem.pk.does_not_exist(), label=label)


def add_merchant_admin(tx: Transaction, user_id: str, openid: str, merchant_id: str, now: datetime) -> None:
    """Transaction piece (merchant onboarding): the merchant's admin, a new user of this WeChat openid,
    labelled ("identity", openid). It fails when the openid already belongs to a user."""
    ipk, isk = identity_key(openid)
    upk, usk = user_key(user_id)
    identity = IdentityItem(ipk, isk, user_id=user_id, updated_at=to_iso(now))
    user = UserItem(upk, usk, openid=openid, role=Role.ADMIN.value, merchant_id=merchant_id, created_at=to_iso(now))
    _save_new_user(tx, identity, user, label=("identity", openid))


class IdentityStore:
    """DynamoDB access for identities, users and sessions (the `ports.IdentityRepository` adapter)."""

    def find_user_by_openid(self, openid: str, session_key: str, now: datetime) -> User | None:
        """One UpdateItem records the new session_key and answers whose openid it is; one GetItem of
        that user."""
        pk, sk = identity_key(openid)
        found, identity = update_or_current(
            IdentityItem,
            pk,
            sk,
            [IdentityItem.session_key.set(session_key), IdentityItem.updated_at.set(to_iso(now))],
            IdentityItem.pk.exists(),
        )
        if not found or identity is None:
            return None
        upk, usk = user_key(identity.user_id)
        return _to_user(UserItem.get(upk, usk, consistent_read=True))

    def create_user(
        self,
        user_id: str,
        openid: str,
        session_key: str,
        now: datetime,
        role: Role = Role.CUSTOMER,
        merchant_id: str | None = None,
        store_ids: list[str] | None = None,
    ) -> User | None:
        """Creates identity + user atomically; None when another request created this openid first."""
        ipk, isk = identity_key(openid)
        upk, usk = user_key(user_id)
        identity = IdentityItem(ipk, isk, user_id=user_id, session_key=session_key, updated_at=to_iso(now))
        user = UserItem(
            upk,
            usk,
            openid=openid,
            role=role.value,
            merchant_id=merchant_id,
            store_ids=list(store_ids or []),
            created_at=to_iso(now),
        )
        try:

            def build(tx: Transaction) -> None:
                _save_new_user(tx, identity, user)
                for store_id in store_ids or [] if role is Role.STAFF else []:
                    staff = StoreStaffItem(
                        key("STORE", store_id), STORE_STAFF_PREFIX + user_id, merchant_id=merchant_id, user_id=user_id
                    )
                    tx.save(staff)

            transact(build)
        except TransactWriteError as err:
            if any(failed_conditions(err)):
                return None
            raise
        return _to_user(user)

    def put_session(self, token: str, principal: Principal, expires_at: datetime) -> None:
        pk, sk = session_key_of(token)
        item = SessionItem(
            pk,
            sk,
            user_id=principal.user_id,
            role=principal.role.value,
            merchant_id=principal.merchant_id,
            store_ids=sorted(principal.store_ids),
            openid=principal.openid,
            expires_at=to_iso(expires_at),
            ttl=int(expires_at.timestamp()),
        )
        try:
            item.save(condition=SessionItem.pk.does_not_exist())
        except PutError as err:  # a 256-bit token collision is not a thing; fail loudly if it happens
            raise RuntimeError("session token collision") from err

    def get_session(self, token: str) -> Session | None:
        pk, sk = session_key_of(token)
        try:
            item = SessionItem.get(pk, sk, consistent_read=True)
        except DoesNotExist:
            return None
        return _to_session(item)
