"""Write handlers (filled in below)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

HANDLERS: dict[str, Callable[[Any, Any], Any]] = {}
