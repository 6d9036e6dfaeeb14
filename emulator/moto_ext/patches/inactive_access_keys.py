"""An Inactive access key is rejected like an unknown one, as AWS does; moto 5.2.1 (IAMUserAccessKey) lets it sign
requests. The rotation deactivates the previous key, and the tests check that the key then stops working."""

from __future__ import annotations

from typing import Any

from moto.iam.access_control import CreateAccessKeyFailure, IAMUserAccessKey


def install_inactive_key_rejection() -> None:
    original_key_init = IAMUserAccessKey.__init__

    def user_access_key_init(self: Any, account_id: str, partition: str, access_key_id: str, headers: dict[str, str]) -> None:
        original_key_init(self, account_id, partition, access_key_id, headers)
        user = self.backend.users[self._owner_user_name]
        if any(key.access_key_id == access_key_id and key.status != "Active" for key in user.access_keys):
            # AWS rejects an Inactive key like an unknown one; moto would let it sign requests.
            raise CreateAccessKeyFailure(reason="InvalidId")

    IAMUserAccessKey.__init__ = user_access_key_init  # type: ignore[method-assign]
