"""RotateSecret as Secrets Manager runs it. Corrects moto 5.2.1's SecretsManagerBackend.rotate_secret and the calls
around it (LambdaFunction.invoke during a rotation, update_secret_version_stage, FakeSecret.to_dict):
- a step whose function fails fails the call (InvalidRequestException naming the step) and puts the RotationFailed
  event on the default bus; moto ignores the function's error and runs the next step;
- labels move only when the function moves them (finishSecret): moto points its default version, which GetSecretValue
  without a stage reads, at the new version after the steps; here the default version stays on AWSCURRENT;
- the steps get the secret's ARN as SecretId, as Secrets Manager sends it (moto sends the name);
- a retry naming the token of a rotation that already has its version runs the steps again on it; a rotation still
  pending is refused; AWSPENDING left on the current version means the last rotation finished;
- a call naming no function uses the configured one (moto clears it);
- a secret without versions gets its AWSPENDING version registered first, and UpdateSecretVersionStage can give it
  its first AWSCURRENT (moto fails with an IndexError);
- RotationRules keep Duration and ScheduleExpression (moto keeps only AutomaticallyAfterDays), and a
  ScheduleExpression enables rotation.
The project's rotation function, its retries and the RotationFailed notification are tested against this.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from typing import Any

from moto.awslambda.models import LambdaFunction
from moto.secretsmanager.exceptions import InvalidRequestException
from moto.secretsmanager.models import FakeSecret, SecretsManagerBackend

from moto_ext.aliases import JsonDict
from moto_ext.patches.rotation_failed_event import put_rotation_failed_event

ROTATION_RULE_KEYS = ("AutomaticallyAfterDays", "Duration", "ScheduleExpression")


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


def run_rotation_steps(backend: Any, secret: FakeSecret, token: str) -> None:
    """Invokes the four steps as Secrets Manager does; a failed step raises RotationStepFailed."""
    from moto.awslambda.utils import get_backend

    lambda_backend = get_backend(backend.account_id, backend.region_name)
    for step in ("createSecret", "setSecret", "testSecret", "finishSecret"):
        body = json.dumps({"Step": step, "SecretId": secret.arn, "ClientRequestToken": token})
        lambda_backend.invoke(secret.rotation_lambda_arn, qualifier=None, body=body, headers={}, response_headers={})


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
    original_function_invoke = LambdaFunction.invoke
    original_rotate = SecretsManagerBackend.rotate_secret
    original_update_stage = SecretsManagerBackend.update_secret_version_stage

    def function_invoke(self: Any, body: Any, request_headers: Any, response_headers: Any) -> Any:
        secret = getattr(_rotation, "secret", None)
        if getattr(_rotation, "active", False) and secret is not None and isinstance(body, str):
            event = json.loads(body)
            if event.get("SecretId") == secret.name:
                # Secrets Manager sends the secret's ARN (moto its name); the function checks it against its own.
                body = json.dumps({**event, "SecretId": secret.arn})
        payload = original_function_invoke(self, body, request_headers, response_headers)
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

    FakeSecret.to_dict = secret_to_dict  # type: ignore[method-assign]
    LambdaFunction.invoke = function_invoke  # type: ignore[method-assign]
    SecretsManagerBackend.rotate_secret = rotate_secret  # type: ignore[method-assign]
    SecretsManagerBackend.update_secret_version_stage = update_secret_version_stage  # type: ignore[method-assign]
