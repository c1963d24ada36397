"""The command line: parse options, call one core function, print, pick the exit code.

Only this module imports typer. The core is imported inside each command so that `--help` and
`--version` stay as light as typer itself (no SDK, no rule engine at start-up).
"""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable, Iterator, MutableMapping
from contextlib import contextmanager as contextmanager_helper
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from typer.core import TyperCommand, TyperGroup
from typer.models import CommandInfo, TyperInfo

from socialpub import __version__
from socialpub.terminal import MAX_REASON, printable, said_something  # light: re, os and unicodedata only

if TYPE_CHECKING:
    from socialpub.config import Config
    from socialpub.session import Session


# --- the command tree, built as it is used -------------------------------------------------------------------
# typer turns every registered command into a click command before it parses anything (evaluating each one's
# annotations and building its options): for two dozen commands, about 20 ms of the 90 ms `socialpub --version`
# took. So the commands are registered on `commands`, and the group of `app` builds one from its registration
# only when it is asked for it by name: `check FILE` builds `check`, `--version` none, `--help` only the list.
# typer's own builders do the building (get_command_from_info, get_group_from_info): the same commands, help
# texts and errors as before. They are typer internals, stable across the versions pyproject.toml allows;
# tests/test_cli_tree.py fails loudly if a typer release changes them.


class CommandsOnDemand(MutableMapping[str, Any]):
    """The commands of a group by name, in registration order; each built the first time it is looked up."""

    def __init__(self, registry: typer.Typer, *, pretty_exceptions_short: bool, rich_markup_mode: Any,
                 suggest_commands: bool) -> None:
        self._settings = {"pretty_exceptions_short": pretty_exceptions_short, "rich_markup_mode": rich_markup_mode}
        self._suggest_commands = suggest_commands
        self._registered: dict[str, CommandInfo | TyperInfo | None] = {}
        for info in registry.registered_commands:
            self._registered[info.name or typer.main.get_command_name(info.callback.__name__)] = info  # type: ignore
        for group_info in registry.registered_groups:
            name = typer.main.solve_typer_info_defaults(group_info).name
            if not name:
                raise TypeError("a command group needs a name: add_typer(..., name=...)")
            self._registered[name] = group_info
        self._built: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self._built:
            info = self._registered[name]  # KeyError: no such command
            if isinstance(info, CommandInfo):
                self._built[name] = typer.main.get_command_from_info(info, **self._settings)
            else:
                self._built[name] = typer.main.get_group_from_info(
                    info, suggest_commands=self._suggest_commands, **self._settings  # type: ignore[arg-type]
                )
        return self._built[name]

    def get(self, name: str, default: Any = None) -> Any:
        # Mapping.get would take a KeyError raised while building a command for "no such command"
        return self[name] if name in self._registered else default

    def __setitem__(self, name: str, command: Any) -> None:
        self._registered.setdefault(name, None)
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        del self._registered[name]
        self._built.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(self._registered)

    def __len__(self) -> int:
        return len(self._registered)

    def stand_ins(self) -> dict[str, Any]:
        """Each command as --help lists it (help text, short help, hidden, deprecated), without its options."""
        listed = {}
        for name, info in self._registered.items():
            if name in self._built:
                listed[name] = self._built[name]
            elif isinstance(info, CommandInfo):  # as typer.main.get_command_from_info reads them
                text = inspect.getdoc(info.callback) if info.help is None else inspect.cleandoc(info.help)
                listed[name] = TyperCommand(name, help=text, short_help=info.short_help, hidden=info.hidden,
                                            deprecated=info.deprecated)
            else:
                solved = typer.main.solve_typer_info_defaults(info)
                listed[name] = TyperCommand(name, help=solved.help, short_help=solved.short_help,
                                            hidden=solved.hidden, deprecated=solved.deprecated)
        return listed


class CommandsBuiltWhenUsed(TyperGroup):
    """socialpub's group: its commands are those registered on `commands`, each built when first used."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.on_demand = CommandsOnDemand(commands, pretty_exceptions_short=app.pretty_exceptions_short,
                                          rich_markup_mode=self.rich_markup_mode,
                                          suggest_commands=self.suggest_commands)
        for name, command in self.commands.items():  # any registered on `app` itself, already built by typer
            self.on_demand[name] = command
        self.commands = self.on_demand

    def list_commands(self, ctx: Any) -> list[str]:
        return list(self.commands)  # the names only (TyperGroup's own list builds every command)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        # typer's listing for --help, of stand-ins that hold what it shows: listing builds no command
        TyperGroup(commands=self.on_demand.stand_ins()).format_commands(ctx, formatter)


app = typer.Typer(
    name="socialpub",
    help="Social posts as code: compliance preview, audit trail and publishing to X, Facebook, YouTube and Pinterest.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_show_locals=False,  # locals may hold secrets
    rich_markup_mode=None,
    cls=CommandsBuiltWhenUsed,
)
commands = typer.Typer()  # every command and command group of `app` (see above)

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class Globals:
    config: Path | None = None
    posts: Path | None = None
    ledger: str | None = None
    quiet: bool = False
    verbose: bool = False

    def load(self) -> Config:
        from socialpub.config import find_config, load_config

        path = self.config if self.config else find_config()
        config = load_config(path, posts_dir=self.posts)
        self.say_more(f"configuration {config.path}, posts in {config.posts_dir}")
        return config

    @contextmanager_helper
    def session(self, config: Config, *, sandbox: bool = False) -> Iterator[Session]:
        """The ledger (and with `sandbox` the simulator) a command works with, closed when the block ends."""
        from socialpub.session import session

        with session(config, self.ledger, sandbox=sandbox) as opened:
            self.say_more(f"using {opened.ledger.describe()}")
            yield opened

    def say(self, text: str) -> None:
        """What a command has to tell that is not a problem (what it did, what to do next): not with -q."""
        if not self.quiet:
            typer.echo(text)

    def say_more(self, text: str) -> None:
        """What -v adds (on stderr, so that output meant for scripts stays as it is)."""
        if self.verbose:
            typer.echo(f"socialpub: {text}", err=True)


# Commands that change something (the ledger, files, tokens): when their output cannot be written, their
# exit code still tells what happened. A read-only command whose output is lost did nothing useful: exit 2.
_RECORDED_IN_THE_LEDGER = {"publish", "run", "retract", "resolve", "pause", "resume", "watch", "inbox_triage",
                           "inbox_forward", "inbox_export"}
_CHANGES_STATE = _RECORDED_IN_THE_LEDGER | {"init", "auth", "sandbox_command", "audit_export"}


def errors_handled(command: F) -> F:
    """The one place where errors become messages and exit codes (README, "Exit codes"), and where stdout
    and stderr are guarded (socialpub.terminal): nothing printed is obeyed by a terminal or a CI log."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from socialpub.terminal import guarded_output

        with guarded_output() as (out, err):
            code = _exit_code_of(command, args, kwargs)
            out.flush()
            if out.lost is not None and not out.broken_pipe:  # a closed pipe: the reader wanted no more
                name = command.__name__
                see = "; what was done is in the ledger (socialpub status)" if name in _RECORDED_IN_THE_LEDGER else ""
                typer.echo(f"socialpub: the output could not be written to stdout: {out.lost}{see}", err=True)
                if code == 0 and name not in _CHANGES_STATE:
                    code = 2  # USAGE: nothing was done
        if code:
            raise typer.Exit(code)

    return wrapper  # type: ignore[return-value]


