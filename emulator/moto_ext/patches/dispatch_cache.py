"""moto's choice of service per host name, remembered. moto 5.2.1 (DomainDispatcherApplication.get_backend_for_host)
picks the service of every request under one lock, listing its own package folder (180 stat calls) and trying its
URL patterns each time: a few milliseconds per call, all requests in single file, which a fleet of rotations feels.
The answers depend on the host name only, so remember them."""

from __future__ import annotations

from typing import Any

from moto import backends as moto_backends
from moto.moto_server.werkzeug_app import DomainDispatcherApplication


def install_dispatch_cache() -> None:
    modules = tuple(moto_backends.list_of_moto_modules())
    moto_backends.list_of_moto_modules = lambda: modules  # type: ignore[assignment]
    original = DomainDispatcherApplication.get_backend_for_host
    known: dict[str | None, Any] = {}

    def get_backend_for_host(self: Any, host: str | None) -> Any:
        if host not in known:
            known[host] = original(self, host)
        return known[host]

    DomainDispatcherApplication.get_backend_for_host = get_backend_for_host  # type: ignore[method-assign]
