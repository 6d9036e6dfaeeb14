"""Fault injection: the nth matching call fails once, or every nth call of a service (or action) until removed, with
an error in the service's own wire format (JSON or XML)."""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass

from moto_ext.aliases import JsonDict, StartResponse
from moto_ext.recorder import AwsCall
from moto_ext.state import STATE


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


def take_fault(service: str | None, action: str | None) -> Fault | None:
    """Counts a matching call against every fault up to the one that fires, which it returns (dropping a one-off)."""
    with STATE.lock:
        for fault in STATE.faults:
            if fault.matches(service, action):
                fault.seen += 1
                if fault.every is not None and fault.seen % fault.every == 0:
                    fault.fired += 1
                    return fault
                if fault.seen == fault.nth:
                    fault.fired += 1
                    STATE.faults.remove(fault)
                    return fault
    return None


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
