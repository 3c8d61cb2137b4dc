"""Handlers named by string, imported on first use: the API function never loads consumer code."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def resolve(path: str) -> Callable[..., Any]:
    """'package.module:function' -> the function (Python's module cache makes repeats cheap)."""
    module_name, _, attribute = path.partition(":")
    if not module_name or not attribute:
        raise ValueError(f"handler path {path!r} is not 'package.module:function'")
    handler: Callable[..., Any] = getattr(importlib.import_module(module_name), attribute)
    return handler
