"""The command tree is built as it is used (socialpub.cli.CommandsBuiltWhenUsed): `--version` builds no command,
`check FILE` builds `check` only. What users see must stay what typer's own tree, every command built up front,
shows: help screens, usage errors and their suggestions, shell completion. Each test compares the two."""

from __future__ import annotations

import copy
import inspect
import re

import pytest
import typer
import typer.main
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.core import TyperGroup
from typer.testing import CliRunner

from socialpub import cli

runner = CliRunner()


def eager_app() -> typer.Typer:
    """The same registrations as socialpub's, built by typer alone: every command before anything is parsed."""
    eager = copy.copy(cli.app)
    eager.info = copy.copy(cli.app.info)
    eager.info.cls = TyperGroup
    eager.registered_commands = [*cli.app.registered_commands, *cli.commands.registered_commands]
    eager.registered_groups = [*cli.app.registered_groups, *cli.commands.registered_groups]
    return eager


EAGER = eager_app()
EAGER_GROUP = typer.main.get_command(EAGER)


def outcome(app: typer.Typer, args: list[str], env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, args, prog_name="socialpub", env=env)
    assert not isinstance(result.exception, TypeError | AttributeError | KeyError), result.exception  # a bug here
    return result.exit_code, result.stdout, result.stderr


def same_as_eager(args: list[str], env: dict[str, str] | None = None) -> tuple[int, str, str]:
    seen = outcome(cli.app, args, env)
    assert seen == outcome(EAGER, args, env), args
    return seen


def every_command_path() -> list[list[str]]:
    paths = []
    for name, command in EAGER_GROUP.commands.items():
        paths.append([name])
        paths += [[name, sub] for sub in getattr(command, "commands", {})]
    return paths


def test_every_command_is_registered_where_it_is_built_when_used() -> None:
    """One place for commands: `@commands.command()`. One on `app` still works, but typer builds it every time."""
    assert cli.app.registered_commands == [] and cli.app.registered_groups == []


def test_a_command_registered_on_app_is_not_lost(monkeypatch: pytest.MonkeyPatch) -> None:
    extra = typer.Typer()
    extra.command(name="on-app", help="Registered on app. Example: socialpub on-app")(lambda: print("ran"))
    monkeypatch.setattr(cli.app, "registered_commands", extra.registered_commands)
    assert outcome(cli.app, ["on-app"]) == (0, "ran\n", "")
    assert re.search(r"^  on-app +Registered on app\.", outcome(cli.app, ["--help"])[1], re.MULTILINE)


def test_the_tree_has_every_command_typer_would_build() -> None:
    ctx = typer.Context(typer.main.get_command(cli.app), info_name="socialpub")
    assert ctx.command.list_commands(ctx) == list(EAGER_GROUP.commands)
    assert len(every_command_path()) >= 25  # the commands, the groups and their subcommands


@pytest.mark.parametrize("path", every_command_path(), ids=" ".join)
def test_every_help_screen_is_the_one_typer_builds(path: list[str]) -> None:
    code, out, _ = same_as_eager([*path, "--help"])
    assert code == 0 and f"Usage: socialpub {' '.join(path)}" in out


@pytest.mark.parametrize(
    "args",
    [[], ["--help"], ["--version"], ["chek"], ["inbx", "show"], ["--bogus"], ["-q", "-v", "check"], ["export"],
     ["audit"], ["audit", "verfy"], ["inbox", "--nope"], ["check", "--format", "xml"], ["check", "--jobs", "0"],
     ["agenda", "--days", "0"], ["hash"], ["resolve"], ["export", "2253"], ["inbox", "triage"], ["check", "-f"],
     ["--show-completion", "bash"]],
    ids=lambda args: " ".join(args) or "(nothing)",
)
def test_usage_errors_and_suggestions_are_the_ones_typer_gives(args: list[str]) -> None:
    same_as_eager(args)


def test_the_list_of_commands_in_help_shows_each_commands_own_summary() -> None:
    _, out, _ = same_as_eager(["--help"])
    listed = out.split("Commands:")[1]
    assert "check     The dry-run compliance preview" in listed and "inbox     The safety inbox" in listed


