"""What must hold before the emulator starts: moto's exact version and node on PATH. A failed check exits.

Imports no moto module: the version is checked before any module that patches moto is loaded.
"""

from __future__ import annotations

import shutil
import sys
from typing import NoReturn

REQUIRED_MOTO_VERSION = "5.2.1"


def fail(message: str, code: int = 2) -> NoReturn:
    print(f"launcher: {message}", file=sys.stderr, flush=True)
    sys.exit(code)


def check_moto_version() -> None:
    try:
        import moto
    except ImportError:
        fail(f"moto is not installed: pip install 'moto[server]=={REQUIRED_MOTO_VERSION}'")
    if moto.__version__ != REQUIRED_MOTO_VERSION:
        fail(
            f"moto {REQUIRED_MOTO_VERSION} is required (its behaviours are patched here), "
            f"found {moto.__version__}: pip install 'moto[server]=={REQUIRED_MOTO_VERSION}'"
        )


def check_node() -> None:
    if shutil.which("node") is None:
        fail("node is not on PATH (the Lambda bridge runs functions with it)")
