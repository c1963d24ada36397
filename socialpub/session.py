"""What a command works on: its configuration, the credentials' environment and the ledger.

The ledger is the `--ledger` flag, else $SOCIALPUB_LEDGER, else the config's [defaults] ledger. Under
`--sandbox` the configuration points at the local simulator with throw-away credentials, and the ledger is a
throw-away one too (unless `--ledger` names one). The command line asks here; nothing here prints.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from socialpub.config import Config
    from socialpub.ledger import Ledger

LEDGER_VARIABLE = "SOCIALPUB_LEDGER"


def ledger_spec(config: Config, flag: str | None = None) -> str:
    """The ledger URL or path: the flag, else the environment, else the configuration."""
    return flag or os.environ.get(LEDGER_VARIABLE) or config.defaults.ledger


def ledger_exists(config: Config, flag: str | None = None) -> bool:
    """Read-only commands do not create a SQLite ledger; a PostgreSQL one is always there to ask."""
    from socialpub.ledger import is_postgres, sqlite_path

    spec = ledger_spec(config, flag)
    return is_postgres(spec) or sqlite_path(spec, config.path.parent).exists()


def ledger_kind(config: Config, flag: str | None = None) -> str:
    from socialpub.ledger import is_postgres

    return "postgresql" if is_postgres(ledger_spec(config, flag)) else "sqlite"


@contextmanager
def opened_ledger(config: Config, flag: str | None = None) -> Iterator[Ledger]:
    """The ledger the flag, environment or configuration names, closed however the block ends."""
    from socialpub.ledger import open_ledger

    with open_ledger(ledger_spec(config, flag), config.path.parent) as ledger:
        yield ledger


@dataclass(frozen=True, slots=True)
class Sandboxed:
    """The configuration to use, the environment its credentials resolve in (None: the process's own) and
    the ledger the --ledger flag or the sandbox names (None: $SOCIALPUB_LEDGER, else the config's)."""

    config: Config
    environ: Mapping[str, str] | None = None
    ledger: str | None = None


@contextmanager
def sandboxed(config: Config, sandbox: bool, ledger_flag: str | None = None) -> Iterator[Sandboxed]:
    """With `sandbox`, the simulator runs for the block (socialpub.sandboxing) and a throw-away ledger stands
    in for the configured one, unless the flag names one; without, all is as configured."""
    if not sandbox:
        yield Sandboxed(config, None, ledger_flag)
        return
    from socialpub.sandboxing import running_sandbox

    with running_sandbox(config) as (boxed, environ, throwaway_ledger):
        yield Sandboxed(boxed, environ, ledger_flag or throwaway_ledger)


@dataclass(frozen=True, slots=True)
class Session:
    config: Config
    environ: Mapping[str, str] | None
    ledger: Ledger


@contextmanager
def session(config: Config, ledger_flag: str | None = None, *, sandbox: bool = False) -> Iterator[Session]:
    """The configuration, environment and open ledger of a command that records in the ledger; with
    `sandbox`, against the simulator. Everything started here is stopped and closed when the block ends."""
    from socialpub.credentials import learn_secrets

    with sandboxed(config, sandbox, ledger_flag) as box, opened_ledger(box.config, box.ledger) as ledger:
        learn_secrets((ref for channel in box.config.channels.values() for ref in channel.credentials.values()),
                      box.environ)
        yield Session(box.config, box.environ, ledger)
