"""`make run` starts the whole stack, prints `ready`, serves login, nearby and the OpenAPI document, and
stops on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _call(url: str, body: dict | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def _hammer(url: str) -> None:
    for _ in range(200):
        try:
            urllib.request.urlopen(url, timeout=5).read()
        except OSError:
            return


def test_make_run_smoke() -> None:
    ports = {"MOTO_PORT": _free_port(), "API_PORT": _free_port(), "WECHAT_PORT": _free_port()}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MOTO_", "WECHAT_", "TABLE_", "RESOURCE_"))}
    env.update({k: str(v) for k, v in ports.items()})
    process = subprocess.Popen(
        ["make", "-s", "run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        lines: list[str] = []
        assert process.stdout is not None
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "ready" in line:
                break
        assert any("ready" in line for line in lines), "".join(lines)
        api = f"http://127.0.0.1:{ports['API_PORT']}"
        login = _call(f"{api}/api/auth/login", {"code": "smoke-test"})
        assert login["role"] == "customer" and login["token"]
        nearby = _call(f"{api}/api/stores/nearby?latitude=31.2304&longitude=121.4737&radius=10000")
        assert len(nearby["stores"]) >= 3
        assert _call(f"{api}/api/openapi.json") == json.loads((ROOT / "docs" / "openapi.json").read_text())
        stack_pid = int(
            subprocess.check_output(["pgrep", "-g", str(process.pid), "-f", "python -m devstack"]).split()[0]
        )
        # Stop it while it is busy: requests in flight must not keep the process alive.
        busy = [
            threading.Thread(
                target=_hammer, args=(f"{api}/api/stores/nearby?latitude=31.23&longitude=121.47",), daemon=True
            )
            for _ in range(4)
        ]
        for thread in busy:
            thread.start()
        time.sleep(1)
        os.kill(stack_pid, signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
        assert process.returncode == 0, output
        assert "stopped" in output
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_a_port_in_use_is_named_with_the_variable_that_moves_it() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MOTO_", "WECHAT_", "TABLE_", "RESOURCE_"))}
    for variable in ("API_PORT", "MOTO_PORT", "WECHAT_PORT"):
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            busy = int(taken.getsockname()[1])
            ports = {"MOTO_PORT": _free_port(), "API_PORT": _free_port(), "WECHAT_PORT": _free_port(), variable: busy}
            result = subprocess.run(
                ["make", "-s", "run"],
                cwd=ROOT,
                env={**env, **{k: str(v) for k, v in ports.items()}},
                capture_output=True,
                text=True,
                timeout=120,
            )
        output = result.stdout + result.stderr
        assert result.returncode != 0, output
        assert f"Port {busy} is already in use" in output and f"{variable}=" in output, output
        assert "Traceback" not in output and "ready api=" not in output, output
