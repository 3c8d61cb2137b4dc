"""Payments' real ports: DynamoDB, WeChat Pay, Step Functions, the timers, identity and merchants."""

from __future__ import annotations

from functools import cache
from typing import Any

from chalicelib.payments.ports import PayClient, Ports


def _client() -> PayClient:
    from chalicelib.payments.client import WeChatPayClient

    return WeChatPayClient()


def _sp_appid() -> str:
    from chalicelib.core.config import settings

    return settings().wechat_appid


def _sub_mchid_of(merchant_id: str) -> str:
    from chalicelib.merchants.api import payment_account

    return payment_account(merchant_id).sub_mchid


def _cancel_timeout(out_trade_no: str) -> None:
    from chalicelib.core.timers import cancel_timer
    from chalicelib.payments.area import PAYMENT_TIMEOUT

    cancel_timer(PAYMENT_TIMEOUT, out_trade_no)


def _task_succeeded(task_token: str, output: dict[str, Any]) -> None:
    from chalicelib.payments import tasks

    tasks.succeed(task_token, output)


def _task_failed(task_token: str, error: str, cause: str) -> None:
    from chalicelib.payments import tasks

    tasks.fail(task_token, error, cause)


def _payer_openid(user_id: str) -> str | None:
    from chalicelib.identity.api import openid_of

    return openid_of(user_id)


@cache
def live_ports() -> Ports:
    """Each effect looks its function up when called, so nothing is imported before it is needed."""
    from chalicelib.payments.models import PaymentTable
    from chalicelib.payments.settings import wechatpay_settings

    return Ports(
        store=PaymentTable(),
        client=_client,
        settings=wechatpay_settings,
        sp_appid=_sp_appid,
        payer_openid=_payer_openid,
        sub_mchid_of=_sub_mchid_of,
        task_succeeded=_task_succeeded,
        task_failed=_task_failed,
        cancel_timeout=_cancel_timeout,
    )
