"""The merchant entity's rules: typed settings, status, and its WeChat Pay account."""

from __future__ import annotations

import pytest

from chalicelib.core.errors import Forbidden, ValidationError
from chalicelib.merchants.domain import Merchant, MerchantSettings, MerchantStatus


def test_settings_round_trip_through_their_stored_form() -> None:
    settings = MerchantSettings(loyalty_enabled=False, support_phone="021-1")
    assert settings.to_dict() == {
        "loyaltyEnabled": False,
        "reservationsEnabled": True,
        "appointmentsEnabled": True,
        "supportPhone": "021-1",
    }
    assert MerchantSettings.from_dict(settings.to_dict()) == settings
    assert MerchantSettings.from_dict(None) == MerchantSettings()


def test_settings_refuse_unknown_keys_and_wrong_types() -> None:
    with pytest.raises(ValidationError) as unknown:
        MerchantSettings.from_dict({"colour": "red"})
    assert unknown.value.field == "colour"
    with pytest.raises(ValidationError) as typed:
        MerchantSettings.from_dict({"loyaltyEnabled": "yes"})
    assert typed.value.field == "loyaltyEnabled"


def test_a_merchant_needs_a_real_timezone_and_a_wellformed_sub_mchid() -> None:
    with pytest.raises(ValidationError):
        Merchant("m-1", "One", timezone="Mars/Olympus")
    with pytest.raises(ValidationError):
        Merchant("m-1", "One", wechatpay_sub_mchid="12ab")


def test_payment_account_is_the_sub_merchant_of_an_active_merchant() -> None:
    merchant = Merchant("m-1", "One", wechatpay_sub_mchid="1900000201")
    account = merchant.payment_account()
    assert (account.merchant_id, account.sub_mchid) == ("m-1", "1900000201")
    with pytest.raises(Forbidden) as none:
        Merchant("m-2", "Two").payment_account()
    assert none.value.code == "PAYMENTS_NOT_ENABLED"
    suspended = Merchant("m-3", "Three", status=MerchantStatus.SUSPENDED, wechatpay_sub_mchid="1900000203")
    with pytest.raises(Forbidden) as stopped:
        suspended.ensure_active()
    assert stopped.value.code == "MERCHANT_SUSPENDED"
