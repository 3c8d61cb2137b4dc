"""Login while WeChat's code2Session fails: a 5xx or a timeout is a 503 UPSTREAM_UNAVAILABLE JSON
answer (never a 500), nobody is logged in or created by the failed attempt, and logging in works
again as soon as WeChat does."""

from __future__ import annotations

import json
import urllib.request
import uuid
from typing import Any

from tests.conftest import post_json
from tests.wechat_faults import SLOW

LOGIN = "/api/auth/login"


def _login(client: Any, code: str) -> Any:
    return post_json(client, LOGIN, {"code": code})


def test_login_while_wechat_answers_5xx_is_a_503_and_the_same_code_works_after(client, sandbox, faults) -> None:
    code = f"fault-{uuid.uuid4().hex[:10]}"
    # Over HTTP, as a person on `make run` would switch it on.
    spec = {"path": "/sns/jscode2session", "method": "GET", "status": 502, "times": 2}
    request = urllib.request.Request(
        f"{sandbox.base_url}/sandbox/faults", data=json.dumps(spec).encode(), method="POST"
    )
    with urllib.request.urlopen(request, timeout=5) as answer:
        assert json.loads(answer.read())["errcode"] == 0
    for _ in range(2):
        refused = _login(client, code)
        assert refused.status_code == 503, refused.body
        assert refused.json_body["error"]["code"] == "UPSTREAM_UNAVAILABLE"
        assert "token" not in refused.json_body
    logged_in = _login(client, code)  # WeChat never saw the code: it is still good
    assert logged_in.status_code == 200, logged_in.json_body
    assert faults.hits["/sns/jscode2session"] == 2


def test_login_while_wechat_times_out_is_a_503_and_a_fresh_code_works(client, faults) -> None:
    user = f"slow-{uuid.uuid4().hex[:10]}"
    faults.inject("/sns/jscode2session", delay=SLOW)
    refused = _login(client, f"{user}#1")
    assert refused.status_code == 503, refused.body
    assert refused.json_body["error"]["code"] == "UPSTREAM_UNAVAILABLE"
    # WeChat did exchange that code after we gave up (so it is spent), as the real one would: the mini
    # program calls wx.login again for a fresh one, and the same user gets in, once.
    first = _login(client, f"{user}#2")
    again = _login(client, f"{user}#3")
    assert first.status_code == again.status_code == 200, (first.json_body, again.json_body)
    me = [
        client.http.get("/api/auth/me", headers={"Authorization": f"Bearer {r.json_body['token']}"})
        for r in (first, again)
    ]
    assert me[0].json_body["userId"] == me[1].json_body["userId"]
