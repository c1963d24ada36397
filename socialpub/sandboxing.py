"""`--sandbox`: the whole main job against the local simulator, with throw-away credentials and ledger."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from socialpub.config import Config, CredentialRef


def sandbox_config(config: Config, url: str) -> tuple[Config, dict[str, str]]:
    """A copy of the configuration whose every channel talks to `url` with throw-away credentials."""
    environ: dict[str, str] = {}
    channels = {}
    for name, channel in config.channels.items():
        credentials = {}
        for key in channel.credentials:
            variable = f"SOCIALPUB_SANDBOX_{name}_{key}".upper().replace("-", "_")
            credentials[key] = CredentialRef(name, key, "env", variable)
            environ[variable] = f"sandbox-{key}"
        channels[name] = replace(channel, endpoint=url, credentials=credentials)
    return replace(config, channels=channels), environ


@contextmanager
def running_sandbox(config: Config, *, latency: float = 0.0) -> Iterator[tuple[Config, dict[str, str], str]]:
    """Start the simulator on a free loopback port; yield (config pointed at it, environ, throw-away ledger)."""
    from socialpub.sandbox import Sandbox

    with Sandbox(latency=latency) as box, tempfile.TemporaryDirectory(prefix="socialpub-sandbox-") as tmp:
        for platform in box.platforms:  # the configured boards exist in the sandbox account
            if hasattr(platform, "add_board"):
                for channel in config.channels.values():
                    for name, board_id in channel.boards.items():
                        platform.add_board(board_id, name)
        sandboxed, environ = sandbox_config(config, box.url)
        yield sandboxed, environ, str(Path(tmp) / "ledger.db")