def _exit_code_of(command: Callable[..., Any], args: Any, kwargs: Any) -> int:
    from socialpub.errors import ExitCode, SocialpubError

    try:
        command(*args, **kwargs)
        return 0
    except SocialpubError as error:
        from socialpub.redact import redact

        typer.echo(f"socialpub: {printable(redact(str(error)))}", err=True)
        return int(error.exit_code)
    except KeyboardInterrupt:
        typer.echo("socialpub: interrupted", err=True)
        return int(ExitCode.INTERRUPTED)
    except typer.Abort:  # Ctrl-C or end of input at a prompt
        typer.echo("socialpub: interrupted", err=True)
        return int(ExitCode.INTERRUPTED)
    except typer.Exit as done:
        return int(done.exit_code)
    except Exception as error:  # a bug: say so plainly, without a traceback full of values
        import traceback

        from socialpub.redact import redact

        typer.echo(f"socialpub: internal error: {type(error).__name__}: {printable(redact(str(error)))}", err=True)
        typer.echo("  hint: this is a bug in socialpub; please report it with the command you ran", err=True)
        if any(a in ("-v", "--verbose") for a in sys.argv):
            traceback.print_exception(type(error), error, error.__traceback__, limit=-8)
        return int(ExitCode.INTERNAL)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"socialpub {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    config: Annotated[
        Path | None, typer.Option("--config", help="channels.toml to use (default: searched upward from here).")
    ] = None,
    posts: Annotated[
        Path | None, typer.Option("--posts", help="Folder of posts (default: posts/ beside the config).")
    ] = None,
    ledger: Annotated[
        str | None, typer.Option("--ledger", help="Ledger URL or path (default: from the config).")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only what matters.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Say more about what is done.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Social posts as code for regulated communications teams."""
    if quiet and verbose:
        raise typer.BadParameter("say either --quiet or --verbose", param_hint="-q/-v")
    ctx.obj = Globals(config=config, posts=posts, ledger=ledger, quiet=quiet, verbose=verbose)
    if verbose:
        _log_requests(ctx)


def _log_requests(ctx: typer.Context) -> None:
    """-v: every request to a platform as one line on stderr (method, path, status), secrets redacted, for this
    command only: the logger is as it was when the command ends (run again in the same process, by a library
    caller or a test, a command without -v logs nothing, and no handler is left writing to an old stderr)."""
    import logging

    from socialpub.redact import guard_loggers

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("socialpub: %(message)s"))
    requests_log = logging.getLogger("socialpub.requests")
    level, propagate = requests_log.level, requests_log.propagate
    requests_log.addHandler(handler)
    requests_log.setLevel(logging.INFO)
    requests_log.propagate = False
    guard_loggers(["socialpub.requests"])

    def restore() -> None:
        requests_log.removeHandler(handler)
        requests_log.setLevel(level)
        requests_log.propagate = propagate

    ctx.call_on_close(restore)


class CheckFormat(str, Enum):
    text = "text"
    json = "json"
    github = "github"
    junit = "junit"
    sarif = "sarif"
    markdown = "markdown"


class SimpleFormat(str, Enum):
    text = "text"
    json = "json"


# What --now, --at, --since and --from accept: far enough from datetime's limits (years 1 and 9999) that
# converting to UTC and adding a lateness, a campaign or an agenda's days cannot overflow.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 12, 31, 23, 59, 59, tzinfo=UTC)
_RANGE_HINT = f"socialpub works with times between {EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d} (UTC)"


def _quoted(value: str) -> str:
    return repr(value if len(value) <= 60 else value[:59] + "…")


def parse_moment(value: str | None, config: Config, option: str) -> datetime | None:
    """An ISO date-time from the command line; without an offset it is read in [defaults] timezone."""
    if value is None:
        return None
    from socialpub.errors import SocialpubError
    from socialpub.posts import day_start, localize

    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except (ValueError, OverflowError):
        raise SocialpubError(
            f"{option} {_quoted(value)} is not a date-time",
            hint="write it like 2014-10-01T09:00 or 2014-10-01T09:00-04:00",
        ) from None
    try:
        if moment.tzinfo is None and _is_day(value):
            moment = day_start(moment.date(), config.defaults.timezone)  # a whole day: never refused for DST
        elif moment.tzinfo is None:
            try:
                moment = localize(moment, config.defaults.timezone)
            except ValueError as exc:
                raise SocialpubError(f"{option}: {exc}", hint="give the UTC offset to say which one is meant") from None
        # In UTC: two times of one ZoneInfo subtract as wall clocks, which is wrong across a DST change.
        moment = moment.astimezone(UTC)
    except OverflowError:  # e.g. 9999-12-31T23:59-05:00 is in the year 10000 in UTC
        moment = EARLIEST - timedelta(days=1) if moment.year < 5000 else LATEST + timedelta(days=1)
    if not EARLIEST <= moment <= LATEST:
        raise SocialpubError(f"{option} {_quoted(value)} is out of range", hint=_RANGE_HINT)
    return moment


def _is_day(value: str) -> bool:
    return len(value.strip()) == 10  # YYYY-MM-DD: a whole day, not a time


def parse_day(value: str, option: str) -> date:
    """An ISO date from the command line (agenda --from), within the range parse_moment accepts."""
    from socialpub.errors import SocialpubError

    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise SocialpubError(f"{option} {_quoted(value)} is not a date", hint="write it like 2014-09-01") from None
    if not EARLIEST.date() <= day <= LATEST.date():
        raise SocialpubError(f"{option} {_quoted(value)} is out of range", hint=_RANGE_HINT)
    return day


def check_channels(config: Config, names: list[str] | None) -> list[str] | None:
    from socialpub.errors import SocialpubError
    from socialpub.tomlsource import did_you_mean

    for name in names or ():
        if name not in config.channels:
            guess = did_you_mean(name, config.channels)
            raise SocialpubError(
                f"--channel: unknown channel '{name}'",
                hint=f"did you mean '{guess}'?" if guess else "channels: " + ", ".join(config.channels),
            )
    return names or None


def emit(text: str, output: Path | None, *, dialect: str = "text") -> None:
    """`text` to FILE, or to stdout escaped for its `dialect` ("json", "github": see socialpub.terminal)."""
    if output is None:
        from socialpub.terminal import dialect as escaping

        with escaping(dialect):
            sys.stdout.write(text if text.endswith("\n") or not text else text + "\n")
        return
    from socialpub.errors import SocialpubError

    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise SocialpubError(f"cannot write {output}: {exc.strerror}") from None


def confirmed(question: str, *, nothing_was: str) -> bool:
    """Ask on a terminal. Ctrl-C (or end of input) at the prompt is an interruption: exit 130, not 1."""
    from socialpub.errors import ExitCode

    try:
        return typer.confirm(question, default=False)
    except typer.Abort:
        typer.echo(f"\nInterrupted; nothing was {nothing_was}.", err=True)
        raise typer.Exit(int(ExitCode.INTERRUPTED)) from None


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


def reason_for(reason: str | None, act: str, command: str) -> str:
    """The --reason of a deliberate act (retract, resolve, publish --again, resume), recorded with the actor.
    Asked for on a terminal when missing; elsewhere (cron, CI, scripts) its absence is exit 2, nothing done."""
    from socialpub.errors import SocialpubError

    text = (reason or "").strip()
    if not said_something(text) and sys.stdin.isatty():
        text = typer.prompt(f"Why {act}? (recorded in the audit trail)").strip()  # Ctrl-C: exit 130
    if not said_something(text):
        raise SocialpubError(f"{act} needs a reason: it is recorded in the audit trail with who did it",
                             key="--reason", hint=f'{command} --reason "why, e.g. a ticket"; nothing was done')
    if len(text) > MAX_REASON:
        raise SocialpubError(f"the reason has {len(text)} characters, more than {MAX_REASON}", key="--reason",
                             hint="say it in a sentence or two and name the ticket; nothing was done")
    return text


def _reason_option(what: str) -> Any:
    return typer.Option("--reason", help=f"Why {what} (required; recorded in the audit trail with who).")


@commands.command()
@errors_handled
def check(
    ctx: typer.Context,
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Post files, folders or post ids (default: the posts folder)."),
    ] = None,
    format: Annotated[CheckFormat, typer.Option("--format", "-f", help="Report format.")] = CheckFormat.text,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the report to FILE.")] = None,
    channel: Annotated[
        list[str] | None, typer.Option("--channel", "-c", help="Only this channel (repeatable).")
    ] = None,
    at: Annotated[
        str | None, typer.Option("--at", help="Judge as of this time (default: each post's publish_at, else now).")
    ] = None,
    changed_since: Annotated[
        str | None,
        typer.Option(
            "--changed-since", help="Only posts that git says changed since REF (all when channels.toml did)."
        ),
    ] = None,
    changed_files: Annotated[
        bool,
        typer.Option(
            "--changed-files",
            help="PATHS are changed files (pre-commit passes them): check the posts among them, posts showing "
            "a changed media file, and every post when channels.toml is one. Other files are skipped.",
        ),
    ] = False,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs", "-j", min=1, help="Processes to share the files among (default: one per CPU for 400+ files)."
        ),
    ] = None,
) -> None:
    """The dry-run compliance preview: every rule on every post for every channel.

    Exit 1 when any error-level finding is not suppressed. Example:

        socialpub check --format github
    """
    from socialpub import report
    from socialpub.check import run_check
    from socialpub.gitchanges import posts_to_check

    globals_: Globals = ctx.obj
    if changed_since is not None and (paths or changed_files):
        from socialpub.errors import SocialpubError

        raise SocialpubError(
            "--changed-since chooses the files itself: it takes no PATHS and no --changed-files",
            hint="check --changed-since REF, or check --changed-files -- FILE...",
        )
    config = globals_.load()
    selected = posts_to_check(config, paths or (), changed_since=changed_since, changed_files=changed_files)
    if selected is None:
        from socialpub.check import CheckResult

        result = CheckResult(reports=[], file_findings=[], files=0)  # nothing changed: nothing to report
    else:
        result = run_check(
            config,
            selected,
            channels=check_channels(config, channel),
            at=parse_moment(at, config, "--at"),
            keep_reports=False,
            jobs=jobs,
        )
    if format is CheckFormat.json:
        text = report.check_json(result)
    elif format is CheckFormat.github:
        text = report.check_github(result)
    elif format is CheckFormat.junit:
        text = report.check_junit(result)
    elif format is CheckFormat.sarif:
        text = report.check_sarif(result, __version__)
    elif format is CheckFormat.markdown:
        text = report.check_markdown(result)
    else:
        text = report.check_text(result, color=output is None and stdout_is_terminal())
        if globals_.quiet and result.ok:
            text = ""
    dialect = {CheckFormat.json: "json", CheckFormat.sarif: "json", CheckFormat.github: "github"}
    emit(text, output, dialect=dialect.get(format, "text"))
    if not result.ok:
        raise typer.Exit(1)


@commands.command()
@errors_handled
def preview(
    ctx: typer.Context,
    posts: Annotated[
        list[Path] | None,
        typer.Argument(help="Post files, folders or post ids (default: the posts folder)."),
    ] = None,
    channel: Annotated[
        list[str] | None, typer.Option("--channel", "-c", help="Only this channel (repeatable).")
    ] = None,
    at: Annotated[str | None, typer.Option("--at", help="Judge as of this time.")] = None,
    format: Annotated[SimpleFormat, typer.Option("--format", "-f", help="Output format.")] = SimpleFormat.text,
    html: Annotated[
        Path | None,
        typer.Option("--html", metavar="FILE", help="Also write one self-contained HTML page of the cards to FILE."),
    ] = None,
) -> None:
    """How each post will look on each channel: text, counts, media, link, board, schedule and findings.

    Example:

        socialpub preview posts/mbc-strength-call.md

        socialpub preview --html preview.html
    """
    from socialpub import preview as cards
    from socialpub.check import run_check
    from socialpub.posts import select_posts

    config = ctx.obj.load()
    result = run_check(
        config, select_posts(config, posts or ()), channels=check_channels(config, channel),
        at=parse_moment(at, config, "--at"),
    )
    if html is not None:
        from socialpub.html import render_page

        emit(render_page(result, config), html)
        if not ctx.obj.quiet:
            typer.echo(f"socialpub: wrote the HTML preview to {html}", err=True)
    if format is SimpleFormat.json:
        emit(cards.preview_json(result, config), None, dialect="json")
    else:
        cards.print_cards(result, config, color=stdout_is_terminal())
    if not result.ok:
        raise typer.Exit(1)


@commands.command(name="hash")
@errors_handled
def hash_(
    ctx: typer.Context,
    posts: Annotated[list[Path], typer.Argument(help="Post files, folders or post ids to hash.")],
    format: Annotated[SimpleFormat, typer.Option("--format", "-f", help="Output format.")] = SimpleFormat.text,
) -> None:
    """Print the content hash of posts, for the approver to record as approved_sha256 (SP-META-008).

    Example:

        socialpub hash posts/oncavix-facebook.md
    """
    from socialpub import report
    from socialpub.check import hash_posts

    hashes = hash_posts(ctx.obj.load(), posts)
    if format is SimpleFormat.json:
        emit(report.envelope("hash", hashes=hashes), None)
        return
    for item in hashes:
        typer.echo(f"{item['sha256']}  {printable(item['post'], one_line=True)}  "
                   f"{printable(item['file'], one_line=True)}")


@commands.command()
@errors_handled
def channels(
    ctx: typer.Context,
    verify: Annotated[
        bool, typer.Option("--verify", help="Check each channel's credentials with its platform.")
    ] = False,
    sandbox: Annotated[bool, typer.Option("--sandbox", help="Verify against the built-in simulator.")] = False,
    format: Annotated[SimpleFormat, typer.Option("--format", "-f", help="Output format.")] = SimpleFormat.text,
) -> None:
    """List the channels of channels.toml with their kind, account and credential references (never values).

    With --verify, check each channel's credentials with its platform and warn about what will break
    (token expiry, YouTube "Testing" apps, Pinterest Trial access); exit 3 when a channel fails. Example:

        socialpub channels --verify
    """
    from socialpub import report

    config = ctx.obj.load()
    if verify:
        from socialpub.session import ledger_kind, sandboxed
        from socialpub.status import verify_channels

        with sandboxed(config, sandbox, ctx.obj.ledger) as box:
            checks = verify_channels(box.config, box.environ, ledger_kind(box.config, box.ledger))
        if format is SimpleFormat.json:
            emit(report.envelope("channels", ascii_only=True, verify=checks), None, dialect="json")
        else:
            for item in checks:
                mark = "ok " if item["ok"] else "FAIL"
                # what a platform said is shown, not obeyed (socialpub.terminal)
                line = f"{mark}  {item['channel']:<28} {item['kind']:<10} {item.get('error') or ''}"
                typer.echo(printable(line.rstrip()))
                for warning in item["warnings"]:
                    typer.echo(printable(f"      warning: {warning}"))
        if not all(item["ok"] for item in checks):
            raise typer.Exit(3)
        return
    from socialpub.status import channel_rows

    rows = channel_rows(config)
    if format is SimpleFormat.json:
        emit(report.envelope("channels", ascii_only=True, channels=rows), None, dialect="json")
        return
    for row in rows:
        line = f"{row['name']:<28} {row['kind']:<10} {row['account'] or ''}"
        if row["endpoint"]:
            line += f"  → {row['endpoint']}"
        typer.echo(printable(line.rstrip()))
        for key, reference in row["credentials"].items():  # references only: a value is never read here
            typer.echo(printable(f"    {key} = {reference}"))
        if row["boards"]:
            typer.echo(printable("    boards: " + ", ".join(row["boards"])))


@commands.command()
@errors_handled
def init(
    ctx: typer.Context,
    directory: Annotated[Path, typer.Argument(help="Where to create the repository of posts.")] = Path("."),
) -> None:
    """Scaffold channels.toml, posts/ with an example post, a CI workflow, a crontab line and a .gitignore.

    Existing files are left alone (a .gitignore only gets the patterns it lacks). Nothing is written through
    a symbolic link that leaves the folder. Example:

        socialpub init my-posts && cd my-posts && socialpub check
    """
    from socialpub.scaffold import scaffold

    created, updated, skipped = scaffold(directory)
    say = ctx.obj.say
    for path in created:
        say(printable(f"created {path}"))
    for path in updated:
        say(printable(f"updated {path} (added socialpub's patterns)"))
    for path in skipped:
        say(printable(f"kept    {path} (exists)"))
    say(
        "\nNext: edit channels.toml (credentials are env:/file: references), write posts in posts/, "
        "then run `socialpub check`."
    )


@commands.command()
@errors_handled
def agenda(
    ctx: typer.Context,
    start: Annotated[
        str | None, typer.Option("--from", help="First day (default: today in the configured zone).")
    ] = None,
    days: Annotated[int, typer.Option("--days", min=1, max=3660, help="How many days.")] = 30,
    ics: Annotated[Path | None, typer.Option("--ics", help="Also write an iCalendar file for calendar apps.")] = None,
    format: Annotated[SimpleFormat, typer.Option("--format", "-f", help="Output format.")] = SimpleFormat.text,
) -> None:
    """The editorial calendar: upcoming (post, channel) by day, campaign windows, what already went out,
    and warnings for collisions, posts outside campaign windows and approvals that expire first.

    Example:

        socialpub agenda --from 2014-09-01 --days 45 --ics agenda.ics
    """
    from socialpub.agenda import agenda_ics, agenda_json, agenda_text, build_agenda
    from socialpub.session import ledger_exists

    globals_: Globals = ctx.obj
    config = globals_.load()
    zone = config.defaults.timezone
    first = parse_day(start, "--from") if start is not None else datetime.now(UTC).astimezone(zone).date()
    if ledger_exists(config, globals_.ledger):
        with globals_.session(config) as opened:
            result = build_agenda(config, start=first, days=days, ledger=opened.ledger)
    else:
        result = build_agenda(config, start=first, days=days, ledger=None)
    if ics is not None:
        emit(agenda_ics(result, zone), ics)
    if format is SimpleFormat.json:
        emit(agenda_json(result, zone), None, dialect="json")
    else:
        emit(agenda_text(result, zone), None)


# --- publishing -----------------------------------------------------------------------------------


class RunFormat(str, Enum):
    text = "text"
    json = "json"


def print_results(command: str, results: list[Any], format: RunFormat | SimpleFormat, quiet: bool) -> None:
    from socialpub import report
    from socialpub.publish import overall

    if format.value == "json":
        emit(report.results_json(command, results, overall(results)), None, dialect="json")
    else:
        text = report.results_text(results, color=stdout_is_terminal(), quiet=quiet)
        if text:
            emit(text, None)


def warn_credentials(publisher: Any) -> None:
    """Once per run: credential files others can read (not a refusal: secret mounts are often 0444)."""
    for warning in publisher.renderer.credential_warnings.values():
        typer.echo(f"warning: {warning}", err=True)


@commands.command()
@errors_handled
def publish(
    ctx: typer.Context,
    posts: Annotated[list[Path], typer.Argument(help="Post files, folders or post ids to publish now.")],
    channel: Annotated[
        list[str] | None, typer.Option("--channel", "-c", help="Only this channel (repeatable).")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Everything but the send: show what would be sent.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    again: Annotated[
        bool, typer.Option("--again", help="Publish a (post, channel) that was already published (recorded).")
    ] = False,
    reason: Annotated[str | None, _reason_option("it is published again (--again)")] = None,
    sandbox: Annotated[
        bool, typer.Option("--sandbox", help="Publish to the built-in simulator, with throw-away credentials.")
    ] = False,
    format: Annotated[RunFormat, typer.Option("--format", "-f", help="Output format.")] = RunFormat.text,
) -> None:
    """Publish posts now, whatever their publish_at says. Refuses posts with error-level findings.

    Exit 0 when all went out, 1 when refused by findings, 3 when a channel failed, 4 when an outcome is
    unknown. Example:

        socialpub publish posts/labtalk-launch.md --channel az-us-twitter
    """
    from contextlib import ExitStack

    from socialpub.errors import ExitCode, SocialpubError
    from socialpub.posts import load_posts, select_posts
    from socialpub.publish import Publisher, exit_code

    if again and not dry_run:
        reason = reason_for(reason, "publishing again", "socialpub publish POST --again")
    globals_: Globals = ctx.obj
    config = globals_.load()
    channels = check_channels(config, channel)
    loaded = load_posts(config, select_posts(config, posts))
    if loaded.errors:
        raise SocialpubError(
            "cannot publish posts that do not load:\n  " + "\n  ".join(str(e) for e in loaded.errors),
            hint="socialpub check shows every problem",
        )
    with ExitStack() as stack:
        opened = stack.enter_context(globals_.session(config, sandbox=sandbox))
        config = opened.config
        if sandbox and not globals_.quiet and format is RunFormat.text:
            typer.echo("Publishing to the built-in sandbox (no account needed).", err=True)
        publisher = Publisher(config, opened.ledger, environ=opened.environ, dry_run=dry_run)
        warn_credentials(publisher)
        reports = publisher.check_posts(loaded.posts, channels)  # before the confirmation: what is sent is this
        targets = [(r.post.id, x.channel.name) for r in reports for x in r.renders]
        if not targets:
            raise SocialpubError("nothing to publish: no post has the selected channels")
        if not (dry_run or yes or sandbox) and sys.stdin.isatty():
            listing = ", ".join(f"{p} → {c}" for p, c in targets)
            if not confirmed(f"Publish {listing}?", nothing_was="published"):
                typer.echo("Nothing was published.")
                raise typer.Exit(0)
        if not dry_run and stdout_is_terminal() and not globals_.quiet:
            publisher.progress = stack.enter_context(upload_progress())
        results = publisher.publish_now(reports, again=again, reason=reason if again else None)
    print_results("publish", results, format, globals_.quiet)
    code = exit_code(results)
    if not code and any(r.state == "paused" for r in results):
        code = ExitCode.FINDINGS  # a person asked for it and a pause held it back: not a success (run: 0)
    if code:
        raise typer.Exit(int(code))


@contextmanager_helper
def upload_progress() -> Iterator[Callable[[str, str, int, int], None]]:
    """A progress bar (bytes, rate, ETA) per (post, channel) whose media streams out, on a terminal only (cron
    and CI stay quiet); what it yields is the Publisher's `progress` callback."""
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        transient=True,
    )
    tasks: dict[tuple[str, str], Any] = {}  # one (post, channel) per publishing thread: no two add the same

    def update(post: str, channel: str, sent: int, total: int) -> None:
        if (post, channel) not in tasks:
            tasks[post, channel] = bar.add_task(f"{post} → {channel}", total=total)
        bar.update(tasks[post, channel], completed=sent, total=total)

    with bar:
        yield update


