"""`--sandbox`: the whole main job against the local simulator, with throw-away credentials and ledger; and
what `socialpub sandbox` tells a person about pointing a real configuration at it."""

from __future__ import annotations

import signal
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from socialpub.config import Config, CredentialRef

# What the sandbox accepts as credentials (socialpub/sandbox/*.py). Any value starting with "sandbox" is a
# valid key or token; these exact values are also the ones whose OAuth 1.0a signatures (X), appsecret_proof
# (Facebook) and app credentials (Pinterest's token refresh) it checks.
ACCEPTED = (
    'any value that starts with "sandbox" (for example "sandbox-api_key"), and the tokens its own token '
    "endpoints issue (`socialpub auth CHANNEL` against it); a token containing \"readonly\" is a read-only X "
    'token. The OAuth 1.0a signature of X is checked for the pair "sandbox-api_key"/"sandbox-access_token" '
    '(secrets "sandbox-api_secret"/"sandbox-access_secret"), Facebook\'s appsecret_proof for app_secret '
    '"sandbox-app_secret", and Pinterest\'s token refresh takes app_id "sandbox-app_id" with app_secret '
    '"sandbox-app_secret"'
)
# One channel of each kind for a channels.toml pointed at the sandbox: (name, kind, options, credentials).
EXAMPLE_CHANNELS: tuple[tuple[str, str, dict[str, str], tuple[str, ...]], ...] = (
    ("sandbox-x", "twitter", {}, ("api_key", "api_secret", "access_token", "access_secret")),
    ("sandbox-facebook", "facebook", {"page_id": "123456789"}, ("page_token",)),
    ("sandbox-youtube", "youtube", {}, ("client_id", "client_secret", "refresh_token")),
    ("sandbox-pinterest", "pinterest", {}, ("access_token",)),
)
EXAMPLE_BOARD = ("Sandbox board", "549755885177")


def env_name(channel: str, key: str) -> str:
    return f"{channel}_{key}".upper().replace("-", "_")


def channels_snippet(url: str) -> str:
    """[channels.…] tables, one per kind, pointed at the sandbox at `url` with env: credentials."""
    lines: list[str] = []
    for name, kind, options, keys in EXAMPLE_CHANNELS:
        lines += [f"[channels.{name}]", f'kind = "{kind}"', f'endpoint = "{url}"']
        lines += [f'{key} = "{value}"' for key, value in options.items()]
        lines += [f'{key} = "env:{env_name(name, key)}"' for key in keys]
        if kind == "pinterest":
            lines += [f"[channels.{name}.boards]", f'"{EXAMPLE_BOARD[0]}" = "{EXAMPLE_BOARD[1]}"']
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def export_lines() -> str:
    """The shell lines that give the snippet's env: references values the sandbox accepts."""
    return "\n".join(
        f"export {env_name(name, key)}=sandbox-{key}" for name, _, _, keys in EXAMPLE_CHANNELS for key in keys
    ) + "\n"


def banner(url: str) -> str:
    """What `socialpub sandbox` prints when it listens: where, which credentials, and how to point a config."""
    return (
        f"socialpub sandbox listening on {url} (Ctrl-C to stop)\n"
        f"  posts so far: {url}/_sandbox/posts   faults: POST {url}/_sandbox/faults\n"
        f"  comments: a few on every post made (two report side effects); add more with POST {url}/_sandbox/comments\n"
        f"  credentials it accepts: {ACCEPTED}.\n\n"
        "Channels for channels.toml (or set endpoint on your own channels):\n\n"
        f"{channels_snippet(url)}\n"
        "and in the shell that runs socialpub:\n\n"
        f"{export_lines()}"
    )


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
    """Start the simulator on a free loopback port; yield (config pointed at it, environ, throw-away ledger).

    The temporary folder (the ledger) is removed however the run ends: SIGTERM is turned into the same
    KeyboardInterrupt as Ctrl-C while it runs, so the context managers unwind instead of the process dying.
    """
    from socialpub.sandbox import Sandbox

    with terminate_as_interrupt(), Sandbox(latency=latency, comments="demo") as box, tempfile.TemporaryDirectory(
        prefix="socialpub-sandbox-"
    ) as tmp:
        for platform in box.platforms:  # the configured boards exist in the sandbox account
            if hasattr(platform, "add_board"):
                for channel in config.channels.values():
                    for name, board_id in channel.boards.items():
                        platform.add_board(board_id, name)
        sandboxed, environ = sandbox_config(config, box.url)
        yield sandboxed, environ, str(Path(tmp) / "ledger.db")


@contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM raises KeyboardInterrupt in the main thread (exit 130, cleanup done) until the block ends."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
