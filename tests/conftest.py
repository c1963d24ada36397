"""Tests never touch the real home folder or the network."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from socialpub.config import Config
from socialpub.ledger import Ledger, open_ledger
from socialpub.sandbox import Sandbox
from tests.helpers import Repo


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.delenv("SOCIALPUB_LEDGER", raising=False)
    return home


_real_connect = socket.socket.connect


def _loopback_only(self: socket.socket, address: object) -> object:
    host = address[0] if isinstance(address, tuple) else address
    if self.family in (socket.AF_INET, socket.AF_INET6) and host not in ("127.0.0.1", "::1", "localhost"):
        raise OSError(f"tests may only connect to loopback, not {host!r}")
    return _real_connect(self, address)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _loopback_only)


@pytest.fixture
def box() -> Iterator[Sandbox]:
    """A fresh sandbox on loopback per test (Sandbox.start polls every 0.05 s, so stopping it is quick)."""
    with Sandbox() as sandbox:
        yield sandbox


@pytest.fixture
def worlds(tmp_path: Path) -> Iterator[Callable[..., Any]]:
    """Make worlds of bench/exactly_once.py (repository + sandbox + ledger), torn down after the test."""
    from tests.helpers import exactly_once_bench

    made: list[Any] = []

    def make(name: str, posts: list[Any], **kw: Any) -> Any:
        world = exactly_once_bench().World(tmp_path / name, posts, inprocess=True, **kw)
        made.append(world)
        return world

    yield make
    for world in made:
        world.close()


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return Repo(tmp_path / "repo")


def postgres_url() -> str | None:
    """The test server's URL (scripts/test-postgres.sh); in CI its absence is a failure, not a skip."""
    import os

    url = os.environ.get("SOCIALPUB_TEST_PG")
    if not url and os.environ.get("CI"):
        raise RuntimeError("CI must start PostgreSQL for the ledger tests (scripts/test-postgres.sh)")
    return url


@pytest.fixture
def pg_url() -> object:
    """A fresh, empty PostgreSQL database for one test; dropped afterwards."""
    import secrets

    url = postgres_url()
    if not url:
        pytest.skip("no PostgreSQL test server: eval \"$(scripts/test-postgres.sh start)\"")
    import psycopg

    name = f"socialpub_test_{secrets.token_hex(4)}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = url.rpartition("/")
    yield f"{base}/{name}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger_spec(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a ledger is, once for each backend: a SQLite file, and a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "ledger.db")
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def ledger(ledger_spec: str, tmp_path: Path) -> Iterator[Ledger]:
    """An open, migrated ledger on each backend."""
    with open_ledger(ledger_spec, tmp_path) as opened:
        yield opened


@pytest.fixture(scope="session")
def base_config(tmp_path_factory: pytest.TempPathFactory) -> Config:
    """BASE_CONFIG loaded once, for posts checked in memory (tests.helpers.check_text)."""
    return Repo(tmp_path_factory.mktemp("base")).config()