@commands.command()
@errors_handled
def run(
    ctx: typer.Context,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what is due and would be sent; send nothing.")
    ] = False,
    now: Annotated[str | None, typer.Option("--now", help="Act as if it were this time (rehearsals, tests).")] = None,
    sandbox: Annotated[bool, typer.Option("--sandbox", help="Publish to the built-in simulator.")] = False,
    format: Annotated[RunFormat, typer.Option("--format", "-f", help="Output format.")] = RunFormat.text,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only what needs attention (for cron).")] = False,
) -> None:
    """The cron entry: publish every due (post, channel) not yet published, exactly once.

    Exit 0 (also when another run holds the lock or publishing is paused), 1 refused by findings,
    3 failed, 4 unknown outcome. Example:

        */5 * * * * cd /srv/posts && socialpub run --quiet
    """
    from socialpub.posts import load_posts
    from socialpub.publish import NothingDone, Publisher, exit_code, refused_files, run_due

    globals_: Globals = ctx.obj
    config = globals_.load()
    moment = parse_moment(now, config, "--now") or datetime.now(UTC)
    with globals_.session(config, sandbox=sandbox) as opened:
        config = opened.config
        loaded = load_posts(config, due_by=moment)
        publisher = Publisher(config, opened.ledger, environ=opened.environ, dry_run=dry_run)
        warn_credentials(publisher)
        results = refused_files(loaded.errors)
        try:
            results += run_due(publisher, loaded.posts, moment)  # takes the run lock, checks the pause
        except NothingDone as nothing:
            if nothing.status == "paused" or not (quiet or globals_.quiet):  # a pause is news even to cron
                typer.echo(f"socialpub run: {nothing}.", err=True)
            if format is RunFormat.json:  # a log collector gets its line for this run too
                from socialpub import report

                emit(report.results_json("run", [], nothing.status, message=str(nothing)), None, dialect="json")
            return
    print_results("run", results, format, quiet or globals_.quiet or not stdout_is_terminal())
    code = exit_code(results)
    if code:
        raise typer.Exit(int(code))


