"""Per-caller limits on routes that notify people or create records: fixed windows, 429 + Retry-After.

An area declares its limits as `RateLimit` values and asks for a `Charge` per request; the charge is
counted by DynamoDB itself (`chalicelib.data.ratelimit`: a conditional ADD on one counter item per
subject and window), usually inside the same TransactWriteItems that creates the record, so a
refused request writes nothing and a retried one (whose write is refused as a repeat) costs nothing.
Everything here is pure, so use cases and their in-memory fakes share the window arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.core.errors import DomainError


@dataclass(frozen=True)
class RateLimit:
    name: str  # what is limited, e.g. "assistance-request"; part of the counter's key
    limit: int  # requests allowed per window and subject
    window: timedelta

    def __post_init__(self) -> None:
        if self.limit < 1 or self.window.total_seconds() < 1:
            raise ValueError("a rate limit needs a positive limit and a window of at least a second")


class RateLimited(DomainError):
    code = "RATE_LIMITED"
    status = 429

    def __init__(self, message: str, *, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after_seconds)}


@dataclass(frozen=True)
class Charge:
    """One request counted against `limit` for `subject` (a user id) in the window holding `at`."""

    limit: RateLimit
    subject: str
    window_start: int  # epoch seconds
    at: int  # epoch seconds of the request

    @property
    def counter(self) -> str:
        """Names the counter: one per limit, subject and window."""
        return f"{self.limit.name}#{self.subject}#{self.window_start}"

    @property
    def resets_at(self) -> int:
        return self.window_start + int(self.limit.window.total_seconds())

    def refused(self) -> RateLimited:
        retry_after = max(1, self.resets_at - self.at)
        return RateLimited(f"Too many requests; try again in {retry_after} seconds.", retry_after_seconds=retry_after)


def charge(limit: RateLimit, subject: str, now: datetime) -> Charge:
    seconds = int(limit.window.total_seconds())
    at = int(now.timestamp())
    return Charge(limit=limit, subject=subject, window_start=at - at % seconds, at=at)
