"""The Lambda bridge. Replaces how moto runs a function's code (LambdaFunction._invoke_lambda, which needs docker,
absent here): a nodejs* function runs in a Node child process (runner.js) with its handler, its environment, its role's
temporary credentials and the emulator as its endpoint, as Lambda would run it; other runtimes stay with moto. Each
invocation is logged (/_harness/invocations) and its output lines go to CloudWatch Logs, as Lambda's do.

moto's lock is released while the function runs: the function calls back into moto (RotateSecret's steps).
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import threading
import time
import uuid
import zipfile
from typing import Any

from moto.awslambda.models import LambdaFunction

from moto_ext.aliases import JsonDict
from moto_ext.identities import ensure_admin, principal_of, role_credentials
from moto_ext.lock import MOTO
from moto_ext.node_processes import RESULT_MARKER, run_node, run_warm
from moto_ext.recorder import record_invocation
from moto_ext.state import STATE

RUNNER_JS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "runner.js")

_code_dirs: dict[str, str] = {}
_code_lock = threading.Lock()
_original_invoke_lambda = LambdaFunction._invoke_lambda


def code_dir_for(fn: Any, work_dir: str) -> str:
    """Unzips the function code once per digest."""
    with _code_lock:
        cached = _code_dirs.get(fn.code_digest)
        if cached:
            return cached
        target = tempfile.mkdtemp(prefix="code-", dir=work_dir)
        with zipfile.ZipFile(io.BytesIO(fn.code_bytes)) as archive:
            archive.extractall(target)
        _code_dirs[fn.code_digest] = target
        return target


def function_credentials(fn: Any) -> JsonDict:
    """The function's own role, as Lambda gives it: its policy is what the rotation may do."""
    return role_credentials(fn.role, fn.function_name) if fn.role else ensure_admin()


def function_env(fn: Any, code_dir: str) -> dict[str, str]:
    creds = function_credentials(fn)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "TZ": "UTC",
        "HOME": code_dir,
        "LAMBDA_TASK_ROOT": code_dir,
        "_HANDLER": fn.handler,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{fn.run_time}",
        "AWS_LAMBDA_FUNCTION_NAME": fn.function_name,
        "AWS_LAMBDA_FUNCTION_VERSION": str(fn.version),
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(fn.memory_size),
        "AWS_LAMBDA_LOG_GROUP_NAME": fn.logs_group_name,
        "AWS_REGION": fn.region,
        "AWS_DEFAULT_REGION": fn.region,
        "AWS_ACCESS_KEY_ID": creds["accessKeyId"],
        "AWS_SECRET_ACCESS_KEY": creds["secretAccessKey"],
        "HARNESS_FUNCTION_ARN": fn.function_arn,
    }
    if creds.get("sessionToken"):
        env["AWS_SESSION_TOKEN"] = creds["sessionToken"]
    env.update({k: str(v) for k, v in (fn.environment_vars or {}).items()})
    env["AWS_ENDPOINT_URL"] = STATE.endpoint
    with STATE.lock:
        env.update(STATE.function_env)
    return env


def split_result(stdout: str) -> tuple[JsonDict | None, str]:
    """Separates the runner's marked result line from the function's own output."""
    result: JsonDict | None = None
    kept: list[str] = []
    for line in stdout.splitlines():
        if line.startswith(RESULT_MARKER):
            result = json.loads(line[len(RESULT_MARKER) :])
        else:
            kept.append(line)
    return result, "\n".join(kept)


def invoke_node_function(fn: Any, event: Any, work_dir: str) -> tuple[str, bool, str]:
    timeout = float(fn.timeout or 3)
    code_dir = code_dir_for(fn, work_dir)
    module, _, export = fn.handler.rpartition(".")
    args = ["node", RUNNER_JS, code_dir, module, export]
    event_json = json.dumps(event if event is not None else {})
    env = function_env(fn, code_dir)
    with MOTO.released(), STATE.invocation_slots:
        started = time.time()  # the function's timeout runs from when it starts, not from when it was queued
        deadline_ms = int((started + timeout) * 1000)
        if STATE.reuse_function_processes:
            stdout, timed_out = run_warm(args, event_json, env, timeout, deadline_ms)
            stderr = ""
        else:
            stdout, stderr, timed_out = run_node(args, event_json, {**env, "HARNESS_DEADLINE_MS": str(deadline_ms)}, timeout)
        duration_ms = round((time.time() - started) * 1000)
    result, function_stdout = split_result(stdout)
    logs = "\n".join(part for part in (function_stdout, stderr) if part)

    if timed_out:
        outcome: JsonDict = {"ok": False, "error": {"errorType": "Sandbox.Timedout",
                                                   "errorMessage": f"Task timed out after {timeout:.2f} seconds"}}
    elif result is None:
        outcome = {"ok": False, "error": {"errorType": "Runtime.ExitError",
                                          "errorMessage": "the function exited without a result"}}
    else:
        outcome = result
    errored = not outcome["ok"]
    payload = json.dumps(outcome["error"] if errored else outcome.get("result"))

    record_invocation({
        "functionName": fn.function_name,
        "event": event,
        "startedAt": started,
        "durationMs": duration_ms,
        "errored": errored,
        "timedOut": timed_out,
        "payload": payload,
        "logs": logs,
        "credentialsPrincipal": principal_of(env["AWS_ACCESS_KEY_ID"]),
    })
    save_function_logs(fn, started, [line for part in (function_stdout, stderr) for line in part.splitlines()])
    return payload, errored, logs


def save_function_logs(fn: Any, started: float, lines: list[str]) -> None:
    """One stream per invocation, as Lambda names it, with one event per non-empty line (CloudWatch Logs refuses empty
    messages). The lines carry the invocation's start time: the child's output is read once it has exited."""
    date = time.gmtime(started)
    stream = f"{date.tm_year}/{date.tm_mon:02d}/{date.tm_mday:02d}/[{fn.version}]{uuid.uuid4().hex}"
    events = [{"timestamp": int(started * 1000), "message": line} for line in lines if line.strip()]
    fn.logs_backend.ensure_log_group(fn.logs_group_name)
    fn.logs_backend.create_log_stream(fn.logs_group_name, stream)
    if events:
        fn.logs_backend.put_log_events(fn.logs_group_name, stream, events)


def install_lambda_bridge(work_dir: str) -> None:
    def _invoke_lambda(self: Any, event: Any = None) -> tuple[str, bool, str]:
        if str(self.run_time or "").startswith("nodejs"):
            return invoke_node_function(self, event, work_dir)
        return _original_invoke_lambda(self, event)

    LambdaFunction._invoke_lambda = _invoke_lambda  # type: ignore[method-assign]
