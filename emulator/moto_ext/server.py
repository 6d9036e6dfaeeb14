"""The server's lifecycle: installs the patches, serves moto behind the middleware on 127.0.0.1, prints the ready
line, and stops on SIGTERM/SIGINT, when stdin closes (the parent died) or after its lifetime, killing the function
processes it started."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import sys
import tempfile
import threading

from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import make_server

from moto_ext.identities import ensure_admin
from moto_ext.middleware import HarnessMiddleware
from moto_ext.node_processes import kill_children
from moto_ext.patches import install_patches
from moto_ext.state import STATE

READY_PREFIX = "EMULATOR_READY "


class HarnessServer(ThreadedMotoServer):
    def _server_entry(self) -> None:
        app = HarnessMiddleware(DomainDispatcherApplication(create_backend_app))
        self._server = make_server(self._ip_address, self._port, app, True)
        self._server_ready_event.set()
        self._server.serve_forever()


def watch_stdin(stop: threading.Event) -> None:
    """The parent holds our stdin open; EOF means it has gone, so we go too."""
    try:
        # os.read, not sys.stdin: a thread blocked inside the buffered reader makes shutdown abort.
        while os.read(sys.stdin.fileno(), 4096):
            pass
    except (OSError, ValueError):
        pass
    stop.set()


def serve(port: int, max_seconds: float) -> int:
    """Serves until stopped; STATE's settings (region, function processes, invocation slots) are set before."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no per-request lines
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    threading.Thread(target=watch_stdin, args=(stop,), daemon=True).start()

    work_dir = tempfile.mkdtemp(prefix="iam-key-rotation-emulator-")
    install_patches(work_dir)
    server = HarnessServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    host, bound_port = server.get_host_and_port()
    STATE.endpoint = f"http://{host}:{bound_port}"
    ensure_admin()
    print(f"{READY_PREFIX}{STATE.endpoint}", flush=True)
    try:
        if not stop.wait(timeout=max_seconds):
            print(f"launcher: max lifetime of {max_seconds:g} s reached, stopping", file=sys.stderr, flush=True)
    finally:
        kill_children()
        server.stop()
        shutil.rmtree(work_dir, ignore_errors=True)
    return 0
