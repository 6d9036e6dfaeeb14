"""IAM ListServiceSpecificCredentials, which moto 5.2.1 (IamResponse) does not implement. terraform-provider-aws
5.100.0's aws_iam_user with force_destroy lists them before deleting the user, and retries for minutes on the error."""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult
from moto.iam.responses import IamResponse


def install_service_specific_credentials() -> None:
    def list_service_specific_credentials(self: Any) -> ActionResult:
        # Not implemented by moto; aws_iam_user's force_destroy lists them and retries for minutes on the error.
        # No service-specific credentials are ever created here, so the answer is always empty.
        return ActionResult({"ServiceSpecificCredentials": []})

    IamResponse.list_service_specific_credentials = list_service_specific_credentials  # type: ignore[attr-defined]
