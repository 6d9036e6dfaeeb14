"""The JSON control API under /_harness/ that emulator.ts calls: health, faults, the function environment, the call and
invocation logs, IAM signature checks on, admin and role credentials."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import asdict
from typing import Any, TypeVar

from moto_ext.aliases import JsonDict
from moto_ext.faults import add_fault, remove_fault
from moto_ext.identities import enable_iam_auth, ensure_admin, role_credentials
from moto_ext.preflight import REQUIRED_MOTO_VERSION
from moto_ext.state import STATE

CONTROL_PREFIX = "/_harness/"

T = TypeVar("T")


def set_function_env(spec: JsonDict) -> JsonDict:
    env = spec.get("env", {})
    if not isinstance(env, dict):
        raise ValueError("env must be an object of strings")
    with STATE.lock:
        STATE.function_env = {str(k): str(v) for k, v in env.items()}
        return dict(STATE.function_env)


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
