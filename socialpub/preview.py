"""`socialpub preview`: for each post and channel, a card of what the platform would receive.

The terminal cards use rich (imported here, never by the core). The card content comes from `card()`,
which the JSON output (and the HTML page of a later version) shares.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from typing import TYPE_CHECKING, Any

from socialpub.terminal import encodable, printable

if TYPE_CHECKING:
    from socialpub.adapters.base import Rendered
    from socialpub.check import CheckResult, PostReport
    from socialpub.config import Config
    from socialpub.rules import Finding


def schedule(report: PostReport, config: Config) -> dict[str, str | None]:
    at = report.post.publish_at
    if at is None:
        return {"local": None, "utc": None, "zone": config.defaults.timezone.key}
    return {
        "local": at.astimezone(config.defaults.timezone).strftime("%Y-%m-%d %H:%M %Z"),
        "utc": at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "zone": config.defaults.timezone.key,
    }


def card(report: PostReport, rendered: Rendered, config: Config) -> dict[str, Any]:
    """Everything a reviewer sees for one (post, channel)."""
    findings = [f for f in report.findings if f.channel in (None, rendered.channel.name)]
    return {
        "post": report.post.id,
        "file": report.post.file,
        "channel": rendered.channel.name,
        "kind": rendered.kind,
        "title": rendered.title,
        "parts": [{"text": p.text, "length": p.length} for p in rendered.parts],
        "measures": [
            {"what": m.what, "count": m.count, "limit": m.limit, "unit": m.unit, "over": m.over}
            for m in rendered.measures
        ],
        "media": [
            {"path": m.path, "type": m.mime, "alt": m.alt, "problem": m.problem} for m in rendered.media
        ],
        "thumbnail": rendered.thumbnail.path if rendered.thumbnail else None,
        "link": rendered.link,
        "board": rendered.board,
        "options": {k: v for k, v in rendered.options.items() if v not in (None, [], {})},
        "schedule": schedule(report, config),
        "approval_code": report.post.approval_code,
        "post_type": report.post.post_type,
        "findings": [f.to_dict() for f in findings],
    }


def preview_json(result: CheckResult, config: Config) -> str:
    cards = [card(rep, r, config) for rep in result.reports for r in rep.renders]
    from socialpub.report import envelope

    return envelope(
        "preview",
        status="ok" if result.ok else "failed",
        summary={"posts": result.files, "errors": result.errors, "warnings": result.warnings},
        cards=cards,
        file_findings=[f.to_dict() for f in result.file_findings],
    )


_STYLE = {"error": "bold red", "warning": "yellow", "suppressed": "dim"}


def _finding_line(f: Finding, show: Callable[[str], str]) -> Any:
    from rich.text import Text

    label = "suppressed" if f.suppressed else f.severity
    where = f":{f.line}" + (f":{f.column}" if f.column else "") if f.line else ""
    line = Text()
    line.append(f"{label:<10} ", style=_STYLE[label])
    line.append(f"{f.rule} {f.name}", style="bold")
    line.append(f"  {show(f.message)}")
    line.append(f"  ({show(f.file)}{where})", style="dim")
    if f.hint and not f.suppressed:
        line.append(f"\n           hint: {show(f.hint)}", style="dim")
    return line


def print_cards(result: CheckResult, config: Config, *, color: bool) -> None:
    from rich.console import Console, Group
    from rich.panel import Panel
    from rich.text import Text

    console = Console(no_color=not color, highlight=False, soft_wrap=False, emoji=False)

    def show(value: str) -> str:
        """Post content shown, not obeyed; in what the console's encoding can print (rich measures this)."""
        return encodable(printable(value), console.encoding)

    for f in result.file_findings:
        console.print(_finding_line(f, show))
    for rep in result.reports:
        for rendered in rep.renders:
            data = card(rep, rendered, config)
            body: list[Any] = []
            if data["title"]:
                body.append(Text(show(data["title"]), style="bold"))
            for index, part in enumerate(rendered.parts):
                if len(rendered.parts) > 1:
                    body.append(Text(f"[{index + 1}/{len(rendered.parts)}]", style="cyan"))
                body.append(Text(show(part.text)))  # post text is data: never parsed as markup, never obeyed
            facts = Text()
            for m in data["measures"]:
                style = "bold red" if m["over"] else "green"
                facts.append(f"{m['what']}: ", style="dim")
                facts.append(f"{m['count']:,}/{m['limit']:,} {m['unit']}", style=style)
                facts.append("   ")
            body.append(facts)
            for m in data["media"]:
                alt = m["alt"] if m["alt"] else "(no alt text)"
                line = f"media: {m['path']} [{m['type'] or '?'}]  alt: {alt}"
                body.append(Text(show(line), style="dim"))
            if data["thumbnail"]:
                body.append(Text(show(f"thumbnail: {data['thumbnail']}"), style="dim"))
            if data["link"]:
                body.append(Text(show(f"link: {data['link']}"), style="dim"))
            if data["board"]:
                body.append(Text(show(f"board: {data['board']}"), style="dim"))
            when = data["schedule"]
            if when["local"]:
                body.append(Text(f"schedule: {when['local']} ({when['utc']})", style="dim"))
            else:
                body.append(Text("schedule: none (published only by `socialpub publish`)", style="dim"))
            approval = f"approval: {data['approval_code'] or '(none)'}   type: {data['post_type']}"
            body.append(Text(show(approval), style="dim"))
            findings = [f for f in rep.findings if f.channel in (None, rendered.channel.name)]
            for f in findings:
                body.append(_finding_line(f, show))
            if not findings:
                body.append(Text(show("✓ no findings"), style="green"))
            blocking = any(f.blocking for f in findings)
            console.print(
                Panel(
                    Group(*body),
                    title=Text(show(f"{rep.post.id} → {rendered.channel.name} ({rendered.kind})".replace("\n", " "))),
                    title_align="left",
                    border_style="red" if blocking else "green",
                )
            )
    console.print(
        f"{result.files} post file(s): {result.errors} error(s), {result.warnings} warning(s), "
        f"{result.suppressed} suppressed",
        style="bold red" if not result.ok else "bold green",
    )
