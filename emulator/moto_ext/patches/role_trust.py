"""A trust policy that names a role lets that role's sessions assume it, as in AWS; moto 5.2.1
(IAMRequestBase._check_role_trust_relationship) compares the policy's principal with the session's ARN
(arn:...:sts::...:assumed-role/<role>/<session>) and so refuses them. The rotation function assumes its key roles
(whose trust policies name the function's role) when one role's policies cannot name every user."""

from __future__ import annotations

from typing import Any

from moto.iam.access_control import AssumedRoleAccessKey, IAMPolicy, IAMRequestBase, PermissionResult
from moto.iam.utils import format_incoming_conditional_values


def install_role_trust_evaluation() -> None:
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
