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
    from socialpub.rules import registry

    RULES = registry()

    missing = [rule_id for rule_id in RULES if rule_id not in README]
    assert missing == []


def test_the_repository_refers_to_nothing_outside_it() -> None:
    """A fresh clone is the whole project: no path or document beside it is named by code, tests or docs."""
    root = Path(__file__).resolve().parents[1]
    outside = re.compile(r"\.\./shared|\b(?:PRODUCT|PLATFORMS|FORMATS|RULES|SAFETY|STYLE)\.md\b")
    tracked = [p for p in root.rglob("*") if p.is_file() and p.suffix in (".py", ".md", ".toml", ".yaml", ".yml", ".sh")
               and not any(part.startswith(".") and part not in (".ci",) for part in p.relative_to(root).parts)
               and "data" not in p.relative_to(root).parts]
    offenders = [f"{p.relative_to(root)}:{n}" for p in tracked
                 for n, line in enumerate(p.read_text(encoding="utf-8", errors="replace").splitlines(), 1)
                 if outside.search(line) and p.name != "test_docs.py"]
    assert not offenders, offenders
    for name in ("x-api-v2.openapi.json", "pinterest-v5.openapi.json", "twitter-text-validate.yml"):
        assert (root / "tests" / "data" / name).is_file(), name
    for licence in ("x-api-v2.LICENSE", "pinterest-v5.LICENSE", "twitter-text.LICENSE"):
        assert (root / "tests" / "data" / licence).is_file(), licence
