"""The local platform simulator (README, "Channels, credentials and the sandbox"): `Sandbox`, and the platforms
it speaks."""

from __future__ import annotations

from socialpub.sandbox.server import (
    ApiError,
    ExampleChannel,
    Fault,
    Platform,
    Request,
    Response,
    Sandbox,
    platforms,
    route,
)

__all__ = ["ApiError", "ExampleChannel", "Fault", "Platform", "Request", "Response", "Sandbox", "platforms", "route"]
