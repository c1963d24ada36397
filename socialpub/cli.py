"""The command line: parse options, call one core function, print, pick the exit code.

Only this module imports typer. The core is imported inside each command so that `--help` and
`--version` stay as light as typer itself (no SDK, no rule engine at start-up).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from contextlib import contextmanager as contextmanager_helper
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from socialpub import __version__

if TYPE_CHECKING:
    from socialpub.config import Config

app = typer.Typer(
    name="socialpub",
    help="Social posts as code: compliance preview, audit trail and publishing to X, Facebook, YouTube and Pinterest.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_show_locals=False,  # locals may hold secrets
    rich_markup_mode=None,
)

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
        return load_config(path, posts_dir=self.posts)


def errors_handled(command: F) -> F:
    """The one place where errors become messages and exit codes (README, "Exit codes")."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from socialpub.errors import ExitCode, SocialpubError

        try:
            return command(*args, **kwargs)
        except SocialpubError as error:
            from socialpub.redact import redact

            typer.echo(f"socialpub: {redact(str(error))}", err=True)
            raise typer.Exit(int(error.exit_code)) from None
        except KeyboardInterrupt:
            typer.echo("socialpub: interrupted", err=True)
            raise typer.Exit(int(ExitCode.INTERRUPTED)) from None
        except (typer.Exit, typer.Abort):
            raise
        except Exception as error:  # a bug: say so plainly, without a traceback full of values
            import traceback

            from socialpub.redact import redact

            typer.echo(f"socialpub: internal error: {type(error).__name__}: {redact(str(error))}", err=True)
            typer.echo("  hint: this is a bug in socialpub; please report it with the command you ran", err=True)
            if any(a in ("-v", "--verbose") for a in sys.argv):
                traceback.print_exception(type(error), error, error.__traceback__, limit=-8)
            raise typer.Exit(int(ExitCode.USAGE)) from None

    return wrapper  # type: ignore[return-value]


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
    ctx.obj = Globals(config=config, posts=posts, ledger=ledger, quiet=quiet, verbose=verbose)


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


def parse_moment(value: str | None, config: Config, option: str) -> datetime | None:
    """An ISO date-time from the command line; without an offset it is read in [defaults] timezone."""
    if value is None:
        return None
    from socialpub.errors import SocialpubError
    from socialpub.posts import localize

    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise SocialpubError(
            f"{option} '{value}' is not a date-time", hint="write it like 2014-10-01T09:00 or 2014-10-01T09:00-04:00"
        ) from None
    if moment.tzinfo is None:
        try:
            moment = localize(moment, config.defaults.timezone)
        except ValueError as exc:
            raise SocialpubError(f"{option}: {exc}", hint="give the UTC offset to say which one is meant") from None
    # In UTC: two times of one ZoneInfo subtract as wall clocks, which is wrong across a DST change.
    return moment.astimezone(UTC)


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


def emit(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text if text.endswith("\n") or not text else text + "\n")
        return
    from socialpub.errors import SocialpubError

    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise SocialpubError(f"cannot write {output}: {exc.strerror}") from None


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