@commands.command()
@errors_handled
def status(
    ctx: typer.Context,
    now: Annotated[str | None, typer.Option("--now", help="Judge due/scheduled as of this time.")] = None,
    format: Annotated[SimpleFormat, typer.Option("--format", "-f", help="Output format.")] = SimpleFormat.text,
    post: Annotated[
        list[str] | None, typer.Option("--post", "-p", help="Only this post: its id or file (repeatable).")
    ] = None,
) -> None:
    """One row per (post, channel): scheduled, due, published (URL), failed (reason), unknown, missed,
    retracted, edited-after-publish.

    Example:

        socialpub status --format json

        socialpub status --post mbc-strength-call
    """

    from socialpub import report
    from socialpub.status import status_rows

    globals_: Globals = ctx.obj
    config = globals_.load()
    with globals_.session(config) as opened:
        rows = status_rows(config, opened.ledger, parse_moment(now, config, "--now") or datetime.now(UTC))
        pause = opened.ledger.paused()  # the crisis switch is the first thing a person must see
        if post:
            from socialpub.posts import post_id_of

            known = {row["post"] for row in rows}
            wanted = {post_id_of(config, name, known=known) for name in post}
            rows = [row for row in rows if row["post"] in wanted]
    if format is SimpleFormat.json:
        emit(report.envelope("status", paused=pause, rows=rows), None, dialect="json")
    else:
        emit(report.status_text(rows, config.defaults.timezone, pause), None)


