"""The command line parses options, calls one core function, prints and exits (docs/architecture.md).

What a command does lives in the core (check, publish, status, session, gitchanges, report…), where it is
tested without a terminal and reused by the next command. This holds cli.py to it: no ledger, adapter,
hashing or payload code of its own, no platform facts (a channel's options), no rule engine.
"""

from __future__ import annotations

import ast
from pathlib import Path

import socialpub.cli

SOURCE = Path(socialpub.cli.__file__).read_text(encoding="utf-8")
# Modules below the commands' layer that only the core may use.
BELOW = ("socialpub.hashing", "socialpub.ledger", "socialpub.adapters", "socialpub.payload", "socialpub.credentials",
         "socialpub.http", "socialpub.loopback", "socialpub.media", "socialpub.rules")
# The core's own building blocks: a command calls the function that uses them.
BUILDING_BLOCKS = {"check_post", "Renderer", "content_hash", "freeze", "open_ledger", "run_lock", "adapter_for",
                   "files_changed_since", "changed_posts", "running_sandbox"}


def imports() -> list[tuple[str, str]]:
    found = []
    for node in ast.walk(ast.parse(SOURCE)):
        if isinstance(node, ast.ImportFrom) and node.module:
            found += [(node.module, alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [(alias.name, "") for alias in node.names]
    return found


def test_the_command_line_imports_no_layer_below_the_commands() -> None:
    below = [(module, name) for module, name in imports() if module.startswith(BELOW)]
    assert below == []


def test_the_command_line_calls_the_core_not_its_building_blocks() -> None:
    used = sorted({name for _, name in imports()} & BUILDING_BLOCKS)
    assert used == []
    called = {node.func.attr for node in ast.walk(ast.parse(SOURCE))
              if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)}
    assert not called & {"claim", "settle", "save", "content_hash", "render", "run_lock"}


def test_the_command_line_knows_no_platform_facts() -> None:
    assert "options.get(" not in SOURCE  # a channel's account, page id…: the core's (status.channel_rows)
