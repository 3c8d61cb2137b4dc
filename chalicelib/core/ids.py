"""Identifiers and secrets."""

from __future__ import annotations

import hashlib
import json
import secrets


def new_id(prefix: str) -> str:
    """Short, unguessable, URL-safe ids such as `u_3f9c1a7b2d4e6f80`."""
    return f"{prefix}_{secrets.token_hex(8)}"


def new_token() -> str:
    return secrets.token_urlsafe(32)


def stable_id(prefix: str, *parts: str) -> str:
    """The same id for the same parts, so a client's retry of a request lands on the item its first
    attempt wrote (e.g. `r_` + hash of user and request key). The parts are JSON-encoded before
    hashing, so ("a|b", "c") and ("a", "b|c") never share an id."""
    encoded = json.dumps(list(parts), ensure_ascii=False, separators=(",", ":"))
    return f"{prefix}_{hashlib.sha256(encoded.encode()).hexdigest()[:20]}"
