"""The compliance preview as a library: load posts, render each channel, run the rules, collect findings.

`check`, `preview` and (later) `publish`/`run` share this, so a post is judged the same way everywhere.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from socialpub.adapters.base import Adapter, Rendered, adapter_for
from socialpub.config import Config
from socialpub.errors import PostError
from socialpub.posts import Post, load_posts
from socialpub.rules import RULES, Finding, evaluate


@dataclass
class PostReport:
    post: Post
    renders: list[Rendered]
    findings: list[Finding]
    at: datetime | None
    all_renders: list[Rendered] = field(default_factory=list)  # every channel, for the content hash

    def blocking(self, channel: str) -> list[str]:
        """Rule ids of the unsuppressed errors that stop this post on this channel."""
        return sorted({f.rule for f in self.findings if f.blocking and f.channel in (None, channel)})


@dataclass
class CheckResult:
    reports: list[PostReport]
    file_findings: list[Finding]  # files that could not be loaded at all
    files: int
    findings: list[Finding] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.findings:
            self.findings = [*self.file_findings, *(f for r in self.reports for f in r.findings)]

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.blocking)

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity == "warning" and not f.suppressed)

    @property
    def suppressed(self) -> int:
        return sum(1 for f in self.findings if f.suppressed)

    @property
    def ok(self) -> bool:
        return self.errors == 0

    @property
    def posts(self) -> int:
        return self.files


def file_finding(error: PostError, post_id: str | None = None) -> Finding:
    rule = RULES[error.rule]
    message = f"{error.key}: {error.message}" if error.key else error.message
    return Finding(
        rule=rule.id,
        name=rule.name,
        severity="error",
        post=post_id or (Path(error.file).stem if error.file else None),
        channel=None,
        file=error.file or "",
        line=error.line,
        column=error.column,
        message=message,
        excerpt=None,
        hint=error.hint or rule.help,
    )


class Renderer:
    """One adapter per channel, made once per run."""

    def __init__(self, config: Config, environ: Mapping[str, str] | None = None) -> None:
        self.config = config
        self.environ = environ
        self._adapters: dict[str, Adapter] = {}

    def learn_secrets(self) -> None:
        """Read every credential once, so that a platform echoing any of them is redacted everywhere."""
        from socialpub.errors import CredentialsError

        for channel in self.config.channels.values():
            for ref in channel.credentials.values():
                try:
                    ref.resolve(self.environ)  # type: ignore[arg-type]
                except CredentialsError:
                    pass  # reported when (and if) the channel is used

    def adapter(self, channel: str) -> Adapter:
        if channel not in self._adapters:
            self._adapters[channel] = adapter_for(
                self.config.channels[channel], self.config.compliance.limits, environ=self.environ
            )
        return self._adapters[channel]

    def render(self, post: Post, channels: Iterable[str] | None = None) -> list[Rendered]:
        names = post.channels if channels is None else [c for c in post.channels if c in set(channels)]
        return [self.adapter(name).render(post) for name in names]


def check_post(
    post: Post, config: Config, renderer: Renderer, *, channels: Sequence[str] | None = None,
    at: datetime | None = None, now: datetime | None = None,
) -> PostReport:
    """Every finding for one loaded post (on the selected channels)."""
    all_renders = renderer.render(post)
    renders = all_renders if channels is None else [r for r in all_renders if r.channel.name in channels]
    when = at or post.publish_at or now
    findings = [file_finding(problem, post.id) for r in renders for problem in r.problems]
    findings += evaluate(
        post, renders, config.compliance, at=when, timezone=config.defaults.timezone, all_renders=all_renders
    )
    return PostReport(post=post, renders=renders, findings=findings, at=when, all_renders=all_renders)


def run_check(
    config: Config,
    paths: Iterable[Path] = (),
    *,
    channels: Sequence[str] | None = None,
    at: datetime | None = None,
    now: datetime | None = None,
) -> CheckResult:
    """Check every post file under `paths` (default: the posts folder)."""
    now = now or datetime.now(UTC)
    loaded = load_posts(config, paths)
    renderer = Renderer(config)
    posts_by_file = {p.file: p for p in loaded.posts}
    file_findings = [file_finding(e, getattr(posts_by_file.get(e.file or ""), "id", None)) for e in loaded.errors]
    reports = [check_post(p, config, renderer, channels=channels, at=at, now=now) for p in loaded.posts]
    return CheckResult(reports=reports, file_findings=file_findings, files=loaded.files)


def content_hash(renders: Iterable[Rendered]) -> str:
    """What an approver approves: every channel's text, title, link and board, and every media file's bytes."""
    digest = hashlib.sha256()
    for r in sorted(renders, key=lambda r: r.channel.name):
        media = [*r.media, *([r.thumbnail] if r.thumbnail else [])]
        record = {
            "channel": r.channel.name,
            "parts": [p.text for p in r.parts],
            "title": r.title,
            "link": r.link,
            "board": r.board,
            "media": [[m.path, m.alt, file_digest(m.file) if m.file else None] for m in media],
        }
        digest.update(json.dumps(record, sort_keys=True, ensure_ascii=False).encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
