"""Requests authorized against the resource they act on, as AWS does. moto 5.2.1 authorizes most actions against
Resource "*" (the responses' _determine_resource), so an Allow on a secret, user, topic or role ARN never matches
and a least-privilege policy denies everything. The project's roles are least-privilege (the rotation function may
touch its own secrets and users only), and the tests check what those policies allow and deny."""

from __future__ import annotations

from typing import Any

from moto.iam.responses import IamResponse
from moto.secretsmanager.responses import SecretsManagerResponse
from moto.sns.responses import SNSResponse
from moto.sts.responses import TokenResponse


def install_resource_authorization() -> None:
    """Name the resource the way AWS does: Secrets Manager the secret, IAM the user, SNS the topic, STS the role."""
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
