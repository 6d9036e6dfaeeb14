"""The signature of a request without a body (GET, HEAD, DELETE) checked over the empty payload, as AWS does. moto
5.2.1 (IAMRequestBase._create_aws_request) recomputes it over the request's parsed parameters, so with IAM signature
checks on, a client that sends no x-amz-content-sha256 header (Go's SDK, so terraform-provider-aws 5.100.0, e.g.
Lambda's GetFunction) is refused."""

from __future__ import annotations

from typing import Any

from moto.iam.access_control import IAMRequestBase


def install_bodyless_request_signature() -> None:
    original_create_request = IAMRequestBase._create_aws_request

    def create_aws_request(self: Any) -> Any:
        request = original_create_request(self)
        if not self._body and self._method in ("GET", "HEAD", "DELETE"):
            # moto signs a body-less request (Lambda's GetFunction) over its parsed parameters instead of the
            # empty payload; SDKs that send no x-amz-content-sha256 (Go's, so Terraform) then never match.
            request.data = b""
        return request

    IAMRequestBase._create_aws_request = create_aws_request  # type: ignore[method-assign]
