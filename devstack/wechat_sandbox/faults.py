"""The sandbox's fault switch: make one WeChat endpoint slow (longer than our clients' read timeout)
or answer 5xx for its next N calls, so tests (and a person on `make run`) can watch what callers do
when WeChat is down. A slow call is still carried out after its delay, as a real WeChat does with a
request whose answer the caller gave up on: the retry must then find the work done, not do it twice.

In process: `sandbox.faults.inject("/v3/refund/domestic/refunds", status=500, times=2)`. Over HTTP:
POST /sandbox/faults {"path": ..., "method": "POST", "status": 503, "delay": 6, "times": 1};
DELETE /sandbox/faults clears them."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass


@dataclass
class Fault:
    method: str | None  # None: any method
    path: str  # exact path, or a prefix ending in "*"
    status: int | None  # answer this instead of the endpoint's answer
    delay: float  # seconds to wait first
    remaining: int

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method != method:
            return False
        return path.startswith(self.path[:-1]) if self.path.endswith("*") else path == self.path


class Faults:
    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self.hits: Counter[str] = Counter()  # path -> faults served

    def inject(
        self, path: str, *, status: int | None = None, delay: float = 0.0, times: int = 1, method: str | None = None
    ) -> None:
        if status is None and delay <= 0:
            raise ValueError("a fault answers a status, waits, or both")
        if status is not None and not 500 <= status <= 599:
            raise ValueError("a fault answers a 5xx status")
        with self._lock:
            self._faults.append(Fault(method, path, status, delay, times))

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
            self.hits.clear()

    def take(self, method: str, path: str) -> Fault | None:
        """The fault this call gets (one of its N is used up), if any."""
        with self._lock:
            for fault in self._faults:
                if fault.remaining > 0 and fault.matches(method, path):
                    fault.remaining -= 1
                    self.hits[path] += 1
                    return fault
        return None
