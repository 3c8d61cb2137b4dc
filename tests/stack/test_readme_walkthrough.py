"""The README's "Trying it" walkthrough, run as written (twice, as a newcomer pasting it twice would)
against `make run`. The commands come out of README.md, so the README cannot drift from the API."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README_API, README_WECHAT = "localhost:8000", "localhost:8010"


def walkthrough() -> str:
    """The ```sh blocks of the README's "Trying it" section."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Trying it", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"^```sh\n(.*?)^```", section, re.S | re.M)
    assert blocks, "README's 'Trying it' has no ```sh block"
    return "\n".join(blocks)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[tuple[dict[str, int], Path]]:
    """`make run` on free ports, its output in a file (a pipe nobody drains would stall it)."""
    ports = {"MOTO_PORT": _free_port(), "API_PORT": _free_port(), "WECHAT_PORT": _free_port()}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MOTO_", "WECHAT_", "TABLE_", "RESOURCE_"))}
    env.update({k: str(v) for k, v in ports.items()}, POWERTOOLS_LOG_LEVEL="INFO")
    log = tmp_path / "make-run.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            ["make", "-s", "run"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + 120
        while "ready api=" not in log.read_text() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert "ready api=" in log.read_text(), log.read_text()
        yield ports, log
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_the_readme_walkthrough_works_twice_in_a_row(stack: tuple[dict[str, int], Path], tmp_path: Path) -> None:
    ports, log = stack
    script = walkthrough()
    assert README_API in script and README_WECHAT in script
    script = script.replace(README_API, f"127.0.0.1:{ports['API_PORT']}")
    script = script.replace(README_WECHAT, f"127.0.0.1:{ports['WECHAT_PORT']}")
    # Any 4xx/5xx fails the command (the README's own curl() calls `command curl`, which finds this one).
    real_curl = shutil.which("curl")
    assert real_curl, "the walkthrough needs curl"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "curl").write_text(f'#!/bin/sh\nexec {real_curl} --fail-with-body "$@"\n')
    (bin_dir / "curl").chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}

    booked: list[str] = []
    for run in (1, 2):
        result = subprocess.run(
            ["bash", "-e", "-u", "-o", "pipefail", "-c", script],
            env=env,
            capture_output=True,
            text=True,
            timeout=150,
        )
        assert result.returncode == 0, f"run {run} failed:\n{result.stdout}\n{result.stderr}"
        lines = result.stdout.splitlines()
        confirmed = [line for line in lines if line.startswith("appointment ") and line.endswith(": confirmed")]
        assert len(confirmed) == 1, result.stdout
        booked.append(confirmed[0].split()[1])
        paid = [json.loads(line) for line in lines if '"notify_status"' in line]
        assert [(p["trade_state"], p["notify_status"]) for p in paid] == [("SUCCESS", 204)]
        schedule = json.loads(lines[-1])["schedule"][0]["appointments"]
        assert booked[-1] in [a["id"] for a in schedule]
    assert booked[0] != booked[1]

    # Under `make run` every request logged its one line with a correlation id, as in Lambda.
    requests = [json.loads(line) for line in log.read_text().splitlines() if '"message":"request"' in line]
    assert len(requests) >= 2 * 15
    assert all(r.get("correlation_id") for r in requests)
    assert len({r["correlation_id"] for r in requests}) == len(requests)
