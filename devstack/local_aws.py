"""moto in server mode, with DynamoDB requests serialized.

moto server handles requests on many threads and does not lock its DynamoDB backend, so two
conditional writes racing on one item can both succeed (a lost update real DynamoDB never
allows). `SerializedDynamoDB` runs DynamoDB requests one at a time, which restores per-item
atomicity; other services are left concurrent so an SQS long poll cannot stall the table.
It also counts DynamoDB operations and records the keys GetItem and BatchGetItem asked for, which
the request-budget tests read (so far as keys say it, no request reads an item twice).
"""

from __future__ import annotations

import io
import json
import logging
import os
import threading
import urllib.request
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import BaseWSGIServer, make_server

DYNAMODB_TARGET = "DynamoDB_20120810."
# moto's Step Functions executor signs its service integrations' calls with this access key: they are
# the state machines' (e.g. the booking saga's updateItem states), running beside the requests.
STATE_MACHINE_CREDENTIAL = "Credential=ak/"

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class SerializedDynamoDB:
    def __init__(self, app: WsgiApp) -> None:
        self.app = app
        self.lock = threading.Lock()
        self.calls: Counter[str] = Counter()
        # Calls the state machines made, kept apart so a request's budget counts only its own.
        self.machine_calls: Counter[str] = Counter()
        # operation -> [error type, calls left]: the state machines' next calls of it fail (fault tests).
        self.machine_faults: dict[str, list[Any]] = {}
        # (table, key) of every item a GetItem or BatchGetItem asked for, in order.
        self.keys_read: list[tuple[str, str]] = []
        # Items each operation read: a Query's or Scan's ScannedCount, the items GetItem/BatchGetItem got.
        self.items_read: Counter[str] = Counter()

    def fail_machine_calls(self, operation: str, error: str = "InternalServerError", times: int = 1) -> None:
        """The state machines' next `times` calls of `operation` (e.g. "UpdateItem") answer `error`
        instead of running, as DynamoDB answers a Task that fails (a 500, a throttle, a condition)."""
        with self.lock:
            self.machine_faults[operation] = [error, times]

    def _machine_fault(self, operation: str, start_response: Callable[..., Any]) -> Iterable[bytes] | None:
        fault = self.machine_faults.get(operation)
        if fault is None or fault[1] <= 0:
            return None
        fault[1] -= 1
        error = str(fault[0])
        status = "400 Bad Request" if error.endswith("Exception") else "500 Internal Server Error"
        body = json.dumps({"__type": f"com.amazonaws.dynamodb.v20120810#{error}", "message": "injected"}).encode()
        headers = [
            ("Content-Type", "application/x-amz-json-1.0"),
            ("Content-Length", str(len(body))),
            ("x-amzn-RequestId", uuid.uuid4().hex),  # botocore (and moto's executor) expect one
        ]
        start_response(status, headers)
        return [body]

    def clear(self) -> None:
        self.calls.clear()
        self.machine_calls.clear()
        self.machine_faults.clear()
        self.keys_read.clear()
        self.items_read.clear()

    def _record_keys(self, operation: str, environ: dict[str, Any]) -> None:
        if operation not in ("GetItem", "BatchGetItem"):
            return
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)
        request = json.loads(body or b"{}")
        if operation == "GetItem":
            wanted = {request.get("TableName", ""): [request.get("Key", {})]}
        else:
            wanted = {table: spec.get("Keys", []) for table, spec in request.get("RequestItems", {}).items()}
        for table, keys in wanted.items():
            self.keys_read += [(table, json.dumps(k, sort_keys=True)) for k in keys]

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if not target.startswith(DYNAMODB_TARGET):
            return self.app(environ, start_response)
        with self.lock:
            operation = target[len(DYNAMODB_TARGET) :]
            if STATE_MACHINE_CREDENTIAL in environ.get("HTTP_AUTHORIZATION", ""):
                self.machine_calls[operation] += 1
                failed = self._machine_fault(operation, start_response)
                if failed is not None:
                    return failed
            else:
                self.calls[operation] += 1
                self._record_keys(operation, environ)
                if operation in _READS:
                    body = b"".join(self.app(environ, start_response))
                    self.items_read[operation] += _items_in(operation, body)
                    return [body]
            # Drain the body inside the lock: the write happens while the response is produced.
            return [b"".join(self.app(environ, start_response))]


