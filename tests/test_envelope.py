"""One JSON envelope for every command: {"version": 1, "command": NAME, then the command's own fields}."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from socialpub.cli import app
from socialpub.report import envelope
from tests.helpers import Repo

runner = CliRunner()

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=10,
)
field_names = st.text(min_size=1).filter(lambda k: k not in ("version", "command", "ascii_only"))


@given(st.text(min_size=1), st.dictionaries(field_names, json_values, max_size=5))
def test_the_envelope_is_version_command_then_the_fields_in_order(command: str, fields: dict[str, Any]) -> None:
    text = envelope(command, **fields)
    data = json.loads(text)
    assert list(data) == ["version", "command", *fields]
    assert data == {"version": 1, "command": command, **fields}
    assert text.endswith("}\n")
    assert envelope(command, ascii_only=True, **fields).isascii()
    assert json.loads(envelope(command, ascii_only=True, **fields)) == data


COMMANDS = [
    ("check",),
    ("preview",),
    ("hash", "posts/clip.md"),
    ("channels",),
    ("channels", "--verify", "--sandbox"),
    ("agenda", "--from", "2014-09-01"),
    ("status", "--now", "2014-09-15T10:05Z"),
    ("history",),
    ("publish", "posts/clip.md", "--sandbox", "--yes"),
    ("run", "--sandbox", "--now", "2014-09-15T10:05Z"),
]


@pytest.mark.parametrize("args", COMMANDS, ids=[" ".join(c[:2]) for c in COMMANDS])
def test_every_command_prints_the_envelope(repo: Repo, args: tuple[str, ...], monkeypatch: pytest.MonkeyPatch) -> None:
    repo.post("Our science blog LabTalk is live. Read the first story today.", name="clip")
    monkeypatch.chdir(repo.root)
    result = runner.invoke(app, ["--config", str(repo.root / "channels.toml"), *args, "--format", "json"])
    assert result.exit_code in (0, 1), result.stderr
    data = json.loads(result.stdout)
    assert list(data)[:2] == ["version", "command"] and data["version"] == 1 and data["command"] == args[0]
