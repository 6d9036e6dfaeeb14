#!/usr/bin/env python3
"""Local AWS for the tests: moto 5.2.1 in-process, plus what moto lacks for rotation tests.

The demo, the CLI and the tests run it; never a real account. Adds to moto:
- a Lambda bridge that runs nodejs* functions in a Node child process (no docker here);
- RotateSecret fixes: a failed step fails the call and moves no label; a secret without versions
  gets its AWSPENDING version registered first (as AWS does);
- key CreateDate in whole seconds, as AWS gives it;
- IAM policies evaluated with NotResource and the `?` wildcard, as IAM does;
- fault injection (the nth matching call once, or every nth call of a service until removed, e.g. throttling) and a
  call log with the SDK's attempt number (a WSGI middleware), and a small JSON control API under /_harness/;
- optionally (--reuse-function-processes) warm function processes, as Lambda keeps execution environments: one Node
  process serves one invocation at a time and then the next, with the same function, code and environment;
  --max-concurrent-invocations queues invocations beyond that many (a fleet of rotations on a small machine);
- moto's choice of service per host name remembered (moto works it out again for every call, under one lock);
- the operations paths (issue 8):
  - a moved clock: HARNESS_CLOCK_OFFSET_MS in the function's environment (PUT /_harness/function-env) shifts
    Date.now() and `new Date()` inside the function process (runner.js); the SDK signs with that clock too, which
    moto accepts (it recomputes the signature from the request's own X-Amz-Date and checks no skew), and the SDK
    moves its own clock back to the server's after the first response (its clock-skew correction);
  - EventBridge rules with an SNS topic as target: moto raises NotImplementedError; here the (transformed) event is
    published to the topic through moto's SNS backend, so SNS subscriptions (SQS queues) receive it;
  - a failed rotation puts Secrets Manager's RotationFailed service event on the default event bus, shaped as AWS
    delivers it via CloudTrail (detail.additionalEventData.SecretId = the secret's ARN), so the stack's rule fires;
  - the function's log lines (stdout, then stderr) go to CloudWatch Logs, log group /aws/lambda/<function name>, one
    stream per invocation as Lambda names them (`YYYY/MM/DD/[$LATEST]<id>`), one event per non-empty line; moto's
    FilterLogEvents matches a quoted term ("<text>") as a substring, an unquoted term by its space-separated words,
    and ignores any other pattern (JSON patterns such as { $.version = "x" } match every event).

Prints `EMULATOR_READY <url>` once serving. Stops on SIGTERM/SIGINT, when stdin closes (the parent
died) or after --max-seconds.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import io
import json
import logging
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any, TypeVar
from urllib.parse import parse_qs

REQUIRED_MOTO_VERSION = "5.2.1"
CONTROL_PREFIX = "/_harness/"
ADMIN_USER = "harness-admin"
RESULT_MARKER = "__HARNESS_RESULT__ "
RUNNER_JS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "runner.js")
# Refresh assumed-role credentials well before moto's default one-hour expiry.
ROLE_CREDENTIALS_TTL_SECONDS = 900
# A fleet of 200 rotations makes some 8,000 calls.
MAX_LOG_ENTRIES = 50_000
# A warm function process nobody invoked for this long is stopped (Lambda also reclaims idle environments).
WARM_PROCESS_IDLE_SECONDS = 60
SDK_ATTEMPT = re.compile(r"attempt=(\d+)")


def fail(message: str, code: int = 2) -> None:
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


check_moto_version()

from moto.awslambda.models import LambdaFunction  # noqa: E402
from moto.core import DEFAULT_ACCOUNT_ID  # noqa: E402
from moto.events.models import Rule as EventRule  # noqa: E402
from moto.events.models import events_backends  # noqa: E402
from moto.events.utils import EventTemplateParser  # noqa: E402
from moto.sns.models import sns_backends  # noqa: E402
from moto.core.authorization import ActionAuthenticatorMixin  # noqa: E402
from moto.iam.models import AccessKey, iam_backends  # noqa: E402
from moto import backends as moto_backends  # noqa: E402
from moto.moto_server.threaded_moto_server import ThreadedMotoServer  # noqa: E402
from moto.moto_server.werkzeug_app import (  # noqa: E402
    DomainDispatcherApplication,
    create_backend_app,
)
from moto.secretsmanager.exceptions import InvalidRequestException  # noqa: E402
from moto.core.responses import ActionResult  # noqa: E402
from moto.iam.access_control import (  # noqa: E402
    AssumedRoleAccessKey,
    CreateAccessKeyFailure,
    IAMPolicy,
    IAMPolicyStatement,
    IAMRequestBase,
    IAMUserAccessKey,
    PermissionResult,
)
from moto.iam.responses import IamResponse  # noqa: E402
from moto.iam.utils import format_incoming_conditional_values  # noqa: E402
from moto.sts.responses import TokenResponse  # noqa: E402
from moto.secretsmanager.models import FakeSecret, SecretsManagerBackend  # noqa: E402
from moto.secretsmanager.responses import SecretsManagerResponse  # noqa: E402
from moto.sns.responses import SNSResponse  # noqa: E402
from moto.sts.models import sts_backends  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from moto import settings  # noqa: E402

JsonDict = dict[str, Any]
StartResponse = Callable[..., Any]


# ---------------------------------------------------------------------------------------------
# Shared state (read and written by request threads and control calls)
# ---------------------------------------------------------------------------------------------


@dataclass
class Fault:
    """Fails the nth matching call once (then it is dropped), or every `every`th one until it is removed."""

    id: str
    service: str
    # None: any action of the service (periodic faults only).
    action: str | None
    nth: int | None
    every: int | None
    code: str
    message: str
    status: int
    seen: int = 0
    fired: int = 0

    def matches(self, service: str | None, action: str | None) -> bool:
        return self.service == service and (self.action is None or self.action == action)


@dataclass
class HarnessState:
    endpoint: str = ""
    region: str = "us-east-1"
    function_env: dict[str, str] = field(default_factory=dict)
    # "role": temporary credentials of the function's role; "admin": the harness admin key.
    faults: list[Fault] = field(default_factory=list)
    calls: list[JsonDict] = field(default_factory=list)
    invocations: list[JsonDict] = field(default_factory=list)
    call_seq: int = 0
    principals: dict[str, str] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)
    reuse_function_processes: bool = False
    # Invocations running at once; more wait for a slot (--max-concurrent-invocations, 0: no limit).
    invocation_slots: Any = field(default_factory=contextlib.nullcontext)

    def take_fault(self, service: str | None, action: str | None) -> Fault | None:
        """Counts a matching call against every fault up to the one that fires, which it returns (dropping a one-off)."""
        with self.lock:
            for fault in self.faults:
                if fault.matches(service, action):
                    fault.seen += 1
                    if fault.every is not None and fault.seen % fault.every == 0:
                        fault.fired += 1
                        return fault
                    if fault.seen == fault.nth:
                        fault.fired += 1
                        self.faults.remove(fault)
                        return fault
        return None

    def record_call(self, entry: JsonDict) -> None:
        with self.lock:
            self.call_seq += 1
            entry["seq"] = self.call_seq
            self.calls.append(entry)
            del self.calls[:-MAX_LOG_ENTRIES]

    def record_invocation(self, entry: JsonDict) -> None:
        with self.lock:
            self.invocations.append(entry)
            del self.invocations[:-MAX_LOG_ENTRIES]


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


STATE = HarnessState()
MOTO = MotoLock()
CHILDREN: set[subprocess.Popen[bytes]] = set()
CHILDREN_LOCK = threading.Lock()


# ---------------------------------------------------------------------------------------------
# Identities: the admin user, and who signed a request
# ---------------------------------------------------------------------------------------------


def iam_backend() -> Any:
    return iam_backends[DEFAULT_ACCOUNT_ID]["aws"]


def sts_backend() -> Any:
    return sts_backends[DEFAULT_ACCOUNT_ID]["aws"]


def ensure_admin() -> JsonDict:
    """Creates (once, or again after a moto reset) a user allowed *:* with one access key."""
    iam = iam_backend()
    with STATE.lock:
        if ADMIN_USER not in iam.users:
            iam.create_user(STATE.region, ADMIN_USER)
            policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
            iam.put_user_policy(ADMIN_USER, "allow-all", json.dumps(policy))
            iam.create_access_key(ADMIN_USER)
        user = iam.get_user(ADMIN_USER)
        key = user.access_keys[0]
        return {
            "accessKeyId": key.access_key_id,
            "secretAccessKey": key.secret_access_key,
            "arn": user.arn,
        }


def principal_of(access_key_id: str) -> str | None:
    """The ARN that owns an access key (cached: key ids are never reused). Reads moto: call it under MOTO.held()."""
    cached = STATE.principals.get(access_key_id)
    if cached:
        return cached
    found: str | None = None
    for user in iam_backend().users.values():
        if any(k.access_key_id == access_key_id for k in user.access_keys):
            found = user.arn
            break
    if found is None:
        for role in sts_backend().assumed_roles:
            if role.access_key_id == access_key_id:
                found = role.arn
                break
    if found:
        STATE.principals[access_key_id] = found
    return found


_role_credentials: dict[str, tuple[float, JsonDict]] = {}


def role_credentials(role_arn: str, function_name: str) -> JsonDict:
    """Temporary credentials of the function's role, as Lambda gives them (cached per role)."""
    with STATE.lock:
        cached = _role_credentials.get(role_arn)
        # A moto reset (POST /moto-api/reset) forgets assumed roles: check the key still exists.
        if cached and cached[0] > time.time() and any(
            r.access_key_id == cached[1]["accessKeyId"] for r in list(sts_backend().assumed_roles)
        ):
            return cached[1]
        assumed = sts_backend().assume_role(
            region_name=STATE.region,
            role_session_name=function_name[:64],
            role_arn=role_arn,
            policy="",
            duration=3600,
            external_id="",
        )
        creds = {
            "accessKeyId": assumed.access_key_id,
            "secretAccessKey": assumed.secret_access_key,
            "sessionToken": assumed.session_token,
        }
        _role_credentials[role_arn] = (time.time() + ROLE_CREDENTIALS_TTL_SECONDS, creds)
        return creds