_READS = ("Query", "Scan", "GetItem", "BatchGetItem")


def _items_in(operation: str, body: bytes) -> int:
    """Items a read answer carries (a Query or Scan: what it examined, ScannedCount)."""
    try:
        answer = json.loads(body or b"{}")
    except ValueError:
        return 0
    if operation in ("Query", "Scan"):
        return int(answer.get("ScannedCount", 0))
    if operation == "GetItem":
        return 1 if "Item" in answer else 0
    return sum(len(items) for items in (answer.get("Responses") or {}).values())


def query_only_its_partition() -> None:
    """moto answers every Query by sorting the whole table and filtering it (`Table.all_items`): with
    100k records a Query takes tens of seconds, so the bench's 1k-vs-100k figures could not run. A Query
    needs only its partition: hand moto's own query a table view holding just the items whose key (the
    index's, for an index Query) is the asked value, then put the table back. Answers are unchanged
    (same items, order, paging, ScannedCount). Safe because SerializedDynamoDB runs one DynamoDB request
    at a time. Re-check on a moto upgrade (pinned in requirements-dev)."""
    from moto.dynamodb.models.table import Table

    if getattr(Table.query, "partition_only", False):
        return
    original = Table.query

    def query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        conditions = dict(kwargs.get("hash_key_conditions") or [])
        index_name = args[6] if len(args) > 6 else kwargs.get("index_name")
        everything = self.items
        if index_name:
            if len(conditions) != 1:
                return original(self, hash_key, *args, **kwargs)
            ((name, value),) = conditions.items()
            partition: dict[Any, Any] = {}
            for hash_value, items in everything.items():
                rows = items.values() if self.range_key_attr else [items]
                for item in rows:
                    found = item.attrs.get(name)
                    if found is not None and found == value:
                        if self.range_key_attr:
                            partition.setdefault(hash_value, {})[item.range_key] = item
                        else:
                            partition[hash_value] = item
        else:
            partition = {hash_key: everything[hash_key]} if hash_key in everything else {}
        self.items = partition
        try:
            return original(self, hash_key, *args, **kwargs)
        finally:
            self.items = everything

    query.partition_only = True  # type: ignore[attr-defined]
    Table.query = query  # type: ignore[method-assign]