class HistoryFormat(str, Enum):
    table = "table"
    text = "text"
    json = "json"
    csv = "csv"


@commands.command()
@errors_handled
def history(
    ctx: typer.Context,
    since: Annotated[str | None, typer.Option("--since", help="Only events from this date or time on.")] = None,
    format: Annotated[
        HistoryFormat, typer.Option("--format", "-f", help="table (or text), json or csv.")
    ] = HistoryFormat.table,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to FILE.")] = None,
    chain: Annotated[
        bool, typer.Option("--chain", help="Also each event's id and hash-chain links (JSON always has them).")
    ] = False,
) -> None:
    """The audit trail from the ledger: every attempt, outcome, pause, resolve and retraction.

    Example:

        socialpub history --since 2014-09-01 --format csv -o audit.csv
    """
    from socialpub import report

    globals_: Globals = ctx.obj
    config = globals_.load()
    with globals_.session(config) as opened:
        events = opened.ledger.events(parse_moment(since, config, "--since"))
    if format is HistoryFormat.json:
        emit(report.history_json(events), output, dialect="json")
    elif format is HistoryFormat.csv:
        emit(report.history_csv(events, chain=chain), output)
    else:
        emit(report.history_text(events, chain=chain), output)


@commands.command()
@errors_handled
def resolve(
    ctx: typer.Context,
    post: Annotated[str, typer.Argument(help="The post id (or file).")],
    channel: Annotated[str, typer.Option("--channel", "-c", help="The channel to settle.")],
    published: Annotated[str | None, typer.Option("--published", help="It was published: its id or URL.")] = None,
    not_published: Annotated[
        bool, typer.Option("--not-published", help="It was not published: the next run may send it.")
    ] = False,
    reason: Annotated[str | None, _reason_option("it is settled so (what was looked at)")] = None,
) -> None:
    """Settle an outcome the tool could not confirm (state unknown), recorded with who did it.

    Example:

        socialpub resolve mbc-strength-call --channel az-us-twitter --published https://x.com/AstraZenecaUS/status/1 \\
            --reason "seen on the account by the social lead"
    """
    from socialpub.errors import SocialpubError
    from socialpub.status import resolve_outcome

    if (published is None) == (not not_published):
        raise SocialpubError("say either --published ID_OR_URL or --not-published")
    reason = reason_for(reason, "resolving", f"socialpub resolve POST --channel {channel}")
    globals_: Globals = ctx.obj
    config = globals_.load()
    check_channels(config, [channel])
    with globals_.session(config) as opened:
        from socialpub.posts import post_id_of

        post_id = post_id_of(config, post, known=[row.post_id for row in opened.ledger.rows()])
        message = resolve_outcome(opened.ledger, post_id, channel, published, reason)
    globals_.say(printable(message))