def test_help_lists_registrations_with_their_own_help_hidden_or_deprecated_as_typer_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What no command of socialpub uses yet, so that the first one that does is listed right in --help."""
    extra = typer.Typer()
    extra.command(name="said-here", help="Help given at registration.\n\nMore.")(lambda: None)
    extra.command(name="short", short_help="The short help.")(lambda: None)
    extra.command(name="hidden", hidden=True)(lambda: None)
    extra.command(name="old", deprecated=True, help="Old.")(lambda: None)
    extra.add_typer(typer.Typer(help="A group's own help."), name="grouped")
    extra.add_typer(typer.Typer(), name="hidden-group", hidden=True, short_help="Not listed.")
    registry = cli.commands
    monkeypatch.setattr(registry, "registered_commands", registry.registered_commands + extra.registered_commands)
    monkeypatch.setattr(registry, "registered_groups", registry.registered_groups + extra.registered_groups)
    _, listed, _ = outcome(cli.app, ["--help"])
    assert listed == outcome(eager_app(), ["--help"])[1]
    for name, shown in [("said-here", "Help given at registration."), ("short", "The short help."),
                        ("old", "Old. (DEPRECATED)"), ("grouped", "A group's own help.")]:
        assert re.search(rf"^  {name} +{re.escape(shown)}$", listed, re.MULTILINE), name


@pytest.mark.parametrize("words", ["socialpub ", "socialpub ch", "socialpub check --", "socialpub check --format ",
                                   "socialpub audit ", "socialpub inbox e", "socialpub --",
                                   "socialpub export 2253 --f"])
@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_shell_completion_is_the_one_typer_gives(shell: str, words: str) -> None:
    env = {"_SOCIALPUB_COMPLETE": f"complete_{shell}", "COMP_WORDS": words,
           "COMP_CWORD": str(len(words.split(" ")) - 1), "_TYPER_COMPLETE_ARGS": words,
           "_TYPER_COMPLETE_FISH_ACTION": "get-args"}
    code, out, _ = same_as_eager([], env)
    assert code == 0 and out.strip()


def words_of_the_command_line() -> list[str]:
    """Every command, subcommand and option name socialpub has, some values, and near misses."""
    words = set()
    for command in [EAGER_GROUP, *EAGER_GROUP.commands.values()]:
        for sub in [command, *getattr(command, "commands", {}).values()]:
            words.add(sub.name or "")
            for param in sub.params:
                words.update(param.opts + param.secondary_opts)
    # not drawn: what installs into the shell's files, starts logging, or turns what follows into arguments
    words -= {"", "socialpub", "--install-completion", "--show-completion", "-v", "--verbose", "--"}
    return sorted(words) + ["--help", "json", "csv", "xml", "0", "-1", "x", "2014-10-01", "S-000001", "chek", "inbx",
                            "-x"]


@settings(max_examples=80, deadline=None)
@given(command=st.sampled_from([[], *every_command_path()]),
       args=st.lists(st.sampled_from(words_of_the_command_line()), max_size=6))
def test_any_command_line_gets_the_answer_typer_gives(command: list[str], args: list[str]) -> None:
    # Unknown options at the end: every line ends in a usage error (or help) before any command does anything.
    same_as_eager([*command, *args, "--no-such-option", "--no-such-option", "--no-such-option"])


def test_a_command_is_built_only_when_it_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[str] = []

    def recording(builder):  # typer's own builder, noting the name of each command or group it builds
        def build(*args, **kwargs):
            command = builder(*args, **kwargs)
            built.append(command.name)
            return command
        return build

    monkeypatch.setattr(typer.main, "get_command_from_info", recording(typer.main.get_command_from_info))
    monkeypatch.setattr(typer.main, "get_group_from_info", recording(typer.main.get_group_from_info))
    assert outcome(cli.app, ["--version"])[0] == 0 and built == ["socialpub"]
    built.clear()
    assert outcome(cli.app, ["--help"])[0] == 0 and built == ["socialpub"]
    built.clear()
    assert outcome(cli.app, ["--config", "/nonexistent/channels.toml", "check", "post.md"])[0] == 2
    assert built == ["socialpub", "check"]
    built.clear()
    assert outcome(cli.app, ["audit", "verify", "--help"])[0] == 0
    assert built == ["socialpub", "verify", "export", "audit"]  # a group: typer builds it whole


def test_a_command_that_fails_to_build_is_not_called_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args, **kwargs):
        raise KeyError("a key typer did not find")

    monkeypatch.setattr(typer.main, "get_command_from_info", broken)
    result = runner.invoke(cli.app, ["check"], prog_name="socialpub")
    assert isinstance(result.exception, KeyError) and "No such command" not in result.output


def test_the_typer_builders_the_tree_relies_on_are_there() -> None:
    """socialpub.cli builds with typer internals; a typer release that changes them must fail here, by name
    (pyproject.toml pins typer to the versions checked)."""
    for name, keywords in [("get_command_from_info", {"pretty_exceptions_short", "rich_markup_mode"}),
                           ("get_group_from_info", {"pretty_exceptions_short", "rich_markup_mode", "suggest_commands"}),
                           ("solve_typer_info_defaults", set()), ("get_command_name", set())]:
        builder = getattr(typer.main, name, None)
        assert builder is not None, f"typer.main.{name} is gone: see CommandsOnDemand in socialpub/cli.py"
        assert keywords <= set(inspect.signature(builder).parameters), f"typer.main.{name} changed its parameters"
    assert inspect.signature(TyperGroup.get_command).parameters.keys() == {"self", "ctx", "cmd_name"}
