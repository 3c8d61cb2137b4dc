"""AWS clients give up on a stuck call well inside the function's 30 s, with standard retries:
botocore's defaults (60 s read timeout) and PynamoDB's (15 s connect, 30 s read) would outlive it."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ReadTimeoutError

from chalicelib.core import aws

FUNCTION_TIMEOUT_SECONDS = 30  # infra's lambda_timeout for every function


class StalledServer:
    """Accepts connections and reads requests, never answers: a dependency that hangs."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.requests = 0
        self.connections: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections.append(conn)
            threading.Thread(target=self._read, args=(conn,), daemon=True).start()

    def _read(self, conn: socket.socket) -> None:
        try:
            while chunk := conn.recv(65536):
                self.requests += chunk.count(b"HTTP/1.1\r\n")
        except OSError:
            return

    def close(self) -> None:
        self.sock.close()
        for conn in self.connections:
            conn.close()


@pytest.fixture
def stalled(monkeypatch: pytest.MonkeyPatch) -> Iterator[StalledServer]:
    server = StalledServer()
    monkeypatch.setenv("AWS_ENDPOINT_URL", server.url)
    aws.reset_clients()
    yield server
    server.close()
    monkeypatch.undo()
    aws.reset_clients()


def _worst_case_seconds(connect: float, read: float, attempts: int) -> float:
    # botocore standard mode backs off rand(0, 1) * 2**(attempt - 1) s between attempts
    return attempts * (connect + read) + sum(2**n for n in range(attempts - 1))


def test_a_stuck_aws_call_times_out_after_standard_retries(stalled: StalledServer, monkeypatch: Any) -> None:
    monkeypatch.setattr(aws, "READ_TIMEOUT_SECONDS", 0.3)  # the real value, shortened for the test's sake
    with pytest.raises(ReadTimeoutError):
        aws.client("sqs").list_queues()
    assert stalled.requests == aws.MAX_ATTEMPTS == 3


def test_client_timeouts_and_retries_fit_inside_the_function_timeout() -> None:
    config = aws.client("dynamodb").meta.config
    assert (config.connect_timeout, config.read_timeout) == (aws.CONNECT_TIMEOUT_SECONDS, aws.READ_TIMEOUT_SECONDS)
    assert config.retries == {"mode": "standard", "total_max_attempts": aws.MAX_ATTEMPTS}
    assert _worst_case_seconds(config.connect_timeout, config.read_timeout, aws.MAX_ATTEMPTS) < FUNCTION_TIMEOUT_SECONDS


def test_pynamodb_connections_use_the_same_timeouts_and_retries() -> None:
    from chalicelib.data.table import TableModel, connection

    class Probe(TableModel):
        """A model of its own: PynamoDB caches a connection on the class it is asked of, and subclasses
        that have none yet inherit it, so asking the base would hand every model the base's (index-less)
        table description."""

    for client in (Probe._get_connection().connection.client, connection().client):
        config = client.meta.config
        assert (config.connect_timeout, config.read_timeout) == (aws.CONNECT_TIMEOUT_SECONDS, aws.READ_TIMEOUT_SECONDS)
        assert config.retries == {"mode": "standard", "total_max_attempts": aws.MAX_ATTEMPTS}
