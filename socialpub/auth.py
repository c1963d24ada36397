"""`socialpub auth CHANNEL`: run the platform's consent flow and store the tokens outside the repository."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from socialpub.adapters.base import adapter_class
from socialpub.config import write_secret
from socialpub.errors import SocialpubError

if TYPE_CHECKING:
    from socialpub.config import Config


def token_folder() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "socialpub"


def authorize_channel(config: Config, name: str, *, open_browser: bool, port: int) -> Iterator[str]:
    """Run the consent flow of the channel's platform; yield the lines to show (never a token)."""
    channel = config.channels[name]
    module = __import__(adapter_class(channel.kind).__module__, fromlist=["authorize"])
    authorize = getattr(module, "authorize", None)
    if authorize is None:
        raise SocialpubError(
            f"{channel.kind} channels have no user consent flow in socialpub",
            hint="put the platform's token in an environment variable and reference it as env:NAME",
        )
    tokens: dict[str, str] = authorize(channel, open_browser=open_browser, port=port)
    folder = token_folder()
    try:
        folder.resolve().relative_to(config.root.resolve())
    except ValueError:
        pass
    else:
        raise SocialpubError(f"{folder} is inside the repository; tokens must live outside it",
                             hint="set XDG_CONFIG_HOME to a folder outside the repository")
    yield f"Authorised {name}. Tokens stored (mode 0600); reference them in channels.toml:"
    yield f"[channels.{name}]"
    for key, value in sorted(tokens.items()):
        path = folder / f"{name}.{key}.token"
        write_secret(path, value)
        shown = str(path).replace(str(Path.home()), "~", 1)
        yield f'{key} = "file:{shown}"'
