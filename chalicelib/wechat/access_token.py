"""The access_token WeChat's server APIs take (subscribe messages), shared by every function.

`/cgi-bin/token` issues a new token on every call and invalidates the previous one, so functions
refreshing on their own cut each other off and spend the daily quota. `/cgi-bin/stable_token`
(normal mode) hands every caller the same token until its last 5 minutes, and only `force_refresh`
(20 a day) invalidates it, so concurrent refreshers cannot hurt each other. One table item shares the
token: most containers read it instead of calling WeChat at all. It is a two-hour credential for this
app only, kept like the other server-side WeChat secrets in the table (never returned by any route).
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist

from chalicelib.core.clock import clock
from chalicelib.core.config import settings
from chalicelib.core.errors import UpstreamUnavailable
from chalicelib.core.runtime_secrets import wechat_app_secret
from chalicelib.data.table import TableModel, key
from chalicelib.wechat.http import post_json

# Refresh a token with less than this left: the stable API renews it then, keeping the old one valid.
REFRESH_WITHIN_SECONDS = 300


class AccessTokenItem(TableModel):
    """WECHAT#<appid> / ACCESS_TOKEN."""

    token = UnicodeAttribute()
    expires_at = NumberAttribute()  # epoch seconds


def _item_key() -> tuple[str, str]:
    return key("WECHAT", settings().wechat_appid), "ACCESS_TOKEN"


def _now() -> float:
    return clock().now().timestamp()


def _read_shared() -> tuple[str, float] | None:
    try:
        item = AccessTokenItem.get(*_item_key(), consistent_read=True)
    except DoesNotExist:
        return None
    return str(item.token), float(item.expires_at)


def _share(token: str, expires_at: float) -> None:
    """Last writer wins, and that is safe: a token the stable API handed out stays valid until it
    expires unless someone forces a refresh, and a forced-out token written late by a slow container
    costs the next reader one 40001 and one `replace`, which writes the current token back. (Expiry
    cannot order the writes: WeChat answers in whole seconds, so a newer token can look older.)"""
    AccessTokenItem(*_item_key(), token=token, expires_at=expires_at).save()


def _fetch(force_refresh: bool) -> tuple[str, float]:
    cfg = settings()
    body = post_json(
        f"{cfg.wechat_api_base}/cgi-bin/stable_token",
        {
            "grant_type": "client_credential",
            "appid": cfg.wechat_appid,
            "secret": wechat_app_secret(),
            "force_refresh": force_refresh,
        },
    )
    if not body.get("access_token"):
        raise UpstreamUnavailable(f"WeChat access_token failed (errcode {body.get('errcode')}).")
    return str(body["access_token"]), _now() + int(body.get("expires_in", 7200))


class AccessTokens:
    """One per container (`tokens` below); it remembers the token between invocations."""

    def __init__(self) -> None:
        self._memo: tuple[str, float] | None = None

    def get(self) -> str:
        for found in (self._memo, _read_shared()):
            if found is not None and found[1] - _now() > REFRESH_WITHIN_SECONDS:
                self._memo = found
                return found[0]
        return self._refresh(force_refresh=False)

    def replace(self, rejected: str) -> str:
        """WeChat refused `rejected` (40001/42001): someone forced a refresh, or it expired early. The
        stable API's current token is then a different one; only if WeChat still hands out the
        rejected token is a forced refresh (the scarce kind) needed."""
        token = self._refresh(force_refresh=False)
        if token == rejected:
            token = self._refresh(force_refresh=True)
        return token

    def _refresh(self, force_refresh: bool) -> str:
        token, expires_at = _fetch(force_refresh)
        _share(token, expires_at)
        self._memo = (token, expires_at)
        return token


tokens = AccessTokens()
