"""Identity's own settings (core holds none of an area's)."""

from __future__ import annotations

import os
from datetime import timedelta

DEFAULT_SESSION_TTL = timedelta(days=7)


def session_ttl() -> timedelta:
    """How long a login's token stays valid (`SESSION_TTL_SECONDS`, default a week); read per call so
    tests and stages differ only in the environment."""
    raw = os.environ.get("SESSION_TTL_SECONDS", "").strip()
    return timedelta(seconds=int(raw)) if raw else DEFAULT_SESSION_TTL
