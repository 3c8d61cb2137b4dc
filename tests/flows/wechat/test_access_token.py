"""WeChat's access_token: the stable token API plus one shared item, so concurrent functions neither
invalidate each other's token nor spend WeChat's daily quota; and the sandbox keeps WeChat's rules
for both token APIs, so these tests can tell the difference."""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from devstack.stack import WECHAT_APPID, WECHAT_SECRET


def _call(url: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return dict(json.load(response))


def _legacy_token(sandbox: Any) -> str:
    query = f"grant_type=client_credential&appid={WECHAT_APPID}&secret={WECHAT_SECRET}"
    return str(_call(f"{sandbox.base_url}/cgi-bin/token?{query}")["access_token"])


def _stable_token(sandbox: Any, force_refresh: bool = False, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"grant_type": "client_credential", "appid": WECHAT_APPID, "secret": WECHAT_SECRET}
    body.update(force_refresh=force_refresh, **overrides)
    return _call(f"{sandbox.base_url}/cgi-bin/stable_token", body)


def _send(sandbox: Any, token: str) -> int:
    message = {"touser": "openid-token-test", "template_id": "tmpl", "data": {"thing1": {"value": "x"}}}
    answer = _call(f"{sandbox.base_url}/cgi-bin/message/subscribe/send?access_token={token}", message)
    return int(answer["errcode"])


@pytest.fixture
def fresh_wechat(sandbox: Any) -> Iterator[Any]:
    sandbox.messages.reset_tokens()
    yield sandbox
    sandbox.messages.reset_tokens()


# --- the sandbox keeps WeChat's rules --------------------------------------------------------------
def test_sandbox_legacy_token_api_invalidates_the_previous_token(fresh_wechat: Any) -> None:
    first = _legacy_token(fresh_wechat)
    second = _legacy_token(fresh_wechat)
    assert first != second
    assert (_send(fresh_wechat, first), _send(fresh_wechat, second)) == (40001, 0)


def test_sandbox_stable_token_is_shared_until_forced_and_renewed_with_overlap(fresh_wechat: Any) -> None:
    first = _stable_token(fresh_wechat)
    assert first["expires_in"] == 7200
    again = _stable_token(fresh_wechat)
    assert again["access_token"] == first["access_token"] and 0 < again["expires_in"] <= 7200
    assert _send(fresh_wechat, first["access_token"]) == 0

    # Within its last 5 minutes a normal call gets the next token; the old one works until it expires.
    fresh_wechat.messages.age_tokens(7200 - 299)
    renewed = _stable_token(fresh_wechat)
    assert renewed["access_token"] != first["access_token"] and renewed["expires_in"] == 7200
    assert (_send(fresh_wechat, first["access_token"]), _send(fresh_wechat, renewed["access_token"])) == (0, 0)

    # force_refresh replaces the token at once, and is limited to 20 a day.
    forced = _stable_token(fresh_wechat, force_refresh=True)
    assert (_send(fresh_wechat, renewed["access_token"]), _send(fresh_wechat, forced["access_token"])) == (40001, 0)
    for _ in range(19):
        assert "access_token" in _stable_token(fresh_wechat, force_refresh=True)
    assert _stable_token(fresh_wechat, force_refresh=True)["errcode"] == 45009

    assert _stable_token(fresh_wechat, secret="wrong")["errcode"] == 40125
    assert _stable_token(fresh_wechat, grant_type="password")["errcode"] == 40002
    assert _stable_token(fresh_wechat, appid="wx-other")["errcode"] == 40013


def test_sandbox_token_apis_do_not_touch_each_others_tokens(fresh_wechat: Any) -> None:
    stable = _stable_token(fresh_wechat)["access_token"]
    legacy = _legacy_token(fresh_wechat)
    _legacy_token(fresh_wechat)
    assert (_send(fresh_wechat, stable), _send(fresh_wechat, legacy)) == (0, 40001)


# --- our client ------------------------------------------------------------------------------------
def test_concurrent_cold_functions_get_one_token_that_stays_valid(aws: Any, fresh_wechat: Any) -> None:
    """Eight containers start at once with nothing cached: whoever refreshes, nobody's token dies."""
    from chalicelib.wechat.access_token import AccessTokens

    containers = [AccessTokens() for _ in range(8)]
    start = threading.Barrier(len(containers))
    tokens: list[str] = []

    def run(container: AccessTokens) -> None:
        start.wait()
        tokens.append(container.get())

    threads = [threading.Thread(target=run, args=(c,)) for c in containers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(tokens) == 8 and len(set(tokens)) == 1
    assert all(_send(fresh_wechat, token) == 0 for token in tokens)
    assert fresh_wechat.messages.issued["stable_token"] == 1  # WeChat issued one token for all
    assert fresh_wechat.messages.issued["force_refresh"] == 0


def test_later_functions_read_the_shared_token_without_calling_wechat(aws: Any, fresh_wechat: Any) -> None:
    from chalicelib.wechat.access_token import AccessTokens

    first = AccessTokens().get()
    calls = fresh_wechat.messages.calls["stable_token"]
    assert [AccessTokens().get() for _ in range(5)] == [first] * 5
    assert fresh_wechat.messages.calls["stable_token"] == calls


def test_a_token_forced_out_elsewhere_is_replaced_without_forcing_again(aws: Any, fresh_wechat: Any) -> None:
    from chalicelib.wechat.access_token import AccessTokens

    container = AccessTokens()
    old = container.get()
    forced_elsewhere = _stable_token(fresh_wechat, force_refresh=True)["access_token"]
    assert _send(fresh_wechat, old) == 40001
    assert container.replace(old) == forced_elsewhere
    assert fresh_wechat.messages.issued["force_refresh"] == 1  # only the one made elsewhere
    assert AccessTokens().get() == forced_elsewhere  # the shared item moved on too


def test_a_token_wechat_still_hands_out_but_rejects_is_force_refreshed(aws: Any, fresh_wechat: Any) -> None:
    from chalicelib.wechat.access_token import AccessTokens

    container = AccessTokens()
    old = container.get()
    fresh_wechat.messages.revoke(old)  # e.g. the secret was reset: WeChat rejects it but still returns it
    replaced = container.replace(old)
    assert replaced != old and _send(fresh_wechat, replaced) == 0
    assert fresh_wechat.messages.issued["force_refresh"] == 1


def test_subscribe_messages_use_the_stable_token(aws: Any, fresh_wechat: Any) -> None:
    from chalicelib.identity.models import IdentityStore
    from chalicelib.notifications import channels

    IdentityStore().create_user("u-stable", "openid-stable", "", datetime.now(UTC))
    message = {"id": "n", "user_id": "u-stable", "kind": "appointment_reminder", "title": "t", "body": "b"}
    channels.send_wechat(message)
    fresh_wechat.messages.expire_tokens()
    channels.send_wechat(message)  # the stale token is replaced and the send retried
    assert len(fresh_wechat.messages.messages("openid-stable")) == 2
    assert fresh_wechat.messages.calls["token"] == 0  # never the legacy API
