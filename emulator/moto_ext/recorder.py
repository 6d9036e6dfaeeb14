"""The call log (every signed AWS call: service, action, signing key and principal, status, SDK attempt) and the
invocation log (every function run by the Lambda bridge), which the harness reads back under /_harness/."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs

from moto_ext.aliases import JsonDict
from moto_ext.state import STATE

# A fleet of 200 rotations makes some 8,000 calls.
MAX_LOG_ENTRIES = 50_000
SDK_ATTEMPT = re.compile(r"attempt=(\d+)")


@dataclass
class AwsCall:
    service: str | None
    action: str | None
    access_key_id: str | None
    json_protocol: bool


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


def record_call(entry: JsonDict) -> None:
    with STATE.lock:
        STATE.call_seq += 1
        entry["seq"] = STATE.call_seq
        STATE.calls.append(entry)
        del STATE.calls[:-MAX_LOG_ENTRIES]


def record_invocation(entry: JsonDict) -> None:
    with STATE.lock:
        STATE.invocations.append(entry)
        del STATE.invocations[:-MAX_LOG_ENTRIES]