def roll_back_only_the_items_a_transaction_touches() -> None:
    """moto's TransactWriteItems deep-copies every table it names before running, and on a cancelled
    transaction swaps the copy in for the table. On a seeded table that is ~0.4 s per transaction, and
    every swap strands the old table (the stream's shard iterators keep referring to it): the local
    stack grew ~3 MiB per cancelled transaction and was OOM-killed under load. Instead, remember just
    the items the transaction names (and how long each table's stream shard was), let moto's swap be a
    no-op, and on any failure put those items back and drop the stream records the failed attempt
    added. Safe because SerializedDynamoDB runs one DynamoDB request at a time. Re-check on a moto
    upgrade (pinned in requirements-dev)."""
    from moto.dynamodb import models as dynamodb_models
    from moto.dynamodb.models.table import Table

    backend = dynamodb_models.DynamoDBBackend
    if getattr(backend.transact_write_items, "rolls_back_touched_items", False):
        return
    real_copy = dynamodb_models.copy

    class NoTableCopies:
        def deepcopy(self, obj: Any) -> Any:
            return obj if isinstance(obj, Table) else real_copy.deepcopy(obj)

        def __getattr__(self, name: str) -> Any:
            return getattr(real_copy, name)

    original = backend.transact_write_items

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        saved: list[tuple[Any, Any, Any, Any]] = []
        shards: dict[int, tuple[Any, int]] = {}
        for entry in transact_items:
            op = next(iter(entry.values())) if isinstance(entry, dict) and entry else {}
            table = self.tables.get(op.get("TableName")) if isinstance(op, dict) else None
            if table is None:
                continue
            key = op.get("Key") or {
                name: op.get("Item", {}).get(name)
                for name in (table.hash_key_attr, table.range_key_attr)
                if name and name in op.get("Item", {})
            }
            try:
                hash_value, range_value = self.get_keys_value(table, key)
            except Exception:  # moto answers the malformed request itself
                continue
            saved.append((table, hash_value, range_value, real_copy.deepcopy(table.get_item(hash_value, range_value))))
            if table.stream_shard is not None:
                shards.setdefault(id(table), (table, len(table.stream_shard.items)))
        try:
            return original(self, transact_items)
        except BaseException:
            for table, hash_value, range_value, item in reversed(saved):
                _restore(table, hash_value, range_value, item)
            for table, length in shards.values():
                del table.stream_shard.items[length:]
            raise

    transact_write_items.rolls_back_touched_items = True  # type: ignore[attr-defined]
    dynamodb_models.copy = NoTableCopies()  # type: ignore[assignment]
    backend.transact_write_items = transact_write_items  # type: ignore[method-assign]


def _restore(table: Any, hash_value: Any, range_value: Any, item: Any) -> None:
    if range_value is None:
        if item is None:
            table.items.pop(hash_value, None)
        else:
            table.items[hash_value] = item
        return
    if item is None:
        table.items.get(hash_value, {}).pop(range_value, None)
    else:
        table.items[hash_value][range_value] = item


class LocalAws:
    """A moto server on 127.0.0.1 in a background thread."""

    def __init__(self, port: int = 0, host: str = "127.0.0.1") -> None:
        self.host = host
        self._requested_port = port
        self.app = SerializedDynamoDB(DomainDispatcherApplication(create_backend_app))
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        assert self._server is not None, "start() first"
        return int(self._server.server_address[1])

    @property
    def endpoint(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> LocalAws:
        roll_back_only_the_items_a_transaction_touches()
        query_only_its_partition()
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no access log line per AWS call
        self._server = make_server(
            self.host, self._requested_port, self.app, threaded=True, request_handler=MotoRequestHandler
        )
        self._thread = threading.Thread(target=self._server.serve_forever, name="moto", daemon=True)
        self._thread.start()
        # The Step Functions executor calls back into moto on this port.
        os.environ["MOTO_PORT"] = str(self.port)
        self._post("/moto-api/config", {"stepfunctions": {"execute_state_machine": True}})
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def reset(self) -> None:
        """Forget every resource (moto's own reset), keeping the server and its config."""
        self._post("/moto-api/reset", {})
        self._post("/moto-api/config", {"stepfunctions": {"execute_state_machine": True}})
        self.app.clear()

    def client_env(self, region: str) -> dict[str, str]:
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": region,
            "MOTO_PORT": str(self.port),
        }

    def sent_emails(self) -> list[dict[str, Any]]:
        with urllib.request.urlopen(f"{self.endpoint}/moto-api/data.json") as response:
            data = json.load(response)
        found = data.get("ses", {}).get("Message", [])
        # moto lists them, or (other versions) groups them per account
        groups = found.values() if isinstance(found, dict) else [found]
        messages: list[dict[str, Any]] = []
        for group in groups:
            messages.extend(group if isinstance(group, list) else [group])
        return messages

    def _post(self, path: str, payload: dict[str, Any]) -> None:
        request = urllib.request.Request(
            f"{self.endpoint}{path}",
            data=json.dumps(payload).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request) as response:
            response.read()
