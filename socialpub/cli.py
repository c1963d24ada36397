"""The command line: parse options, call one core function, print, pick the exit code.

Only this module imports typer. The core is imported inside each command so that `--help` and
`--version` stay as light as typer itself (no SDK, no rule engine at start-up).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from socialpub import __version__

if TYPE_CHECKING:
    from socialpub.config import Config

app = typer.Typer(
    name="socialpub",
    help="Social posts as code: compliance preview, audit trail and publishing to X, Facebook, YouTube and "
    "Pinterest.",
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
    """The one place where errors become messages and exit codes (PRODUCT.md "Exit codes")."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from socialpub.errors import ExitCode, SocialpubError

        try:
            return command(*args, **kwargs)
        except SocialpubError as error:
            typer.echo(f"socialpub: {error}", err=True)
            raise typer.Exit(int(error.exit_code)) from None
        except KeyboardInterrupt:
            typer.echo("socialpub: interrupted", err=True)
            raise typer.Exit(int(ExitCode.INTERRUPTED)) from None
        except (typer.Exit, typer.Abort):
            raise
        except Exception as error:  # a bug: say so plainly, without a traceback full of values
            import traceback

            typer.echo(f"socialpub: internal error: {type(error).__name__}: {error}", err=True)
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
    posts: Annotated[Path | None, typer.Option("--posts", help="Folder of posts (default: posts/ beside the config).")] = None,
    ledger: Annotated[str | None, typer.Option("--ledger", help="Ledger URL or path (default: from the config).")] = None,
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
    return moment


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
    paths: Annotated[list[Path] | None, typer.Argument(help="Post files or folders (default: the posts folder).")] = None,
    format: Annotated[CheckFormat, typer.Option("--format", "-f", help="Report format.")] = CheckFormat.text,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the report to FILE.")] = None,
    channel: Annotated[list[str] | None, typer.Option("--channel", "-c", help="Only this channel (repeatable).")] = None,
    at: Annotated[
        str | None, typer.Option("--at", help="Judge as of this time (default: each post's publish_at, else now).")
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
    result = run_check(
        config, paths or (), channels=check_channels(config, channel), at=parse_moment(at, config, "--at")
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
    posts: Annotated[list[Path] | None, typer.Argument(help="Post files or folders (default: the posts folder).")] = None,
    channel: Annotated[list[str] | None, typer.Option("--channel", "-c", help="Only this channel (repeatable).")] = None,
    at: Annotated[str | None, typer.Option("--at", help="Judge as of this time.")] = None,
    format: Annotated[SimpleFormat, typer.Option("--format", "-f", help="Output format.")] = SimpleFormat.text,
) -> None:
    """How each post will look on each channel: text, counts, media, link, board, schedule and findings.

    Example:

        socialpub preview posts/mbc-strength-call.md
    """
    from socialpub import preview as cards
    from socialpub.check import run_check

    config = ctx.obj.load()
    result = run_check(
        config, posts or (), channels=check_channels(config, channel), at=parse_moment(at, config, "--at")
    )
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
    format: Annotated[SimpleFormat, typer.Option("--format", "-f", help="Output format.")] = SimpleFormat.text,
) -> None:
    """List the channels of channels.toml with their kind, account and credential references (never values).

    Example:

        socialpub channels --format json
    """
    import json

    config = ctx.obj.load()
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


def main() -> None:
    """Console entry point."""
    app(prog_name="socialpub")


if __name__ == "__main__":  # pragma: no cover
    main()
