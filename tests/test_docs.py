"""Docs that cannot drift: every command has help with an example and appears in the README."""

from __future__ import annotations

import re
from pathlib import Path

import typer.main

from socialpub.cli import app

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def commands() -> dict[str, str]:
    group = typer.main.get_group(app)
    return {name: (cmd.help or "") for name, cmd in group.commands.items()}


def test_every_command_has_help_with_an_example() -> None:
    for name, help_text in commands().items():
        assert help_text.strip(), name
        assert "Example" in help_text, name
        assert f"socialpub {name}" in help_text, name


def test_every_command_is_in_the_readme_with_an_example() -> None:
    for name in commands():
        assert re.search(rf"socialpub {re.escape(name)}\b", README), f"README has no example of `socialpub {name}`"


def test_readme_starts_with_the_two_quickstart_commands() -> None:
    head = README.split("\n## ", 2)[1] if "\n## " in README else README
    blocks = re.findall(r"```(?:sh|bash|console)?\n(.*?)```", README, re.DOTALL)
    assert len(blocks) >= 2
    assert "socialpub" in blocks[0] and "pip install" in blocks[0]
    assert ".ci/run" in blocks[1] or "pytest" in blocks[1]
    assert head  # the quickstart section exists


def test_readme_documents_every_rule() -> None:
    from socialpub.rules import RULES

    missing = [rule_id for rule_id in RULES if rule_id not in README]
    assert missing == []
