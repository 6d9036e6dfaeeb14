"""An access key's CreateDate in whole seconds, as IAM reports it; moto 5.2.1 (AccessKey.__init__) keeps microseconds.
The function tells which keys a rotation attempt created by whether their CreateDate falls in the attempt's window,
allowing for IAM's whole seconds (lambda/attempt-marker.ts); the tests need the dates AWS gives."""

from __future__ import annotations

from typing import Any

from moto.iam.models import AccessKey


def install_access_key_create_date() -> None:
    original_access_key_init = AccessKey.__init__

    def access_key_init(self: Any, *args: Any, **kwargs: Any) -> None:
        original_access_key_init(self, *args, **kwargs)
        # AWS reports a key's CreateDate in whole seconds (moto in microseconds).
        self.create_date = self.create_date.replace(microsecond=0)

    AccessKey.__init__ = access_key_init  # type: ignore[method-assign]
