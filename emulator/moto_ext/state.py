"""What request threads and control calls share: the harness settings and logs, under one lock."""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from moto_ext.aliases import JsonDict

if TYPE_CHECKING:
    from moto_ext.faults import Fault


@dataclass
class HarnessState:
    endpoint: str = ""
    region: str = "us-east-1"
    function_env: dict[str, str] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    calls: list[JsonDict] = field(default_factory=list)
    invocations: list[JsonDict] = field(default_factory=list)
    call_seq: int = 0
    principals: dict[str, str] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)
    reuse_function_processes: bool = False
    # Invocations running at once; more wait for a slot (--max-concurrent-invocations, 0: no limit).
    invocation_slots: Any = field(default_factory=contextlib.nullcontext)


STATE = HarnessState()
