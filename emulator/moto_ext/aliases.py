"""Type aliases the modules share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

JsonDict = dict[str, Any]
StartResponse = Callable[..., Any]