@app.command()
@errors_handled
def check(
    ctx: typer.Context,
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Post files or folders (default: the posts folder).")
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

    globals_: Globals = ctx.obj
    config = globals_.load()
    selected = list(paths or ())
    if any(p.resolve() == config.path for p in selected):
        selected = []  # the configuration changed (e.g. a pre-commit run): every post is affected
    if changed_since is not None:
        from socialpub.gitchanges import changed_posts

        selected = changed_posts(config, changed_since)
    if changed_since is not None and not selected:
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
    emit(text, output)
    if not result.ok:
        raise typer.Exit(1)


@app.command()
@errors_handled
def preview(
    ctx: typer.Context,
    posts: Annotated[
        list[Path] | None, typer.Argument(help="Post files or folders (default: the posts folder).")
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

    config = ctx.obj.load()
    result = run_check(
        config, posts or (), channels=check_channels(config, channel), at=parse_moment(at, config, "--at")
    )
    if html is not None:
        from socialpub.html import render_page

        emit(render_page(result, config), html)
        if not ctx.obj.quiet:
            typer.echo(f"socialpub: wrote the HTML preview to {html}", err=True)
    if format is SimpleFormat.json:
        emit(cards.preview_json(result, config), None)
    else:
        cards.print_cards(result, config, color=stdout_is_terminal())
    if not result.ok:
        raise typer.Exit(1)


@app.command(name="hash")
@errors_handled
def hash_(
    ctx: typer.Context,
    posts: Annotated[list[Path], typer.Argument(help="Post files to hash.")],
) -> None:
    """Print the content hash of posts, for the approver to record as approved_sha256 (SP-META-008).

    Example:

        socialpub hash posts/oncavix-facebook.md
    """
    from socialpub.check import Renderer, content_hash
    from socialpub.errors import SocialpubError
    from socialpub.posts import load_posts

    config = ctx.obj.load()
    loaded = load_posts(config, posts)
    if loaded.errors:
        raise SocialpubError(
            "cannot hash a post that does not load:\n  " + "\n  ".join(str(e) for e in loaded.errors),
            hint="fix the file first (socialpub check shows every problem)",
        )
    renderer = Renderer(config)
    for post in loaded.posts:
        typer.echo(f"{content_hash(renderer.render(post))}  {post.id}  {post.file}")


@app.command()
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
    import json

    config = ctx.obj.load()
    if verify:
        from socialpub.status import verify_channels

        if sandbox:
            from socialpub.sandboxing import running_sandbox

            with running_sandbox(config) as (boxed, environ, _):
                checks = verify_channels(boxed, environ)
        else:
            checks = verify_channels(config, None)
        if format is SimpleFormat.json:
            emit(json.dumps({"version": 1, "command": "channels", "verify": checks}, indent=2), None)
        else:
            for item in checks:
                mark = "ok " if item["ok"] else "FAIL"
                typer.echo(f"{mark}  {item['channel']:<28} {item['kind']:<10} {item.get('error') or ''}".rstrip())
                for warning in item["warnings"]:
                    typer.echo(f"      warning: {warning}")
        if not all(item["ok"] for item in checks):
            raise typer.Exit(3)
        return
    rows = [
        {
            "name": c.name,
            "kind": c.kind,
            "account": c.options.get("account") or c.options.get("page_id") or c.options.get("channel_id"),
            "credentials": {key: str(ref) for key, ref in sorted(c.credentials.items())},
            "endpoint": c.endpoint,
            "boards": sorted(c.boards),
        }
        for c in config.channels.values()
    ]
    if format is SimpleFormat.json:
        emit(json.dumps({"version": 1, "command": "channels", "channels": rows}, indent=2), None)
        return
    for row in rows:
        line = f"{row['name']:<28} {row['kind']:<10} {row['account'] or ''}"
        if row["endpoint"]:
            line += f"  → {row['endpoint']}"
        typer.echo(line.rstrip())
        if row["boards"]:
            typer.echo("    boards: " + ", ".join(row["boards"]))


@app.command()
@errors_handled
def init(
    directory: Annotated[Path, typer.Argument(help="Where to create the repository of posts.")] = Path("."),
) -> None:
    """Scaffold channels.toml, posts/ with an example post, a CI workflow and a crontab line.

    Existing files are left alone. Example:

        socialpub init my-posts && cd my-posts && socialpub check
    """
    from socialpub.scaffold import scaffold

    created, skipped = scaffold(directory)
    for path in created:
        typer.echo(f"created {path}")
    for path in skipped:
        typer.echo(f"kept    {path} (exists)")
    typer.echo(
        "\nNext: edit channels.toml (credentials are env:/file: references), write posts in posts/, "
        "then run `socialpub check`."
    )


@app.command()
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
    import json
    from datetime import date

    from socialpub.agenda import agenda_ics, agenda_json, agenda_text, build_agenda
    from socialpub.errors import SocialpubError

    globals_: Globals = ctx.obj
    config = globals_.load()
    zone = config.defaults.timezone
    try:
        first = date.fromisoformat(start) if start else datetime.now(UTC).astimezone(zone).date()
    except ValueError:
        raise SocialpubError(f"--from '{start}' is not a date", hint="write it like 2014-09-01") from None
    ledger = None
    if ledger_file_exists(globals_, config):
        ledger = open_ledger_for(globals_, config)
    try:
        result = build_agenda(config, start=first, days=days, ledger=ledger)
    finally:
        if ledger is not None:
            ledger.close()
    if ics is not None:
        emit(agenda_ics(result, zone), ics)
    if format is SimpleFormat.json:
        emit(json.dumps(agenda_json(result, zone), indent=2, ensure_ascii=False), None)
    else:
        emit(agenda_text(result, zone), None)


def ledger_file_exists(globals_: Globals, config: Config) -> bool:
    """Read-only commands do not create a SQLite ledger; a PostgreSQL one is always there to ask."""
    spec = ledger_spec(globals_, config)
    if spec.startswith(("postgresql://", "postgres://")):
        return True
    path = Path(spec.removeprefix("sqlite:///").removeprefix("sqlite://"))
    return (path if path.is_absolute() else config.path.parent / path).exists()


# --- publishing -----------------------------------------------------------------------------------


def ledger_spec(globals_: Globals, config: Config) -> str:
    import os

    return globals_.ledger or os.environ.get("SOCIALPUB_LEDGER") or config.defaults.ledger


def open_ledger_for(globals_: Globals, config: Config, override: str | None = None) -> Any:
    from socialpub.ledger import open_ledger

    return open_ledger(override or ledger_spec(globals_, config), config.path.parent)


class RunFormat(str, Enum):
    text = "text"
    json = "json"


def print_results(command: str, results: list[Any], format: RunFormat | SimpleFormat, quiet: bool) -> None:
    from socialpub import report
    from socialpub.publish import overall

    if format.value == "json":
        emit(report.results_json(command, results, overall(results)), None)
    else:
        text = report.results_text(results, color=stdout_is_terminal(), quiet=quiet)
        if text:
            emit(text, None)


@app.command()
@errors_handled
def publish(
    ctx: typer.Context,
    posts: Annotated[list[Path], typer.Argument(help="Post files to publish now.")],
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

    from socialpub.check import check_post
    from socialpub.errors import SocialpubError
    from socialpub.posts import load_posts
    from socialpub.publish import Publisher, exit_code

    globals_: Globals = ctx.obj
    config = globals_.load()
    channels = check_channels(config, channel)
    loaded = load_posts(config, posts)
    if loaded.errors:
        raise SocialpubError(
            "cannot publish posts that do not load:\n  " + "\n  ".join(str(e) for e in loaded.errors),
            hint="socialpub check shows every problem",
        )
    with ExitStack() as stack:
        environ = None
        ledger_override = None
        if sandbox:
            from socialpub.sandboxing import running_sandbox

            config, environ, ledger_override = stack.enter_context(running_sandbox(config))
            if not globals_.quiet and format is RunFormat.text:
                typer.echo("Publishing to the built-in sandbox (no account needed).", err=True)
        if globals_.ledger:
            ledger_override = None
        ledger = open_ledger_for(globals_, config, ledger_override)
        stack.callback(ledger.close)
        publisher = Publisher(config, ledger, environ=environ, dry_run=dry_run)
        reports = [check_post(p, config, publisher.renderer, channels=channels) for p in loaded.posts]
        targets = [(r.post.id, x.channel.name) for r in reports for x in r.renders]
        if not targets:
            raise SocialpubError("nothing to publish: no post has the selected channels")
        if not (dry_run or yes or sandbox) and sys.stdin.isatty():
            listing = ", ".join(f"{p} → {c}" for p, c in targets)
            if not typer.confirm(f"Publish {listing}?", default=False):
                typer.echo("Nothing was published.")
                raise typer.Exit(0)
        if not dry_run and stdout_is_terminal() and not globals_.quiet:
            stack.enter_context(upload_progress(publisher, reports))
        results = publisher.publish_now(reports, again=again)
    print_results("publish", results, format, globals_.quiet)
    code = exit_code(results)
    if code:
        raise typer.Exit(int(code))


@contextmanager_helper
def upload_progress(publisher: Any, reports: list[Any]) -> Any:
    """A progress bar (bytes, rate, ETA) per video upload, on a terminal only; cron and CI stay quiet."""
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
    with bar:
        for report in reports:
            for rendered in report.renders:
                adapter = publisher.renderer.adapter(rendered.channel.name)
                if hasattr(adapter, "progress") and rendered.media:
                    task = bar.add_task(f"{report.post.id} → {rendered.channel.name}", total=None, start=False)

                    def update(sent: int, total: int, task: Any = task) -> None:
                        bar.start_task(task)
                        bar.update(task, completed=sent, total=total)

                    adapter.progress = update
        yield bar


@app.command()
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
    from contextlib import ExitStack

    from socialpub.posts import load_posts
    from socialpub.publish import Publisher, Result, exit_code, run_due

    globals_: Globals = ctx.obj
    config = globals_.load()
    moment = parse_moment(now, config, "--now") or datetime.now(UTC)
    with ExitStack() as stack:
        environ = None
        ledger_override = None
        if sandbox:
            from socialpub.sandboxing import running_sandbox

            config, environ, ledger_override = stack.enter_context(running_sandbox(config))
        if globals_.ledger:
            ledger_override = None
        ledger = open_ledger_for(globals_, config, ledger_override)
        stack.callback(ledger.close)
        got_lock = stack.enter_context(ledger.run_lock())
        if not got_lock:
            typer.echo("socialpub run: another run holds the lock; nothing done.", err=True)
            return
        pause = ledger.paused()
        if pause and not dry_run:
            typer.echo(
                f"socialpub run: publishing is paused since {pause['paused_at']} by {pause['paused_by']}"
                f" ({pause['reason'] or 'no reason given'}); nothing done.",
                err=True,
            )
            return
        loaded = load_posts(config, due_by=moment)
        publisher = Publisher(config, ledger, environ=environ, dry_run=dry_run)
        results = [Result(e.file and Path(e.file).stem or "?", "*", "refused", error=str(e)) for e in loaded.errors]
        results += run_due(publisher, loaded.posts, moment)
    print_results("run", results, format, quiet or globals_.quiet or not stdout_is_terminal())
    code = exit_code(results)
    if code:
        raise typer.Exit(int(code))


@app.command()
@errors_handled
def status(
    ctx: typer.Context,
    now: Annotated[str | None, typer.Option("--now", help="Judge due/scheduled as of this time.")] = None,
    format: Annotated[SimpleFormat, typer.Option("--format", "-f", help="Output format.")] = SimpleFormat.text,
) -> None:
    """One row per (post, channel): scheduled, due, published (URL), failed (reason), unknown, missed,
    retracted, edited-after-publish.

    Example:

        socialpub status --format json
    """
    import json

    from socialpub import report
    from socialpub.status import status_rows

    globals_: Globals = ctx.obj
    config = globals_.load()
    ledger = open_ledger_for(globals_, config)
    try:
        rows = status_rows(config, ledger, parse_moment(now, config, "--now") or datetime.now(UTC))
    finally:
        ledger.close()
    if format is SimpleFormat.json:
        emit(json.dumps({"version": 1, "command": "status", "rows": rows}, indent=2, ensure_ascii=False), None)
    else:
        emit(report.status_text(rows, config.defaults.timezone), None)


class HistoryFormat(str, Enum):
    table = "table"
    text = "text"
    json = "json"
    csv = "csv"


@app.command()
@errors_handled
def history(
    ctx: typer.Context,
    since: Annotated[str | None, typer.Option("--since", help="Only events from this date or time on.")] = None,
    format: Annotated[HistoryFormat, typer.Option("--format", "-f", help="table, json or csv.")] = HistoryFormat.table,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to FILE.")] = None,
) -> None:
    """The audit trail from the ledger: every attempt, outcome, pause, resolve and retraction.

    Example:

        socialpub history --since 2014-09-01 --format csv -o audit.csv
    """
    from socialpub import report

    globals_: Globals = ctx.obj
    config = globals_.load()
    ledger = open_ledger_for(globals_, config)
    try:
        events = ledger.events(parse_moment(since, config, "--since") if since else None)
    finally:
        ledger.close()
    if format is HistoryFormat.json:
        emit(report.history_json(events), output)
    elif format is HistoryFormat.csv:
        emit(report.history_csv(events), output)
    else:
        emit(report.history_text(events), output)


@app.command()
@errors_handled
def resolve(
    ctx: typer.Context,
    post: Annotated[str, typer.Argument(help="The post id (or file).")],
    channel: Annotated[str, typer.Option("--channel", "-c", help="The channel to settle.")],
    published: Annotated[str | None, typer.Option("--published", help="It was published: its id or URL.")] = None,
    not_published: Annotated[
        bool, typer.Option("--not-published", help="It was not published: the next run may send it.")
    ] = False,
) -> None:
    """Settle an outcome the tool could not confirm (state unknown), recorded with who did it.

    Example:

        socialpub resolve mbc-strength-call --channel az-us-twitter --published https://x.com/AstraZenecaUS/status/1
    """
    from socialpub.errors import SocialpubError
    from socialpub.status import resolve_outcome

    if (published is None) == (not not_published):
        raise SocialpubError("say either --published ID_OR_URL or --not-published")
    globals_: Globals = ctx.obj
    config = globals_.load()
    check_channels(config, [channel])
    ledger = open_ledger_for(globals_, config)
    try:
        message = resolve_outcome(ledger, Path(post).stem, channel, published)
    finally:
        ledger.close()
    typer.echo(message)


@app.command()
@errors_handled
def retract(
    ctx: typer.Context,
    post: Annotated[str, typer.Argument(help="The post id (or file) to delete from its platforms.")],
    channel: Annotated[
        list[str] | None, typer.Option("--channel", "-c", help="Only this channel (repeatable).")
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    sandbox: Annotated[bool, typer.Option("--sandbox", help="Use the built-in simulator.", hidden=True)] = False,
    format: Annotated[RunFormat, typer.Option("--format", "-f", help="Output format.")] = RunFormat.text,
) -> None:
    """Delete a published post from its platforms, recorded in the ledger.

    Example:

        socialpub retract labtalk-launch --channel az-us-twitter
    """
    from socialpub.publish import exit_code
    from socialpub.status import retract_post

    globals_: Globals = ctx.obj
    config = globals_.load()
    channels = check_channels(config, channel)
    ledger = open_ledger_for(globals_, config)
    try:
        post_id = Path(post).stem
        if not yes and sys.stdin.isatty():
            if not typer.confirm(
                f"Delete {post_id} from {', '.join(channels or ['all its channels'])}?", default=False
            ):
                typer.echo("Nothing was deleted.")
                raise typer.Exit(0)
        results = retract_post(config, ledger, post_id, channels)
    finally:
        ledger.close()
    print_results("retract", results, format, globals_.quiet)
    code = exit_code(results)
    if code:
        raise typer.Exit(int(code))


@app.command()
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
    ledger = open_ledger_for(globals_, config)
    try:
        changed = ledger.pause(reason)
    finally:
        ledger.close()
    typer.echo("Publishing is paused." if changed else "Publishing was already paused.")


@app.command()
@errors_handled
def resume(ctx: typer.Context) -> None:
    """Restart publishing after `socialpub pause`, recorded with who.

    Example:

        socialpub resume
    """
    globals_: Globals = ctx.obj
    config = globals_.load()
    ledger = open_ledger_for(globals_, config)
    try:
        changed = ledger.resume()
    finally:
        ledger.close()
    typer.echo("Publishing resumed." if changed else "Publishing was not paused.")


@app.command()
@errors_handled
def auth(
    ctx: typer.Context,
    channel: Annotated[str, typer.Argument(help="The channel to authorise.")],
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="Print the consent URL instead of opening it.")
    ] = False,
    port: Annotated[int, typer.Option("--port", help="Loopback port for the redirect (0: any free port).")] = 0,
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
        typer.echo(line)


@app.command(name="sandbox")
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

    Point a channel at it with endpoint = "http://127.0.0.1:8765"; when it starts it prints a channels.toml
    snippet (one channel of each kind with env: credentials) and the export lines for them. Example:

        socialpub sandbox --port 8765
    """
    import time

    from socialpub.errors import SocialpubError
    from socialpub.sandbox import Sandbox
    from socialpub.sandboxing import banner, terminate_as_interrupt

    try:
        box = Sandbox(port=port, latency=latency).start()
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


def main() -> None:
    """Console entry point."""
    app(prog_name="socialpub")


if __name__ == "__main__":  # pragma: no cover
    main()
