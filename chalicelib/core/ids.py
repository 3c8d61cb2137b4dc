"""Identifiers and secrets."""

from __future__ import annotations

import secrets


def new_id(prefix: str) -> str:
    """Short, unguessable, URL-safe ids such as `u_3f9c1a7b2d4e6f80`."""
    return f"{prefix}_{secrets.token_hex(8)}"


def new_token() -> str:
    return secrets.token_urlsafe(32)
