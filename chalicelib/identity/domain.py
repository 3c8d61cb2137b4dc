"""Identity's plain values that other areas' rules may use (no storage behind them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class StoreStaff:
    user_id: str
    shifts: dict[str, Any] | None
    display_name: str | None = None
