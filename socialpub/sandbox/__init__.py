"""The local platform simulator (README, "Channels, credentials and the sandbox"): `Sandbox`, and the platforms
it speaks."""

from __future__ import annotations

import importlib

from socialpub.sandbox.server import ApiError, Fault, Platform, Request, Response, Sandbox, route

# One module per platform, like the adapters.
PLATFORM_MODULES = {
    "twitter": "socialpub.sandbox.twitter:TwitterSandbox",
    "facebook": "socialpub.sandbox.facebook:FacebookSandbox",
    "youtube": "socialpub.sandbox.youtube:YouTubeSandbox",
    "pinterest": "socialpub.sandbox.pinterest:PinterestSandbox",
}


def platforms() -> list[type[Platform]]:
    """The platform classes whose modules exist (each is written with its adapter)."""
    found = []
    for target in PLATFORM_MODULES.values():
        module_name, _, class_name = target.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue
            raise
        found.append(getattr(module, class_name))
    return found


__all__ = ["ApiError", "Fault", "Platform", "Request", "Response", "Sandbox", "platforms", "route"]