@commands.command()
@errors_handled
def retract(
    ctx: typer.Context,
    post: Annotated[str, typer.Argument(help="The post id (or file) to delete from its platforms.")],
    channel: Annotated[
        list[str] | None, typer.Option("--channel", "-c", help="Only this channel (repeatable).")
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    reason: Annotated[str | None, _reason_option("it is deleted")] = None,
    sandbox: Annotated[bool, typer.Option("--sandbox", help="Use the built-in simulator.", hidden=True)] = False,
    format: Annotated[RunFormat, typer.Option("--format", "-f", help="Output format.")] = RunFormat.text,
) -> None:
    """Delete a published post from its platforms, recorded in the ledger.

    Example:

        socialpub retract labtalk-launch --channel az-us-twitter --reason "MLR withdrew approval (ticket 4711)"
    """
    from socialpub.publish import exit_code
    from socialpub.status import retract_post

    reason = reason_for(reason, "retracting", "socialpub retract POST")
    globals_: Globals = ctx.obj
    config = globals_.load()
    channels = check_channels(config, channel)
    with globals_.session(config, sandbox=sandbox) as opened:
        from socialpub.posts import post_id_of

        post_id = post_id_of(config, post, known=[row.post_id for row in opened.ledger.rows()])
        if not yes and sys.stdin.isatty():
            if not confirmed(
                f"Delete {post_id} from {', '.join(channels or ['all its channels'])}?", nothing_was="deleted"
            ):
                typer.echo("Nothing was deleted.")
                raise typer.Exit(0)
        _read_before_retract(opened, post_id, channels)
        results = retract_post(opened.config, opened.ledger, post_id, channels, opened.environ, reason)
    print_results("retract", results, format, globals_.quiet)
    code = exit_code(results)
    if code:
        raise typer.Exit(int(code))


def _read_before_retract(opened: Any, post_id: str, channels: list[str] | None) -> None:
    """The comments on the post, read once more before it is deleted (the safety inbox: Facebook and YouTube delete
    them with it). Counts and item ids only, on stderr; a read that fails does not stop the retraction."""
    from socialpub.watch import read_before_retract

    done = read_before_retract(opened.config, opened.ledger, post_id, channels, datetime.now(UTC),
                               environ=opened.environ)
    if done is None:
        typer.echo("retract: another watch is running: the comments were not read once more before the deletion "
                   "(socialpub watch --report shows what was never read)", err=True)
        return
    if not (done.reads or done.failed or done.not_reached):
        return
    queued = f": {', '.join(done.queued)} (socialpub inbox)" if done.queued else ""
    failed = f"; {len(done.failed)} read(s) failed (socialpub watch --report)" if done.failed else ""
    typer.echo(f"retract: comments read before the deletion: {done.new_comments} new, {len(done.queued)} queued"
               f"{queued}{failed}", err=True)


@commands.command()
@errors_handled
def pause(
    ctx: typer.Context,
    reason: Annotated[str | None, typer.Option("--reason", help="Why (recorded in the audit trail).")] = None,
) -> None:
    """Stop all publishing by `run` and `publish` (a crisis switch), recorded with who and why.

    Example:

        socialpub pause --reason "product recall: hold all posts"
    """
    globals_: Globals = ctx.obj
    config = globals_.load()
    if not said_something(reason):  # the crisis switch never fails, nor waits, for want of a reason
        reason = None
    with globals_.session(config) as opened:
        changed = opened.ledger.pause(reason)
        if reason is None:
            typer.echo(f'socialpub: warning: paused without --reason: recorded as "{opened.ledger.NO_REASON}"',
                       err=True)
    globals_.say("Publishing is paused." if changed else "Publishing was already paused.")


@commands.command()
@errors_handled
def resume(
    ctx: typer.Context,
    reason: Annotated[str | None, _reason_option("publishing restarts")] = None,
) -> None:
    """Restart publishing after `socialpub pause`, recorded with who and why.

    Example:

        socialpub resume --reason "recall lifted by regulatory affairs"
    """
    reason = reason_for(reason, "resuming", "socialpub resume")
    globals_: Globals = ctx.obj
    config = globals_.load()
    with globals_.session(config) as opened:
        changed = opened.ledger.resume(reason=reason)
    globals_.say("Publishing resumed." if changed else "Publishing was not paused.")


@commands.command()
@errors_handled
def auth(
    ctx: typer.Context,
    channel: Annotated[str, typer.Argument(help="The channel to authorise.")],
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="Print the consent URL instead of opening it.")
    ] = False,
    port: Annotated[
        int | None,
        typer.Option("--port", help="Loopback port of the redirect (default: the channel's redirect_uri)."),
    ] = None,
) -> None:
    """Obtain OAuth tokens for a channel and store them outside the repository (mode 0600).

    Example:

        socialpub auth az-us-youtube
    """
    from socialpub.auth import authorize_channel

    globals_: Globals = ctx.obj
    config = globals_.load()
    check_channels(config, [channel])
    for line in authorize_channel(config, channel, open_browser=not no_browser, port=port):
        typer.echo(printable(line))


@commands.command(name="sandbox")
@errors_handled
def sandbox_command(
    port: Annotated[
        int, typer.Option("--port", min=0, max=65535, help="Port on 127.0.0.1 (0: any free port).")
    ] = 8765,
    latency: Annotated[float, typer.Option("--latency", min=0.0, help="Seconds added to every request.")] = 0.0,
) -> None:
    """Run the local platform simulator in the foreground (X, Facebook, YouTube and Pinterest APIs).

    Credentials it accepts: any value that starts with "sandbox" (sandbox-api_key, sandbox-page_token, …)
    and the tokens its own token endpoints issue. The exact pairs whose signatures it checks are
    sandbox-api_key/sandbox-access_token with sandbox-api_secret/sandbox-access_secret (X OAuth 1.0a),
    app_secret sandbox-app_secret (Facebook appsecret_proof) and app_id sandbox-app_id with app_secret
    sandbox-app_secret (Pinterest token refresh).

    Every post made there gets a few realistic replies or comments (two of them report side effects of the
    sample product); seed more with POST /_sandbox/comments.

    Point a channel at it with endpoint = "http://127.0.0.1:8765"; when it starts it prints a channels.toml
    snippet (one channel of each kind with env: credentials) and the export lines for them. Example:

        socialpub sandbox --port 8765
    """
    import time

    from socialpub.errors import SocialpubError
    from socialpub.sandbox import Sandbox
    from socialpub.sandboxing import banner, terminate_as_interrupt

    try:
        box = Sandbox(port=port, latency=latency, comments="demo").start()
    except OSError as exc:
        raise SocialpubError(
            f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}",
            key="--port",
            hint="another program (another sandbox?) uses that port, or it needs privileges: choose another "
            "with --port N, or use --port 0 for any free port",
        ) from None
    typer.echo(banner(box.url))
    try:
        with terminate_as_interrupt():  # SIGTERM ends it like Ctrl-C: exit 130, no traceback
            while True:
                time.sleep(3600)
    finally:
        box.stop()


# --- export: records for regulators -----------------------------------------------------------------------

export_app = typer.Typer(
    help="Records for regulators, from the ledger.\n\nExample:\n\n    socialpub export 2253 --from 2014-10-01 "
    "--to 2014-12-31 -o 2253-2014-Q4",
    no_args_is_help=True,
    rich_markup_mode=None,
)
commands.add_typer(export_app, name="export")
_RECORDED_IN_THE_LEDGER.add("export_2253")  # each exported piece is an event


