"""`socialpub auth CHANNEL`: run the platform's consent flow and store the tokens outside the repository."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from socialpub.adapters.base import adapter_class
from socialpub.credentials import write_secret
from socialpub.errors import CredentialsError, SocialpubError

if TYPE_CHECKING:
    from socialpub.config import Config


def token_folder() -> Path:
    """$XDG_CONFIG_HOME/socialpub, or ~/.config/socialpub; always absolute. A relative XDG_CONFIG_HOME is
    ignored, as the XDG specification says (it would point somewhere else from cron's folder)."""
    base = os.environ.get("XDG_CONFIG_HOME", "")
    if not os.path.isabs(base):
        try:
            home = Path.home()
        except RuntimeError:  # no HOME and no entry in the password database
            home = Path()
        if not home.is_absolute():
            raise CredentialsError(
                "cannot tell where to store the tokens: HOME is not set (or not absolute) and XDG_CONFIG_HOME "
                "is not an absolute path",
                hint="set XDG_CONFIG_HOME=/path/to/a/private/folder and run it again",
            )
        base = str(home / ".config")
    return Path(os.path.normpath(base)) / "socialpub"


def authorize_channel(config: Config, name: str, *, open_browser: bool, port: int | None) -> Iterator[str]:
    """Run the consent flow of the channel's platform; yield the lines to show (never a token)."""
    channel = config.channels[name]
    platform = adapter_class(channel.kind)
    if not platform.can_authorize:
        raise SocialpubError(
            f"{channel.kind} channels have no user consent flow in socialpub",
            hint="put the platform's token in an environment variable and reference it as env:NAME",
        )
    folder = token_folder()  # before the consent: a token must never be asked for and then have nowhere to go
    if folder.resolve().is_relative_to(config.root.resolve()):
        raise SocialpubError(f"{folder} is inside the repository; tokens must live outside it",
                             hint="set XDG_CONFIG_HOME to a folder outside the repository")
    tokens = platform.authorize(channel, open_browser=open_browser, port=port)
    yield f"Authorised {name}. Tokens stored (mode 0600); reference them in channels.toml:"
    yield f"[channels.{name}]"
    for key, value in sorted(tokens.items()):
        path = folder / f"{name}.{key}.token"
        write_secret(path, value)
        # The absolute path: `~` would be another folder for cron or another user. As a TOML basic string.
        yield f"{key} = {json.dumps('file:' + str(path), ensure_ascii=False)}"
