"""Domain errors. They know nothing of HTTP; `core.http` is the one place that maps them to status codes."""

from __future__ import annotations


class DomainError(Exception):
    code = "ERROR"
    status = 400

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.field = field

    def headers(self) -> dict[str, str]:
        """Response headers the error needs besides its body (e.g. Retry-After on a 429)."""
        return {}


class ValidationError(DomainError):
    code = "VALIDATION_ERROR"
    status = 400


class Unauthorized(DomainError):
    code = "UNAUTHORIZED"
    status = 401


class Forbidden(DomainError):
    code = "FORBIDDEN"
    status = 403


class NotFound(DomainError):
    code = "NOT_FOUND"
    status = 404


class Conflict(DomainError):
    code = "CONFLICT"
    status = 409


class UnsupportedMediaType(DomainError):
    code = "UNSUPPORTED_MEDIA_TYPE"
    status = 415


class UpstreamUnavailable(DomainError):
    code = "UPSTREAM_UNAVAILABLE"
    status = 503

    def headers(self) -> dict[str, str]:
        # Nothing was done; a moment later the same request is expected to work.
        return {"Retry-After": UPSTREAM_RETRY_AFTER_SECONDS}


UPSTREAM_RETRY_AFTER_SECONDS = "1"