def enable_iam_auth() -> JsonDict:
    admin = ensure_admin()
    settings.INITIAL_NO_AUTH_ACTION_COUNT = 0  # what POST /moto-api/reset-auth with body 0 does
    ActionAuthenticatorMixin.request_count = 0
    return admin


# ---------------------------------------------------------------------------------------------
# Lambda bridge: nodejs* functions run in a Node child process
# ---------------------------------------------------------------------------------------------

_code_dirs: dict[str, str] = {}
_code_lock = threading.Lock()
_original_invoke_lambda = LambdaFunction._invoke_lambda
_original_function_invoke = LambdaFunction.invoke


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

    STATE.record_invocation({
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


# ---------------------------------------------------------------------------------------------
# RotateSecret: fail on a failed step, never move labels itself, bootstrap secrets without versions
# ---------------------------------------------------------------------------------------------


class RotationStepFailed(Exception):
    def __init__(self, step: str, payload: str):
        super().__init__(step)
        self.step = step
        self.payload = payload


_rotation = threading.local()


def sync_default_version(secret: FakeSecret) -> str | None:
    """moto answers GetSecretValue without a stage from default_version_id; keep it on AWSCURRENT.
    Returns the AWSCURRENT version id, if any."""
    current = [vid for vid, v in secret.versions.items() if "AWSCURRENT" in v["version_stages"]]
    secret.default_version_id = current[0] if current else None
    return secret.default_version_id


def step_failure_message(failure: RotationStepFailed) -> str:
    try:
        error = json.loads(failure.payload)
        detail = f"{error.get('errorType')}: {error.get('errorMessage')}"
    except (ValueError, AttributeError):
        detail = failure.payload
    return f"Rotation failed: step {failure.step} failed: {detail}"


ROTATION_RULE_KEYS = ("AutomaticallyAfterDays", "Duration", "ScheduleExpression")


def run_rotation_steps(backend: Any, secret: FakeSecret, token: str) -> None:
    """Invokes the four steps as Secrets Manager does; a failed step raises RotationStepFailed."""
    from moto.awslambda.utils import get_backend

    lambda_backend = get_backend(backend.account_id, backend.region_name)
    for step in ("createSecret", "setSecret", "testSecret", "finishSecret"):
        body = json.dumps({"Step": step, "SecretId": secret.arn, "ClientRequestToken": token})
        lambda_backend.invoke(secret.rotation_lambda_arn, qualifier=None, body=body, headers={}, response_headers={})


def put_rotation_failed_event(backend: Any, secret: FakeSecret) -> None:
    """Secrets Manager's RotationFailed service event, as EventBridge receives it via CloudTrail."""
    now = time.time()
    detail = {
        "eventVersion": "1.08",
        "userIdentity": {"accountId": backend.account_id, "invokedBy": "secretsmanager.amazonaws.com"},
        "eventTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)),
        "eventSource": "secretsmanager.amazonaws.com",
        "eventName": "RotationFailed",
        "awsRegion": backend.region_name,
        "sourceIPAddress": "secretsmanager.amazonaws.com",
        "userAgent": "secretsmanager.amazonaws.com",
        "requestParameters": None,
        "responseElements": None,
        "additionalEventData": {"SecretId": secret.arn},
        "requestID": str(uuid.uuid4()),
        "eventID": str(uuid.uuid4()),
        "readOnly": False,
        "eventType": "AwsServiceEvent",
        "managementEvent": True,
        "recipientAccountId": backend.account_id,
        "eventCategory": "Management",
    }
    try:
        events_backends[backend.account_id][backend.region_name].put_events([{
            "Source": "aws.secretsmanager",
            "DetailType": "AWS Service Event via CloudTrail",
            "Detail": json.dumps(detail),
            "Resources": [],
            "Time": now,
        }])
    except Exception as error:  # noqa: BLE001 - a missing notification must not change RotateSecret's answer
        print(f"launcher: could not put the RotationFailed event: {error!r}", file=sys.stderr, flush=True)


def resume_rotation(backend: Any, secret: FakeSecret, token: str) -> JsonDict:
    _rotation.active = True
    _rotation.secret = secret
    try:
        run_rotation_steps(backend, secret, token)
    except RotationStepFailed as failure:
        put_rotation_failed_event(backend, secret)
        raise InvalidRequestException(step_failure_message(failure)) from None
    finally:
        _rotation.active = False
        _rotation.secret = None
        sync_default_version(secret)
    secret.last_rotation_date = int(time.time())
    return secret.to_short_dict()


def install_rotation_patches() -> None:
    original_rotate = SecretsManagerBackend.rotate_secret
    original_update_stage = SecretsManagerBackend.update_secret_version_stage

    def function_invoke(self: Any, body: Any, request_headers: Any, response_headers: Any) -> Any:
        secret = getattr(_rotation, "secret", None)
        if getattr(_rotation, "active", False) and secret is not None and isinstance(body, str):
            event = json.loads(body)
            if event.get("SecretId") == secret.name:
                # Secrets Manager sends the secret's ARN (moto its name); the function checks it against its own.
                body = json.dumps({**event, "SecretId": secret.arn})
        payload = _original_function_invoke(self, body, request_headers, response_headers)
        if getattr(_rotation, "active", False) and response_headers.get("x-amz-function-error"):
            step = json.loads(body).get("Step", "?") if isinstance(body, str) else "?"
            text = payload.decode() if isinstance(payload, bytes) else str(payload)
            raise RotationStepFailed(step, text)
        return payload

    def rotate_secret(self: Any, secret_id: str, client_request_token: str | None = None,
                      rotation_lambda_arn: str | None = None, rotation_rules: dict[str, Any] | None = None,
                      rotate_immediately: bool = True) -> str:
        secret = self.secrets[secret_id] if self._is_valid_identifier(secret_id) else None
        if secret is not None and not secret.is_deleted():
            versions = secret.versions
            secret.rotation_lambda_arn = rotation_lambda_arn or secret.rotation_lambda_arn
            if client_request_token and client_request_token in versions and secret.rotation_lambda_arn:
                # A retry of a rotation that already has its version: AWS re-runs the steps on it (each is
                # idempotent); moto would replace the version and lose the value createSecret stored.
                return resume_rotation(self, secret, client_request_token)
            pending = next((vid for vid, v in versions.items() if "AWSPENDING" in v["version_stages"]), None)
            if pending is not None and "AWSCURRENT" not in versions[pending]["version_stages"]:
                raise InvalidRequestException(
                    "A previous rotation isn't complete. That rotation will be reattempted. "
                    f"(harness: retry it with ClientRequestToken={pending})")
            if pending is not None:
                # AWSPENDING left on the current version means the last rotation finished (AWS's rule; moto
                # has it the other way round and would refuse the new rotation).
                versions[pending]["version_stages"].remove("AWSPENDING")
        if secret is not None:
            # AWS reuses the configured function when the call names none; moto would clear it and
            # then promote the empty pending version to AWSCURRENT itself.
            rotation_lambda_arn = rotation_lambda_arn or secret.rotation_lambda_arn or None
            if not secret.versions and rotation_lambda_arn and not secret.is_deleted():
                client_request_token = client_request_token or str(uuid.uuid4())
                self._client_request_token_validator(client_request_token)
                secret.versions[client_request_token] = {
                    "createdate": int(time.time()),
                    "version_id": client_request_token,
                    "version_stages": ["AWSPENDING"],
                }
        if secret is not None and rotation_rules:
            # moto keeps only AutomaticallyAfterDays: a Duration or ScheduleExpression set by Terraform would
            # read back as missing and every plan would show a change.
            secret.harness_rotation_rules = {key: rotation_rules[key] for key in ROTATION_RULE_KEYS if key in rotation_rules}
        _rotation.active = True
        _rotation.secret = secret
        try:
            return original_rotate(self, secret_id, client_request_token, rotation_lambda_arn,
                                   rotation_rules, rotate_immediately)
        except RotationStepFailed as failure:
            if secret is not None:
                put_rotation_failed_event(self, secret)
            raise InvalidRequestException(step_failure_message(failure)) from None
        finally:
            _rotation.active = False
            _rotation.secret = None
            if secret is not None:
                sync_default_version(secret)  # undoes moto's own move of the default version
                if "ScheduleExpression" in getattr(secret, "harness_rotation_rules", {}):
                    secret.rotation_enabled = True

    def update_secret_version_stage(self: Any, secret_id: str, version_stage: str,
                                    remove_from_version_id: str, move_to_version_id: str) -> tuple[str, str]:
        secret = self.secrets[secret_id] if self._is_valid_identifier(secret_id) else None
        if (secret is not None and version_stage == "AWSCURRENT" and not remove_from_version_id
                and move_to_version_id in secret.versions and sync_default_version(secret) is None):
            # First AWSCURRENT of a bootstrapped secret: AWS allows it; moto fails with an IndexError.
            secret.versions[move_to_version_id]["version_stages"].append("AWSCURRENT")
            sync_default_version(secret)
            return secret.arn, secret.name
        result = original_update_stage(self, secret_id, version_stage, remove_from_version_id, move_to_version_id)
        if version_stage == "AWSCURRENT":
            sync_default_version(self.secrets[secret_id])
        return result

    original_to_dict = FakeSecret.to_dict

    def secret_to_dict(self: Any) -> JsonDict:
        described = original_to_dict(self)
        rules = getattr(self, "harness_rotation_rules", None)
        if "RotationRules" in described and rules:
            described["RotationRules"] = dict(rules)
        return described

    original_access_key_init = AccessKey.__init__

    def access_key_init(self: Any, *args: Any, **kwargs: Any) -> None:
        original_access_key_init(self, *args, **kwargs)
        # AWS reports a key's CreateDate in whole seconds (moto in microseconds).
        self.create_date = self.create_date.replace(microsecond=0)

    FakeSecret.to_dict = secret_to_dict  # type: ignore[method-assign]
    AccessKey.__init__ = access_key_init  # type: ignore[method-assign]
    LambdaFunction.invoke = function_invoke  # type: ignore[method-assign]
    SecretsManagerBackend.rotate_secret = rotate_secret  # type: ignore[method-assign]
    SecretsManagerBackend.update_secret_version_stage = update_secret_version_stage  # type: ignore[method-assign]


# ---------------------------------------------------------------------------------------------
# EventBridge: SNS topics as rule targets
# ---------------------------------------------------------------------------------------------

_event_targets_lock = threading.Lock()


def publish_event_to_topic(target: JsonDict, original_event: JsonDict) -> None:
    """Publishes the event, transformed as the target says, as EventBridge does: `time` as ISO 8601 text, a template
    that makes a JSON string sends that text, anything else its JSON."""
    event = copy_event(original_event)
    if isinstance(event.get("time"), (int, float)):
        event["time"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(float(event["time"])))
    if "Input" in target:
        message: Any = json.loads(target["Input"])
    elif "InputTransformer" in target:
        transformer = target["InputTransformer"]
        message = EventTemplateParser.parse(input_template=transformer.get("InputTemplate"),
                                            input_paths_map=transformer.get("InputPathsMap", {}), event=event)
    else:
        message = event
    text = message if isinstance(message, str) else json.dumps(message)
    topic_arn = str(target["Arn"])
    _, _, _, region, account, _ = topic_arn.split(":", 5)
    sns_backends[account][region].publish(message=text, arn=topic_arn)


def copy_event(event: JsonDict) -> JsonDict:
    return json.loads(json.dumps(event, default=str))


def install_event_targets() -> None:
    """moto 5.2.1's EventBridge raises NotImplementedError for an SNS target: publish through moto's SNS backend. It
    also offers every event to scheduled rules (no pattern matches everything) and then fails on their Lambda target;
    in AWS a scheduled rule never matches an event, so those are skipped."""
    original_send = EventRule.send_to_targets

    def send_to_targets(self: Any, original_event: Any, transform_input: bool = True) -> None:
        if getattr(self, "scheduled_expression", None):
            return
        topics = [t for t in self.targets if str(t.get("Arn", "")).split(":")[2:3] == ["sns"]]
        if not topics:
            original_send(self, original_event, transform_input)
            return
        if not self.event_pattern.matches_event(original_event):
            return
        for target in topics:
            publish_event_to_topic(target, original_event)
        others = [t for t in self.targets if t not in topics]
        if others:
            with _event_targets_lock:  # moto reads self.targets; hand it the other targets for this one call
                all_targets = self.targets
                self.targets = others
                try:
                    original_send(self, original_event, transform_input)
                finally:
                    self.targets = all_targets

    EventRule.send_to_targets = send_to_targets  # type: ignore[method-assign]


# ---------------------------------------------------------------------------------------------
# Gaps Terraform's AWS provider runs into
# ---------------------------------------------------------------------------------------------


def install_provider_compatibility() -> None:
    """Fills the gaps between moto 5.2.1 and what terraform-provider-aws 5.100.0 sends."""
    original_create_request = IAMRequestBase._create_aws_request

    def create_aws_request(self: Any) -> Any:
        request = original_create_request(self)
        if not self._body and self._method in ("GET", "HEAD", "DELETE"):
            # moto signs a body-less request (Lambda's GetFunction) over its parsed parameters instead of the
            # empty payload; SDKs that send no x-amz-content-sha256 (Go's, so Terraform) then never match.
            request.data = b""
        return request

    def list_service_specific_credentials(self: Any) -> ActionResult:
        # Not implemented by moto; aws_iam_user's force_destroy lists them and retries for minutes on the error.
        # No service-specific credentials are ever created here, so the answer is always empty.
        return ActionResult({"ServiceSpecificCredentials": []})

    IAMRequestBase._create_aws_request = create_aws_request  # type: ignore[method-assign]
    IamResponse.list_service_specific_credentials = list_service_specific_credentials  # type: ignore[attr-defined]


def install_dispatch_cache() -> None:
    """moto picks the service of every request under one lock, listing its own package folder (180 stat calls) and
    trying its URL patterns each time: a few milliseconds per call, all requests in single file. The answers depend on
    the host name only, so remember them."""
    modules = tuple(moto_backends.list_of_moto_modules())
    moto_backends.list_of_moto_modules = lambda: modules  # type: ignore[assignment]
    original = DomainDispatcherApplication.get_backend_for_host
    known: dict[str | None, Any] = {}

    def get_backend_for_host(self: Any, host: str | None) -> Any:
        if host not in known:
            known[host] = original(self, host)
        return known[host]

    DomainDispatcherApplication.get_backend_for_host = get_backend_for_host  # type: ignore[method-assign]


# ---------------------------------------------------------------------------------------------
# Authorization: check policies against the real resource ARN
# ---------------------------------------------------------------------------------------------


def install_resource_authorization() -> None:
    """moto authorizes most actions against Resource "*", so an Allow on a secret, user or topic ARN never
    matches and a least-privilege policy denies everything. Name the resource the way AWS does. Also
    reject Inactive keys, as AWS does."""
    original_iam_resource = IamResponse._determine_resource

    def secretsmanager_resource(self: Any) -> str:
        secret_id = self._get_param("SecretId")
        backend = self.backend
        if secret_id and backend._is_valid_identifier(secret_id):
            return str(backend.secrets[secret_id].arn)
        return "*"

    def iam_resource(self: Any) -> str:
        user_name = (self.data.get("UserName") or [None])[0]
        if user_name and user_name in self.backend.users:
            return str(self.backend.users[user_name].arn)
        key_id = (self.data.get("AccessKeyId") or [None])[0]
        if user_name is None and key_id:
            # GetAccessKeyLastUsed names only the key: AWS authorizes it against the user who owns the key.
            owner = next((user for user in list(self.backend.users.values())
                          if any(key.access_key_id == key_id for key in list(user.access_keys))), None)
            if owner is not None:
                return str(owner.arn)
        if user_name:
            # A user that does not exist: IAM authorizes the call against the ARN the name makes (under the path /),
            # and then answers NoSuchEntity; moto would check "*" and answer AccessDenied to a least-privilege role.
            return f"arn:{self.partition}:iam::{self.backend.account_id}:user/{user_name}"
        return str(original_iam_resource(self))

    original_key_init = IAMUserAccessKey.__init__

    def user_access_key_init(self: Any, account_id: str, partition: str, access_key_id: str, headers: dict[str, str]) -> None:
        original_key_init(self, account_id, partition, access_key_id, headers)
        user = self.backend.users[self._owner_user_name]
        if any(key.access_key_id == access_key_id and key.status != "Active" for key in user.access_keys):
            # AWS rejects an Inactive key like an unknown one; moto would let it sign requests.
            raise CreateAccessKeyFailure(reason="InvalidId")

    def sns_resource(self: Any) -> str:
        # Publish, Subscribe, SetTopicAttributes, ...: the topic they act on (a role may publish to one topic only).
        return str(self._get_param("TopicArn") or self._get_param("TargetArn") or "*")

    def sts_resource(self: Any) -> str:
        # AssumeRole: the role assumed (a function may assume its own key roles only).
        return str(self._get_param("RoleArn") or "*")

    SecretsManagerResponse._determine_resource = secretsmanager_resource  # type: ignore[attr-defined]
    TokenResponse._determine_resource = sts_resource  # type: ignore[attr-defined]
    SNSResponse._determine_resource = sns_resource  # type: ignore[attr-defined]
    IamResponse._determine_resource = iam_resource  # type: ignore[method-assign]
    IAMUserAccessKey.__init__ = user_access_key_init  # type: ignore[method-assign]


def install_role_trust_evaluation() -> None:
    """A trust policy that names a role lets that role's sessions assume it, as in AWS; moto compares the policy's
    principal with the session's ARN (arn:...:sts::...:assumed-role/<role>/<session>) and so refuses them."""
    original_check = IAMRequestBase._check_role_trust_relationship

    def check_role_trust_relationship(self: Any, role_arn: str) -> bool:
        if original_check(self, role_arn):
            return True
        key = self._access_key
        if not isinstance(key, AssumedRoleAccessKey):
            return False
        role_principal = f"arn:{key.partition}:iam::{key.account_id}:role/{key._owner_role_name}"
        policy = IAMPolicy(self.backend.get_role_by_arn(role_arn).assume_role_policy_document)
        result = policy.is_action_permitted(self._action, role_arn, role_principal, format_incoming_conditional_values(self._data))
        return bool(result == PermissionResult.PERMITTED)

    IAMRequestBase._check_role_trust_relationship = check_role_trust_relationship  # type: ignore[method-assign]


def install_policy_evaluation() -> None:
    """moto evaluates a statement without NotResource (so a Deny with NotResource allowed everything) and reads a
    pattern as a regular expression (`?` and `.` are not IAM's). Evaluate both as IAM does: `*` any characters, `?`
    one, everything else literal; a NotResource statement applies to every resource it does not name."""
    original_is_action_permitted = IAMPolicyStatement.is_action_permitted

    @functools.lru_cache(maxsize=None)
    def compiled(pattern: str) -> re.Pattern[str]:
        # Cached here: a fleet's policies hold more patterns than the re module's own cache (512).
        return re.compile("".join(".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern),
                          re.DOTALL)

    def glob_match(pattern: str, string: str) -> Any:
        return compiled(pattern).fullmatch(string)

    def is_action_permitted(self: Any, action: str, resource: str = "*", principal: str | None = None,
                            incoming_condition_values: dict[str, str] | None = None) -> Any:
        if "NotResource" not in self._statement:
            return original_is_action_permitted(self, action, resource, principal, incoming_condition_values)
        if self._check_element_matches("NotResource", resource):
            return PermissionResult.NEUTRAL
        statement = {key: value for key, value in self._statement.items() if key != "NotResource"}
        return original_is_action_permitted(IAMPolicyStatement({**statement, "Resource": "*"}), action, resource,
                                            principal, incoming_condition_values)

    IAMPolicyStatement._match = staticmethod(glob_match)  # type: ignore[method-assign]
    IAMPolicyStatement.is_action_permitted = is_action_permitted  # type: ignore[method-assign]


# ---------------------------------------------------------------------------------------------
# WSGI middleware: control API, call log, fault injection
# ---------------------------------------------------------------------------------------------


@dataclass
class AwsCall:
    service: str | None
    action: str | None
    access_key_id: str | None
    json_protocol: bool


def read_body(environ: JsonDict) -> bytes:
    """Reads the request body and puts it back for moto."""
    length = environ.get("CONTENT_LENGTH")
    stream = environ["wsgi.input"]
    if length:
        body = stream.read(int(length))
    elif environ.get("wsgi.input_terminated"):
        body = stream.read()
    else:
        body = b""
    environ["wsgi.input"] = io.BytesIO(body)
    if length or body:  # a header the client did not send would change the signature moto recomputes
        environ["CONTENT_LENGTH"] = str(len(body))
    return body


def identify_call(environ: JsonDict, body: bytes) -> AwsCall:
    auth = environ.get("HTTP_AUTHORIZATION", "")
    scope = auth.partition("Credential=")[2].partition(",")[0].split("/")
    access_key_id = scope[0] if len(scope) >= 5 else None
    service = scope[3] if len(scope) >= 5 else None

    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return AwsCall(service, target.rpartition(".")[2], access_key_id, True)
    params = parse_qs(environ.get("QUERY_STRING", ""))
    if "x-www-form-urlencoded" in environ.get("CONTENT_TYPE", ""):
        params.update(parse_qs(body.decode(errors="replace")))
    if "Action" in params:
        return AwsCall(service, params["Action"][0], access_key_id, False)
    # REST protocols (Lambda, ...): no action name on the wire; log the route instead.
    return AwsCall(service, f"{environ.get('REQUEST_METHOD')} {environ.get('PATH_INFO')}", access_key_id, True)


def sdk_attempt(environ: JsonDict) -> int | None:
    match = SDK_ATTEMPT.search(environ.get("HTTP_AMZ_SDK_REQUEST", ""))
    return int(match.group(1)) if match else None


def fault_response(call: AwsCall, fault: Fault, start_response: StartResponse) -> list[bytes]:
    request_id = str(uuid.uuid4())
    status = f"{fault.status} Injected"
    if call.json_protocol:
        body = json.dumps({"__type": fault.code, "message": fault.message}).encode()
        headers = [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-ErrorType", fault.code),
                   ("x-amzn-RequestId", request_id)]
    else:
        kind = "Receiver" if fault.status >= 500 else "Sender"
        body = (
            f"<ErrorResponse><Error><Type>{kind}</Type><Code>{xml_escape(fault.code)}</Code>"
            f"<Message>{xml_escape(fault.message)}</Message></Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        ).encode()
        headers = [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)]
    headers.append(("Content-Length", str(len(body))))
    start_response(status, headers)
    return [body]


def xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def json_response(start_response: StartResponse, status: int, payload: Any) -> list[bytes]:
    body = json.dumps(payload).encode()
    start_response(f"{status} {'OK' if status < 400 else 'Error'}",
                   [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def add_fault(spec: JsonDict) -> JsonDict:
    periodic = spec.get("every") is not None
    required = ("service", "code") if periodic else ("service", "action", "code")
    missing = [k for k in required if not spec.get(k)]
    if missing:
        raise ValueError(f"fault needs {', '.join(missing)}")
    if periodic and spec.get("nth") is not None:
        raise ValueError("a fault takes nth (one call) or every (every nth call), not both")
    every = int(spec["every"]) if periodic else None
    nth = None if periodic else int(spec.get("nth", 1))
    for name, value in (("nth", nth), ("every", every)):
        if value is not None and value < 1:
            raise ValueError(f"{name} must be >= 1, got {value}")
    fault = Fault(id=str(uuid.uuid4()), service=str(spec["service"]),
                  action=str(spec["action"]) if spec.get("action") else None, nth=nth, every=every,
                  code=str(spec["code"]), message=str(spec.get("message") or f"Injected {spec['code']}"),
                  status=int(spec.get("status", 400)))
    with STATE.lock:
        STATE.faults.append(fault)
    return asdict(fault)


def remove_fault(fault_id: str) -> JsonDict:
    """Drops one fault and returns it as it ended (`fired`: the calls it failed)."""
    with STATE.lock:
        fault = next((f for f in STATE.faults if f.id == fault_id), None)
        if fault is None:
            raise ValueError(f"no fault {fault_id} (a one-off fault is dropped once it fires)")
        STATE.faults.remove(fault)
        return asdict(fault)


def set_function_env(spec: JsonDict) -> JsonDict:
    env = spec.get("env", {})
    if not isinstance(env, dict):
        raise ValueError("env must be an object of strings")
    with STATE.lock:
        STATE.function_env = {str(k): str(v) for k, v in env.items()}
        return dict(STATE.function_env)


T = TypeVar("T")


def snapshot(items: list[T]) -> list[T]:
    with STATE.lock:
        return list(items)


def clear(items: list[Any]) -> JsonDict:
    with STATE.lock:
        items.clear()
    return {"status": "ok"}


def control(method: str, route: str, body: bytes) -> tuple[int, Any]:
    spec: JsonDict = json.loads(body) if body.strip() else {}
    routes: dict[tuple[str, str], Callable[[], Any]] = {
        ("GET", "health"): lambda: {"endpoint": STATE.endpoint, "region": STATE.region,
                                    "motoVersion": REQUIRED_MOTO_VERSION, "pid": os.getpid()},
        ("POST", "faults"): lambda: add_fault(spec),
        ("GET", "faults"): lambda: [asdict(f) for f in snapshot(STATE.faults)],
        ("DELETE", "faults"): lambda: clear(STATE.faults),
        ("PUT", "function-env"): lambda: set_function_env(spec),
        ("GET", "function-env"): lambda: dict(STATE.function_env),
        ("GET", "calls"): lambda: snapshot(STATE.calls),
        ("DELETE", "calls"): lambda: clear(STATE.calls),
        ("GET", "invocations"): lambda: snapshot(STATE.invocations),
        ("DELETE", "invocations"): lambda: clear(STATE.invocations),
        ("POST", "iam-auth"): enable_iam_auth,
        ("GET", "admin-credentials"): ensure_admin,
        # Harness-only: act as a role (a key role, say) whatever its trust policy, to check what its policies allow.
        ("POST", "role-credentials"): lambda: role_credentials(str(spec["roleArn"]), "harness"),
    }
    handler = routes.get((method, route))
    if handler is None and method == "DELETE" and route.startswith("faults/"):
        handler = lambda: remove_fault(route[len("faults/"):])  # noqa: E731
    if handler is None:
        return 404, {"error": f"no control route {method} {CONTROL_PREFIX}{route}"}
    try:
        return 200, handler()
    except (ValueError, TypeError) as error:
        return 400, {"error": str(error)}


class HarnessMiddleware:
    def __init__(self, app: Callable[..., Iterable[bytes]]):
        self.app = app

    def __call__(self, environ: JsonDict, start_response: StartResponse) -> Iterable[bytes]:
        path: str = environ.get("PATH_INFO", "")
        body = read_body(environ)
        if path.startswith(CONTROL_PREFIX):
            with MOTO.held():
                status, payload = control(environ["REQUEST_METHOD"], path[len(CONTROL_PREFIX):].strip("/"), body)
            return json_response(start_response, status, payload)

        call = identify_call(environ, body)
        if call.service is None:  # unsigned: moto's own API, health checks
            with MOTO.held():
                return self.app(environ, start_response)
        with MOTO.held():
            principal = principal_of(call.access_key_id) if call.access_key_id else None
        entry: JsonDict = {
            "time": time.time(),
            "service": call.service,
            "action": call.action,
            "accessKeyId": call.access_key_id,
            "principal": principal,
            "status": None,
            "injectedFault": False,
            # The SDKs number their tries of one call (header amz-sdk-request: attempt=2; max=3): >1 is a retry.
            "attempt": sdk_attempt(environ),
        }
        STATE.record_call(entry)
        fault = STATE.take_fault(call.service, call.action)
        if fault:
            entry.update(status=fault.status, injectedFault=True, errorCode=fault.code)
            return fault_response(call, fault, start_response)

        response = CapturedResponse()
        with MOTO.held():
            body_iter = self.app(environ, response.start_response)
        entry["status"] = response.status_code
        if call.json_protocol and response.status_code in (401, 403):
            body = b"".join(body_iter)
            if body.lstrip().startswith(b"<"):  # moto's XML auth error (its content type varies)
                return translate_auth_error(body, response, start_response)
            body_iter = [body]
        start_response(response.status, response.headers)
        return body_iter


class CapturedResponse:
    """Holds back start_response so the middleware can still rewrite the response."""

    def __init__(self) -> None:
        self.status = "500 Internal Server Error"
        self.headers: list[tuple[str, str]] = []

    def start_response(self, status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
        self.status, self.headers = status, headers
        return lambda _: None

    @property
    def status_code(self) -> int:
        return int(self.status.split(" ", 1)[0])


# moto answers auth failures in XML whatever the protocol; JSON services answer these codes instead.
JSON_AUTH_ERROR_CODES = {
    "AccessDenied": "AccessDeniedException",
    "InvalidClientTokenId": "UnrecognizedClientException",
    "SignatureDoesNotMatch": "InvalidSignatureException",
}


def translate_auth_error(xml_body: bytes, response: CapturedResponse, start_response: StartResponse) -> list[bytes]:
    text = xml_body.decode(errors="replace")
    code = text.partition("<Code>")[2].partition("</Code>")[0] or "AccessDenied"
    message = text.partition("<Message>")[2].partition("</Message>")[0]
    json_code = JSON_AUTH_ERROR_CODES.get(code, code)
    body = json.dumps({"__type": json_code, "message": message}).encode()
    start_response(response.status, [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-ErrorType", json_code),
                                     ("x-amzn-RequestId", str(uuid.uuid4())), ("Content-Length", str(len(body)))])
    return [body]


# ---------------------------------------------------------------------------------------------
# Server lifecycle
# ---------------------------------------------------------------------------------------------


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


def kill_children() -> None:
    with CHILDREN_LOCK:
        for proc in list(CHILDREN):
            proc.kill()


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--max-seconds", type=float, default=1800, help="hard lifetime limit")
    parser.add_argument("--reuse-function-processes", action="store_true",
                        help="keep each function's Node process warm between invocations, as Lambda does")
    parser.add_argument("--max-concurrent-invocations", type=int, default=0,
                        help="function invocations running at once; more wait for a slot (default: no limit)")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if shutil.which("node") is None:
        fail("node is not on PATH (the Lambda bridge runs functions with it)")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no per-request lines
    STATE.region = args.region
    STATE.reuse_function_processes = args.reuse_function_processes
    if args.max_concurrent_invocations < 0:
        fail(f"--max-concurrent-invocations must be 0 (no limit) or more, got {args.max_concurrent_invocations}")
    if args.max_concurrent_invocations > 0:
        STATE.invocation_slots = threading.BoundedSemaphore(args.max_concurrent_invocations)

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    threading.Thread(target=watch_stdin, args=(stop,), daemon=True).start()

    work_dir = tempfile.mkdtemp(prefix="iam-key-rotation-emulator-")
    install_lambda_bridge(work_dir)
    install_rotation_patches()
    install_resource_authorization()
    install_policy_evaluation()
    install_role_trust_evaluation()
    install_provider_compatibility()
    install_event_targets()
    install_dispatch_cache()
    server = HarnessServer(ip_address="127.0.0.1", port=args.port, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    STATE.endpoint = f"http://{host}:{port}"
    ensure_admin()
    print(f"EMULATOR_READY {STATE.endpoint}", flush=True)
    try:
        if not stop.wait(timeout=args.max_seconds):
            print(f"launcher: max lifetime of {args.max_seconds:g} s reached, stopping", file=sys.stderr, flush=True)
    finally:
        kill_children()
        server.stop()
        shutil.rmtree(work_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    exit_code = main(sys.argv[1:])
    sys.stdout.flush()
    sys.stderr.flush()
    # Skip interpreter finalization: moto's and werkzeug's daemon threads can make it abort.
    os._exit(exit_code)
