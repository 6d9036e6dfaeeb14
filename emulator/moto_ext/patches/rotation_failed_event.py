"""Secrets Manager's RotationFailed service event, which moto never sends: put on the default event bus, shaped as
AWS delivers it via CloudTrail (detail.additionalEventData.SecretId = the secret's ARN), so the stack's rule fires.
rotate_secret puts it when a rotation step fails."""

from __future__ import annotations

import json
import sys
import time
import uuid
from typing import Any

from moto.events.models import events_backends
from moto.secretsmanager.models import FakeSecret


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
