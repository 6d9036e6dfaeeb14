"""MotoLock: one request at a time inside moto."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator


class MotoLock:
    """moto's backends are not thread-safe: two requests writing at once can fail one of them with HTTP 500 after its
    write took effect, and the SDK's retry then meets its own result (terraform's CreatePolicy answered
    EntityAlreadyExists for a policy it had just created). So one request at a time runs inside moto. A request that
    runs a function lets go while the function runs, since the function calls back into moto (RotateSecret's steps)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._local = threading.local()

    def _held_here(self) -> bool:
        return bool(getattr(self._local, "held", False))

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        if self._held_here():
            yield
            return
        self._lock.acquire()
        self._local.held = True
        try:
            yield
        finally:
            self._local.held = False
            self._lock.release()

    @contextlib.contextmanager
    def released(self) -> Iterator[None]:
        if not self._held_here():
            yield
            return
        self._local.held = False
        self._lock.release()
        try:
            yield
        finally:
            self._lock.acquire()
            self._local.held = True


MOTO = MotoLock()