@export_app.command(name="2253")
@errors_handled
def export_2253(
    ctx: typer.Context,
    from_: Annotated[str, typer.Option("--from", help="First day of the period (YYYY-MM-DD, [defaults] timezone).")],
    to: Annotated[str, typer.Option("--to", help="Last day of the period, included.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="The package's folder: new or empty.")],
    force: Annotated[
        bool, typer.Option("--force", help="Replace the earlier package in that folder (nothing else is replaced).")
    ] = False,
    format: Annotated[SimpleFormat, typer.Option("--format", "-f", help="Output format.")] = SimpleFormat.text,
) -> None:
    """The Form FDA 2253 package of the promotional pieces disseminated in a period: a specimen PDF of each
    piece as it was sent, and manifest.csv / manifest.json with the form's fields. It prepares the package;
    the submission goes through the company's eCTD gateway.

    Exit 0 when written, 1 when written with pieces a person must look at (listed), 2 when nothing was written.
    Example:

        socialpub export 2253 --from 2014-10-01 --to 2014-12-31 -o 2253-2014-Q4
    """
    from socialpub.form2253 import exit_code, export_2253

    globals_: Globals = ctx.obj
    start, end = parse_day(from_, "--from"), parse_day(to, "--to")
    config = globals_.load()
    with globals_.session(config) as opened:
        package = export_2253(config, opened.ledger, output, start, end, force=force)
    if format is SimpleFormat.json:
        from socialpub import report

        emit(report.envelope("export 2253", **{k: v for k, v in package.manifest.items()
                                                 if k not in ("version", "command")}), None, dialect="json")
    else:
        audiences = [p.audience for p in package.pieces]
        globals_.say(printable(
            f"Form FDA 2253 package in {output}: {len(package.pieces)} piece(s) ({audiences.count('consumer')} "
            f"consumer, {audiences.count('professional')} professional), {len(package.manifest['rows'])} "
            "manifest row(s)."))
        for problem in package.problems:
            typer.echo(printable(f"  ! {problem}"), err=True)
    code = exit_code(package)
    if code:
        raise typer.Exit(code)


# --- the audit trail as evidence: audit verify, audit export (socialpub.audit; README, "Audit trail") ---

audit_app = typer.Typer(
    name="audit",
    help="""The tamper-evident audit trail: verify the ledger's hash chain, export a window of it (signed).

    Example:

        socialpub audit verify

        socialpub audit export --from 2014-09-01 --to 2014-09-30 -o audit-2014-09.jsonl --sign ~/.ssh/audit_ed25519
    """,
    no_args_is_help=True,
    rich_markup_mode=None,
)
commands.add_typer(audit_app)


def _end_of(value: str | None, config: Config, option: str) -> datetime | None:
    """--to: a date-time, or a date meaning the whole of that day (the window ends at the next midnight)."""
    moment = parse_moment(value, config, option)
    if moment is not None and value is not None and _is_day(value):
        from socialpub.posts import day_start

        moment = day_start(date.fromisoformat(value.strip()) + timedelta(days=1), config.defaults.timezone)
        moment = moment.astimezone(UTC)
    return moment


def _print_chain(report: Any, what: str, head: dict[str, Any] | None, format: SimpleFormat,
                 signature: str | None = None) -> None:
    if format is SimpleFormat.json:
        from socialpub.report import envelope

        emit(envelope("audit", intact=report.intact, events=report.events, breaks=report.count,
                      first_breaks=[{"event": b.event_id, "message": b.message} for b in report.breaks],
                      first_id=report.first_id, last_id=report.last_id, head=head, signature=signature),
             None, dialect="json")
        return
    if signature:
        typer.echo(printable(signature))
    if report.intact:
        span = f" (#{report.first_id} to #{report.last_id})" if report.events else ""
        typer.echo(printable(f"{what} intact: {report.events} events{span}"))
    else:
        typer.echo(printable(f"{what} NOT intact: {report.count} break(s); the first:"), err=True)
        for item in report.breaks:
            typer.echo(printable(f"  {item.message}"), err=True)
        if report.count > len(report.breaks):
            typer.echo(f"  … and {report.count - len(report.breaks)} more", err=True)
    if isinstance(head, dict) and head.get("id"):  # an export's header may have been edited into anything
        # compared with the head kept elsewhere, this is what shows a chain rewritten as a whole
        typer.echo(printable(f"chain head: event #{head['id']} {head['hash']}"))


@audit_app.command(name="verify")
@errors_handled
def audit_verify(
    ctx: typer.Context,
    export: Annotated[
        Path | None, typer.Option("--export", metavar="FILE", help="Check this export offline (no database).")
    ] = None,
    signers: Annotated[
        Path | None,
        typer.Option("--signers", metavar="FILE", help="Also check FILE.sig against this allowed-signers file."),
    ] = None,
    identity: Annotated[
        str | None, typer.Option("--identity", help="The signer expected (default: the one --signers names).")
    ] = None,
    format: Annotated[SimpleFormat, typer.Option("--format", "-f", help="Output format.")] = SimpleFormat.text,
    head: Annotated[
        str | None, typer.Option("--head", metavar="ID:HASH",
                                 help="A chain head kept earlier (as printed): it must still be in the chain.")
    ] = None,
    against: Annotated[
        Path | None, typer.Option("--against", metavar="FILE",
                                  help="An earlier `audit export`: each of its events must be in the ledger unchanged.")
    ] = None,
) -> None:
    """Recompute the hash chain and name the first event that does not match; exit 0 intact, 1 not.

    Example:

        socialpub audit verify

        socialpub audit verify --head 1234:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08

        socialpub audit verify --export audit-2014-09.jsonl --signers allowed_signers

        socialpub audit verify --against audit-2014-09.jsonl
    """
    from socialpub import audit
    from socialpub.errors import SocialpubError

    if export is None:
        if (signers or identity) and against is None:
            raise SocialpubError("--signers and --identity check the signature of an export",
                                 hint="socialpub audit verify --export FILE --signers ALLOWED_SIGNERS")
        kept = audit.parse_kept_head(head) if head is not None else None
        # --against: the earlier export read (and its signature checked) before the ledger is opened
        confirmation = audit.verify_signature(against, signers, identity, "--against") if against and signers \
            else None
        earlier = audit.verify_export(against, "--against") if against is not None else None
        globals_: Globals = ctx.obj
        config = globals_.load()
        with globals_.session(config) as opened:
            report = audit.verify_ledger(opened.ledger, kept)
            if earlier is not None:
                for item in earlier[1].breaks:  # an export that is not intact on its own is no yardstick
                    report.add(item.event_id, f"the export {against}: {item.message}")
                report.count += earlier[1].count - len(earlier[1].breaks)  # those past the first few, counted
                audit.compare_with_export(opened.ledger, earlier[0], report)
            head = opened.ledger.chain_head()
        what = f"audit trail against {against}" if against is not None else "audit trail"
        _print_chain(report, what, {"id": head["id"], "hash": head["hash"]}, format, confirmation)
        if not report.intact:
            raise typer.Exit(1)
        return
    if against is not None:
        raise SocialpubError("--against compares the ledger with an export; --export checks an export alone",
                             hint="socialpub audit verify --against FILE (without --export)")
    if head is not None:
        raise SocialpubError("--head checks the ledger's chain, not an export",
                             hint="socialpub audit verify --head ID:HASH (without --export)")
    confirmation = audit.verify_signature(export, signers, identity) if signers else None
    loaded, report = audit.verify_export(export)
    _print_chain(report, f"export {export}", loaded.header.get("head"), format, confirmation)
    if not report.intact:
        raise typer.Exit(1)


@audit_app.command(name="export")
@errors_handled
def audit_export(
    ctx: typer.Context,
    output: Annotated[Path, typer.Option("--output", "-o", help="FILE.jsonl (JSON Lines) or FILE.csv.")],
    from_: Annotated[
        str | None, typer.Option("--from", help="First date or time (default: the first event).")
    ] = None,
    to: Annotated[
        str | None, typer.Option("--to", help="Last date (the whole day) or time (excluded) (default: now).")
    ] = None,
    sign: Annotated[
        str | None,
        typer.Option("--sign", metavar="KEY", help="Sign with this SSH private key (PATH, file:PATH or env:NAME): "
                     "writes FILE.sig."),
    ] = None,
) -> None:
    """Every event in the window with its chain links, the link into the window and the chain head.

    Example:

        socialpub audit export --from 2014-09-01 --to 2014-09-30 -o audit-2014-09.csv
    """
    from socialpub import audit

    globals_: Globals = ctx.obj
    config = globals_.load()
    start = parse_moment(from_, config, "--from")
    end = _end_of(to, config, "--to")
    if start is not None and end is not None and start >= end:
        from socialpub.errors import SocialpubError

        raise SocialpubError(f"--from {from_} is not before --to {to}: the window is empty",
                             hint="--to DATE includes that whole day: --from 2014-09-01 --to 2014-09-30")
    with globals_.session(config) as opened:
        header = audit.export_window(opened.ledger, start, end, output, key=sign)
    signed = f", signed ({output.name}.sig)" if sign else ""
    globals_.say(printable(f"wrote {header['events']} events to {output}{signed}; chain head: event "
                           f"#{header['head']['id']} {header['head']['hash']}"))


# --- the safety inbox: `watch` and `inbox` (README, "The safety inbox") -------------------------------------


@commands.command()
@errors_handled
def watch(
    ctx: typer.Context,
    now: Annotated[str | None, typer.Option("--now", help="Act as if it were this time (rehearsals, tests).")] = None,
    report_: Annotated[
        bool, typer.Option("--report", help="Read nothing: show what was watched, when, and every gap.")
    ] = False,
    format: Annotated[SimpleFormat, typer.Option("--format", "-f", help="Output format.")] = SimpleFormat.text,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only when a person is needed (cron).")] = False,
) -> None:
    """The cron entry of the safety inbox: read new replies and comments on published posts, screen them, queue
    what needs a person. Prints counts and item ids only, never comment text or authors.

    Exit 4 an item is overdue, 3 a channel could not be read, 1 items wait for triage, 0 nothing needs a
    person (also when another watch holds the lock). Publishing's pause does not stop it. Example:

        */15 * * * * cd /srv/posts && socialpub watch

        socialpub watch --report --format json
    """
    from socialpub import inboxview, report
    from socialpub.watch import NotWatched, coverage
    from socialpub.watch import watch as watch_posts

    globals_: Globals = ctx.obj
    config = globals_.load()
    moment = parse_moment(now, config, "--now") or datetime.now(UTC)
    with globals_.session(config) as opened:
        if report_:
            rows = coverage(opened.config, opened.ledger, moment)
            if format is SimpleFormat.json:
                emit(report.envelope("watch --report", now=moment.isoformat(), rows=rows), None, dialect="json")
            else:
                emit(inboxview.coverage_text(rows, config.defaults.timezone), None)
            return
        try:
            done = watch_posts(opened.config, opened.ledger, moment, environ=opened.environ)
        except NotWatched as nothing:
            if not (quiet or globals_.quiet):
                typer.echo(f"socialpub watch: {nothing}.", err=True)
            if format is SimpleFormat.json:
                emit(report.envelope("watch", status="locked", message=str(nothing)), None, dialect="json")
            return
    if warning := inboxview.clock_warning(done):
        typer.echo(warning, err=True)
    if format is SimpleFormat.json:
        emit(report.envelope("watch", now=moment.isoformat(), **done.to_dict()), None, dialect="json")
    elif not (quiet or globals_.quiet) or done.exit_code:
        emit(inboxview.watch_text(done), None)
    if done.exit_code:
        raise typer.Exit(int(done.exit_code))


inbox_app = typer.Typer(no_args_is_help=False, rich_markup_mode=None)
commands.add_typer(inbox_app, name="inbox")


@inbox_app.callback(invoke_without_command=True)
@errors_handled
def inbox_list(
    ctx: typer.Context,
    now: Annotated[str | None, typer.Option("--now", help="Judge overdue as of this time.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Also items already forwarded or closed by triage.")] = False,
    format: Annotated[SimpleFormat, typer.Option("--format", "-f", help="Output format.")] = SimpleFormat.text,
) -> None:
    """The safety inbox: items that wait for a person, oldest first, with their clocks (day 0, due, overdue).
    Ids, categories and the four elements only; `inbox show ID` shows one comment.

    Subcommands: show, triage, forward, export. Example:

        socialpub inbox

        socialpub inbox triage S-000001 --as ae --reason "dizziness after first dose, patient is the author"
    """
    if ctx.invoked_subcommand:
        return
    from socialpub import inbox, inboxview

    globals_: Globals = ctx.obj
    config = globals_.load()
    moment = parse_moment(now, config, "--now") or datetime.now(UTC)
    with globals_.session(config) as opened:
        found = inbox.items(opened.ledger, waiting_only=not all_)
    if format is SimpleFormat.json:
        emit(inboxview.items_json(found, moment), None, dialect="json")
    else:
        emit(inboxview.items_text(found, moment, config.defaults.timezone), None)


@inbox_app.command(name="show")
@errors_handled
def inbox_show(
    ctx: typer.Context,
    item: Annotated[str, typer.Argument(help="The item id, e.g. S-000001.")],
    force_text: Annotated[
        bool, typer.Option("--force-text", help="Print the text and author even when stdout is not a terminal.")
    ] = False,
    now: Annotated[str | None, typer.Option("--now", help="Judge overdue as of this time.")] = None,
) -> None:
    """One item: the comment with its evidence marked, the post it answers, the link, the clocks. The text and
    author only on a terminal (or with --force-text). Example:

        socialpub inbox show S-000001
    """
    from socialpub import inbox, inboxview

    globals_: Globals = ctx.obj
    config = globals_.load()
    moment = parse_moment(now, config, "--now") or datetime.now(UTC)
    with globals_.session(config) as opened:
        found = inbox.item(opened.ledger, item)
        comment = inbox.comment_of(opened.ledger, found)
    emit(inboxview.show_text(found, comment, moment, config.defaults.timezone,
                             with_text=force_text or stdout_is_terminal()), None)


@inbox_app.command(name="triage")
@errors_handled
def inbox_triage(
    ctx: typer.Context,
    item: Annotated[str, typer.Argument(help="The item id, e.g. S-000001.")],
    as_: Annotated[str, typer.Option("--as", help="ae, complaint, inquiry or other.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (recorded in the audit trail; not the comment).")],
) -> None:
    """Classify an item (recorded with who, when and why). ae and complaint then wait to be forwarded to PV;
    inquiry and other close it. Example:

        socialpub inbox triage S-000001 --as ae --reason "dizziness after first dose"
    """
    from socialpub import inbox

    globals_: Globals = ctx.obj
    config = globals_.load()
    with globals_.session(config) as opened:
        done = inbox.triage(opened.ledger, item, as_.strip().lower(), reason, at=datetime.now(UTC))
    next_step = f"; forward it: socialpub inbox forward {done.id} --ref CASE-ID" if done.waiting else ""
    globals_.say(f"{done.id}: triaged as {done.triaged_as}{next_step}")


@inbox_app.command(name="forward")
@errors_handled
def inbox_forward(
    ctx: typer.Context,
    item: Annotated[str, typer.Argument(help="The item id, e.g. S-000001.")],
    ref: Annotated[str, typer.Option("--ref", help="PV's case reference for it.")],
) -> None:
    """Record the hand-off of an item to pharmacovigilance under its case reference, with who and when.
    Example:

        socialpub inbox forward S-000001 --ref PV-2026-001234
    """
    from socialpub import inbox

    globals_: Globals = ctx.obj
    config = globals_.load()
    with globals_.session(config) as opened:
        done = inbox.forward(opened.ledger, item, ref, at=datetime.now(UTC))
    late = " (after its due time)" if done.forwarded_at and done.forwarded_at >= done.due else ""
    globals_.say(f"{done.id}: forwarded to PV as {printable(done.pv_ref or '', one_line=True)}{late}")


class ExportFormat(str, Enum):
    csv = "csv"
    json = "json"


@inbox_app.command(name="export")
@errors_handled
def inbox_export(
    ctx: typer.Context,
    output: Annotated[Path, typer.Option("--output", "-o", help="The file to write (mode 0600).")],
    format: Annotated[
        ExportFormat | None, typer.Option("--format", "-f", help="csv or json (default: from the file's suffix).")
    ] = None,
    item: Annotated[list[str] | None, typer.Option("--id", help="Only this item (repeatable).")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Every item, also those forwarded or closed.")] = False,
) -> None:
    """Write items for PV intake: verbatim text, platform URL, author handle, day 0, the four elements found.
    The file holds health information: it is written readable by its owner only, and the export is recorded.
    Example:

        socialpub inbox export -o pv-intake.csv
    """
    from socialpub import inbox, inboxview

    globals_: Globals = ctx.obj
    config = globals_.load()
    kind = format or (ExportFormat.json if output.suffix.lower() == ".json" else ExportFormat.csv)
    with globals_.session(config) as opened:
        if item:
            chosen = [inbox.item(opened.ledger, name) for name in item]
        else:
            chosen = inbox.items(opened.ledger, waiting_only=not all_)
        records = inboxview.export_records([(i, inbox.comment_of(opened.ledger, i)) for i in chosen])
        text = inboxview.export_json(records) if kind is ExportFormat.json else inboxview.export_csv(records)
        inboxview.write_private(output, text)
        inbox.record_export(opened.ledger, chosen, str(output))
    globals_.say(f"{len(chosen)} item(s) written to {printable(str(output), one_line=True)} (mode 0600)")



def main() -> None:
    """Console entry point."""
    from socialpub.terminal import guarded_output, reserve_standard_descriptors

    reserve_standard_descriptors()
    with guarded_output():  # also typer's own messages (usage errors quote the command line)
        app(prog_name="socialpub")


if __name__ == "__main__":  # pragma: no cover
    main()
