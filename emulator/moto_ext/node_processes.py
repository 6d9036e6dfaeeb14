"""The Node processes that run functions (runner.js): a new one per invocation, or warm ones serving invocations one
after another (--reuse-function-processes). Every child is tracked so the emulator kills them when it stops."""

from __future__ import annotations

import json
import queue
import subprocess
import threading
import time
from dataclasses import dataclass

RESULT_MARKER = "__HARNESS_RESULT__ "
# A warm function process nobody invoked for this long is stopped (Lambda also reclaims idle environments).
WARM_PROCESS_IDLE_SECONDS = 60

CHILDREN: set[subprocess.Popen[bytes]] = set()
CHILDREN_LOCK = threading.Lock()


def run_node(args: list[str], event_json: str, env: dict[str, str], timeout: float) -> tuple[str, str, bool]:
    """Runs node; returns (stdout, stderr, timed_out). The child is killed at the timeout."""
    proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    with CHILDREN_LOCK:
        CHILDREN.add(proc)
    try:
        out, err = proc.communicate(event_json.encode(), timeout=timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        timed_out = True
    finally:
        with CHILDREN_LOCK:
            CHILDREN.discard(proc)
    return out.decode(errors="replace"), err.decode(errors="replace"), timed_out


@dataclass
class WarmProcess:
    """A Node process serving invocations one after another (runner.js --serve): an execution environment."""

    proc: subprocess.Popen[bytes]
    key: tuple[str, ...]
    lines: queue.Queue[str | None]
    idle_since: float = 0.0

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=5)  # reaped, so its pid is free again
        with CHILDREN_LOCK:
            CHILDREN.discard(self.proc)


class WarmProcesses:
    """Idle warm processes by function, code and environment; a changed environment (credentials, the tests' extra
    variables, a moved clock) gets a new process, as a changed Lambda configuration gets new environments."""

    def __init__(self) -> None:
        self.idle: dict[tuple[str, ...], list[WarmProcess]] = {}
        self.lock = threading.Lock()

    def take(self, key: tuple[str, ...]) -> WarmProcess | None:
        now = time.time()
        stale: list[WarmProcess] = []
        with self.lock:
            for idle_key, processes in list(self.idle.items()):
                fresh = [p for p in processes if now - p.idle_since < WARM_PROCESS_IDLE_SECONDS and p.proc.poll() is None]
                stale += [p for p in processes if p not in fresh]
                if fresh:
                    self.idle[idle_key] = fresh
                else:
                    del self.idle[idle_key]
            found = self.idle.get(key, []).pop() if self.idle.get(key) else None
        for process in stale:
            process.stop()
        return found

    def give_back(self, process: WarmProcess) -> None:
        process.idle_since = time.time()
        with self.lock:
            self.idle.setdefault(process.key, []).append(process)


WARM = WarmProcesses()


def read_lines(process: WarmProcess) -> None:
    assert process.proc.stdout is not None
    for raw in process.proc.stdout:
        process.lines.put(raw.decode(errors="replace").rstrip("\n"))
    process.lines.put(None)


def start_warm_process(args: list[str], env: dict[str, str], key: tuple[str, ...]) -> WarmProcess:
    # stderr into stdout: one stream keeps the function's lines in the order it wrote them.
    proc = subprocess.Popen([*args[:2], "--serve", *args[2:]], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, env=env)
    with CHILDREN_LOCK:
        CHILDREN.add(proc)
    process = WarmProcess(proc=proc, key=key, lines=queue.Queue())
    threading.Thread(target=read_lines, args=(process,), daemon=True).start()
    return process


def run_warm(args: list[str], event_json: str, env: dict[str, str], timeout: float, deadline_ms: int) -> tuple[str, bool]:
    """One invocation in a warm process (started if none is idle); returns (output, timed_out). A process that timed
    out or died is discarded, as Lambda discards a failed environment."""
    key = (*args, *sorted(f"{k}={v}" for k, v in env.items()))
    process = WARM.take(key)
    request = json.dumps({"event": json.loads(event_json), "deadlineMs": deadline_ms}) + "\n"
    try:
        if process is None:
            raise BrokenPipeError
        assert process.proc.stdin is not None
        process.proc.stdin.write(request.encode())
        process.proc.stdin.flush()
    except (BrokenPipeError, OSError):  # none idle, or the idle one has gone
        if process is not None:
            process.stop()
        process = start_warm_process(args, env, key)
        assert process.proc.stdin is not None
        process.proc.stdin.write(request.encode())
        process.proc.stdin.flush()
    lines: list[str] = []
    ends_at = time.time() + timeout
    while True:
        try:
            line = process.lines.get(timeout=max(0.0, ends_at - time.time()))
        except queue.Empty:
            process.stop()
            return "\n".join(lines), True
        if line is None:
            process.stop()
            return "\n".join(lines), False
        lines.append(line)
        if line.startswith(RESULT_MARKER):
            WARM.give_back(process)
            return "\n".join(lines), False


def kill_children() -> None:
    with CHILDREN_LOCK:
        for proc in list(CHILDREN):
            proc.kill()
