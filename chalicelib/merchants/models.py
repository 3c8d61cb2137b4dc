"""The merchant item, MERCHANT#<id> / META, and its only data access.

Every merchant is also on gsi1 in one partition, `MERCHANTS` -> `<createdAt>#<merchantId>`: the
platform admin's list pages through it newest first (no Scan)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from chalicelib.core.clock import clock, to_iso
from chalicelib.data.table import TableModel, Transaction, TransactionCancelled, condition_failed, key, transact
from chalicelib.merchants.domain import Merchant, MerchantSettings, MerchantStatus
from chalicelib.merchants.ports import Onboarding, OnboardOutcome

MERCHANTS_GSI = "MERCHANTS"


class Gsi1(GlobalSecondaryIndex[Any]):
    class Meta:
        index_name = "gsi1"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True)
    gsi1sk = UnicodeAttribute(range_key=True)


class MerchantItem(TableModel):
    merchant_id = UnicodeAttribute()
    name = UnicodeAttribute()
    timezone = UnicodeAttribute()
    status = UnicodeAttribute(default=MerchantStatus.ACTIVE.value)
    settings = JSONAttribute(null=True)
    wechatpay_sub_mchid = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute(null=True)
    updated_at = UnicodeAttribute(null=True)
    admin_user_id = UnicodeAttribute(null=True)
    version = NumberAttribute(null=True)
    gsi1pk = UnicodeAttribute(null=True)  # MERCHANTS
    gsi1sk = UnicodeAttribute(null=True)  # <createdAt>#<merchantId>
    gsi1 = Gsi1()


def merchant_key(merchant_id: str) -> tuple[str, str]:
    return key("MERCHANT", merchant_id), "META"


def _to_merchant(item: MerchantItem) -> Merchant:
    return Merchant(
        id=item.merchant_id,
        name=item.name,
        timezone=item.timezone,
        status=MerchantStatus(item.status or MerchantStatus.ACTIVE.value),
        settings=MerchantSettings.from_dict(item.settings),
        wechatpay_sub_mchid=item.wechatpay_sub_mchid,
        created_at=item.created_at,
        admin_user_id=item.admin_user_id,
        version=int(item.version or 0),
    )


def _item(merchant: Merchant, now: datetime) -> MerchantItem:
    created_at = merchant.created_at or to_iso(now)
    return MerchantItem(
        *merchant_key(merchant.id),
        merchant_id=merchant.id,
        name=merchant.name,
        timezone=merchant.timezone,
        status=merchant.status.value,
        settings=merchant.settings.to_dict(),
        wechatpay_sub_mchid=merchant.wechatpay_sub_mchid,
        created_at=created_at,
        updated_at=to_iso(now),
        admin_user_id=merchant.admin_user_id,
        version=merchant.version,
        gsi1pk=MERCHANTS_GSI,
        gsi1sk=f"{created_at}#{merchant.id}",
    )


def get_merchant(merchant_id: str) -> Merchant | None:
    try:
        return _to_merchant(MerchantItem.get(*merchant_key(merchant_id)))
    except DoesNotExist:
        return None


def put_merchant(merchant: Merchant) -> None:
    """Demo data and tests: the merchant as given (last writer wins)."""
    _item(merchant, clock().now()).save()


def merchant_exists(merchant_id: str) -> bool:
    """One GetItem of the merchant's key only."""
    try:
        MerchantItem.get(*merchant_key(merchant_id), attributes_to_get=["pk"])
    except DoesNotExist:
        return False
    return True


class MerchantTable:
    """DynamoDB access for merchants (the `ports.MerchantRepository` adapter)."""

    def onboard(self, onboarding: Onboarding, now: datetime) -> OnboardOutcome:
        """One TransactWriteItems: the merchant IF new, and its admin (identity's piece) IF the openid
        is nobody's yet. A refused merchant comes back as it stands (ALL_OLD), so a repeat is told
        from a clash without a read."""
        from chalicelib.identity.api import add_merchant_admin

        merchant = onboarding.merchant

        def build(tx: Transaction) -> None:
            tx.save(
                _item(merchant, now),
                condition=MerchantItem.pk.does_not_exist(),
                return_values="ALL_OLD",
                label="merchant",
            )
            add_merchant_admin(tx, onboarding.admin_user_id, onboarding.admin_openid, merchant.id, now)

        try:
            transact(build)
        except TransactionCancelled as err:
            old = err.old_item("merchant")
            if old is not None:
                existing = _to_merchant(MerchantItem.from_raw_data(old))
                return OnboardOutcome(existing=existing)
            if err.failed(("identity", onboarding.admin_openid)):
                return OnboardOutcome(openid_taken=True)
            raise
        return OnboardOutcome(created=_to_merchant(_item(merchant, now)))

    def page(self, limit: int, after: str | None) -> tuple[list[Merchant], str | None]:
        """One Query of the MERCHANTS partition, newest first; `after` is the last gsi1sk seen."""
        start = None
        if after is not None:
            merchant_id = after.split("#", 1)[1]
            pk, sk = merchant_key(merchant_id)
            start = {"pk": {"S": pk}, "sk": {"S": sk}, "gsi1pk": {"S": MERCHANTS_GSI}, "gsi1sk": {"S": after}}
        result = MerchantItem.gsi1.query(MERCHANTS_GSI, scan_index_forward=False, limit=limit, last_evaluated_key=start)
        merchants = [_to_merchant(item) for item in result]
        last = result.last_evaluated_key
        return merchants, (str(last["gsi1sk"]["S"]) if last else None)

    def set_status(self, merchant_id: str, status: MerchantStatus, now: datetime) -> Merchant | None:
        """UpdateItem IF the merchant exists, answering it as it is after (ALL_NEW); None when absent."""
        return self._update(
            merchant_id,
            [MerchantItem.status.set(status.value), MerchantItem.updated_at.set(to_iso(now))],
            MerchantItem.pk.exists(),
        )

    def save_profile(self, merchant: Merchant, read_version: int, now: datetime) -> Merchant | None:
        """Name, timezone and settings, IF the merchant is still at the version the change was made
        from (+1); None when it changed meanwhile (or vanished)."""
        unchanged = (
            (MerchantItem.version == read_version) | MerchantItem.version.does_not_exist()
            if read_version == 0
            else MerchantItem.version == read_version
        )
        return self._update(
            merchant.id,
            [
                MerchantItem.name.set(merchant.name),
                MerchantItem.timezone.set(merchant.timezone),
                MerchantItem.settings.set(merchant.settings.to_dict()),
                MerchantItem.version.set(read_version + 1),
                MerchantItem.updated_at.set(to_iso(now)),
            ],
            MerchantItem.pk.exists() & unchanged,
        )

    def _update(self, merchant_id: str, actions: list[Any], condition: Condition) -> Merchant | None:
        item = MerchantItem(*merchant_key(merchant_id))
        try:
            item.update(actions=actions, condition=condition)
        except UpdateError as err:
            if condition_failed(err):
                return None
            raise
        return _to_merchant(item)
