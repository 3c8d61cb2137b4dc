"""The merchant item, MERCHANT#<id> / META, and its only data access."""

from __future__ import annotations

from pynamodb.attributes import JSONAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist

from chalicelib.data.table import TableModel, key
from chalicelib.merchants.domain import Merchant, MerchantSettings, MerchantStatus


class MerchantItem(TableModel):
    merchant_id = UnicodeAttribute()
    name = UnicodeAttribute()
    timezone = UnicodeAttribute()
    status = UnicodeAttribute(default=MerchantStatus.ACTIVE.value)
    settings = JSONAttribute(null=True)
    wechatpay_sub_mchid = UnicodeAttribute(null=True)


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
    )


def get_merchant(merchant_id: str) -> Merchant | None:
    try:
        return _to_merchant(MerchantItem.get(*merchant_key(merchant_id)))
    except DoesNotExist:
        return None


def put_merchant(merchant: Merchant) -> None:
    MerchantItem(
        *merchant_key(merchant.id),
        merchant_id=merchant.id,
        name=merchant.name,
        timezone=merchant.timezone,
        status=merchant.status.value,
        settings=merchant.settings.to_dict(),
        wechatpay_sub_mchid=merchant.wechatpay_sub_mchid,
    ).save()


def merchant_exists(merchant_id: str) -> bool:
    """One GetItem of the merchant's key only."""
    try:
        MerchantItem.get(*merchant_key(merchant_id), attributes_to_get=["pk"])
    except DoesNotExist:
        return False
    return True
