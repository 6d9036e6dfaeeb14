"""IAM policy statements evaluated as IAM does. moto 5.2.1 (IAMPolicyStatement) ignores NotResource, so a Deny with
NotResource allowed everything, and reads a pattern as a regular expression (`?` and `.` are not IAM's). The stack's
role policies use both (a Deny with NotResource on every secret but the stack's own; a secret's ARN with Secrets
Manager's suffix as `??????`), and the tests check that they allow and deny what they would in AWS."""

from __future__ import annotations

import functools
import re
from typing import Any

from moto.iam.access_control import IAMPolicyStatement, PermissionResult


def install_policy_evaluation() -> None:
    """Evaluate both as IAM does: `*` any characters, `?` one, everything else literal; a NotResource statement applies
    to every resource it does not name."""
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
