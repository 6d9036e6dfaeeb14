"""Identities: the harness admin user, role credentials, who signed a request, and IAM signature checks on."""

from __future__ import annotations

import json
import time
from typing import Any

from moto import settings
from moto.core import DEFAULT_ACCOUNT_ID
from moto.core.authorization import ActionAuthenticatorMixin
from moto.iam.models import iam_backends
from moto.sts.models import sts_backends

from moto_ext.aliases import JsonDict
from moto_ext.state import STATE

ADMIN_USER = "harness-admin"
# Refresh assumed-role credentials well before moto's default one-hour expiry.
ROLE_CREDENTIALS_TTL_SECONDS = 900


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
