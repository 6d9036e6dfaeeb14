"""The WSGI middleware in front of moto: routes /_harness/ to the control API, logs every signed call, injects faults,
runs one request at a time inside moto (MotoLock), and answers JSON services' auth failures in JSON."""

from __future__ import annotations

import io
import json
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from moto_ext.aliases import JsonDict, StartResponse
from moto_ext.control import CONTROL_PREFIX, control
from moto_ext.faults import fault_response, take_fault
from moto_ext.identities import principal_of
from moto_ext.lock import MOTO
from moto_ext.recorder import identify_call, record_call, sdk_attempt


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


def json_response(start_response: StartResponse, status: int, payload: Any) -> list[bytes]:
    body = json.dumps(payload).encode()
    start_response(f"{status} {'OK' if status < 400 else 'Error'}",
                   [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


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
        record_call(entry)
        fault = take_fault(call.service, call.action)
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
