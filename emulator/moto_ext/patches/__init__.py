"""The corrections and additions to moto 5.2.1, one module per patch; install_patches puts them all in place."""

from __future__ import annotations

from moto_ext.bridge import install_lambda_bridge
from moto_ext.patches.access_key_create_date import install_access_key_create_date
from moto_ext.patches.bodyless_request_signature import install_bodyless_request_signature
from moto_ext.patches.dispatch_cache import install_dispatch_cache
from moto_ext.patches.event_targets import install_event_targets
from moto_ext.patches.inactive_access_keys import install_inactive_key_rejection
from moto_ext.patches.policy_evaluation import install_policy_evaluation
from moto_ext.patches.resource_authorization import install_resource_authorization
from moto_ext.patches.role_trust import install_role_trust_evaluation
from moto_ext.patches.rotate_secret import install_rotation_patches
from moto_ext.patches.service_specific_credentials import install_service_specific_credentials


def install_patches(work_dir: str) -> None:
    """Installs every patch once, before the server starts; the Lambda bridge unzips function code under work_dir."""
    install_lambda_bridge(work_dir)
    install_rotation_patches()
    install_access_key_create_date()
    install_resource_authorization()
    install_inactive_key_rejection()
    install_policy_evaluation()
    install_role_trust_evaluation()
    install_bodyless_request_signature()
    install_service_specific_credentials()
    install_event_targets()
    install_dispatch_cache()
