"""Post files (README, "Posts"): `.md` with TOML front matter between `+++` lines, or `.toml` with `text`."""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import tomli

from socialpub.adapters.base import COMMON_OVERRIDE_KEYS, KINDS, adapter_class
from socialpub.errors import PostError, SocialpubError
from socialpub.media import Media, sniff_file
from socialpub.plaintext import markdown_to_text
from socialpub.tomlsource import Key, Problems, Source, TomlDoc, did_you_mean, parse_toml, read_text

if TYPE_CHECKING:
    from socialpub.config import Config

MAX_POST_BYTES = 512_000
# How posts are turned into what the platforms receive. 2: Markdown bodies converted to plain text, the
# body's final newline not sent, a Facebook photo or video post's link in its text from the render on.
# Content hashes recorded under an earlier version still match (Post.as_rendered_by).
RENDER_VERSION = 2
POST_TYPES = ("branded", "unbranded_awareness", "corporate", "careers", "reply", "correction")
AUDIENCES = ("consumer", "professional")  # Form FDA 2253 files consumer and professional pieces separately
AUTHOR_TYPES = ("company", "employee", "patient_ambassador", "influencer", "hcp_consultant")
# fullmatch, not match: `$` would let a trailing newline through (an id or a link ending in "\n")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def _id_problem(value: str) -> str | None:
    return None if _ID.fullmatch(value) else f"'{value}' is not a usable id (letters, digits, '.', '_' and '-')"


_LINK = re.compile(r"^https?://[^\s/]+\.[^\s/]+\S*$")


def _link_problem(value: str) -> str | None:
    if _LINK.fullmatch(value):
        return None
    return f"'{value}' is not an http(s) URL"


def _sha_problem(value: str) -> str | None:
    return None if _SHA256.fullmatch(value) else "must be 64 lowercase hex digits (see `socialpub hash POST`)"


MEDIA_SCHEMA = {
    "path": Key(str, required=True),
    "alt": Key(str),
    "depicts_patient": Key(bool),
}
SUPPRESS_SCHEMA = {
    "rule": Key(str, required=True),
    "reason": Key(str, required=True),
    "mlr_ref": Key(str),
}
POST_SCHEMA: dict[str, Key] = {
    "id": Key(str, check=_id_problem),
    "title": Key(str),
    "channels": Key(list, required=True, items=str),
    "post_type": Key(str, required=True, choices=POST_TYPES),
    "campaign": Key(str),
    "publish_at": Key((datetime, str, date, time)),  # checked by _publish_at for a clear message
    "approval_code": Key(str),
    "approval_status": Key(str),
    "approved_sha256": Key(str, check=_sha_problem),
    "form_2253": Key(bool),
    "audience": Key(str, choices=AUDIENCES),
    "author_type": Key(str, choices=AUTHOR_TYPES),
    "sponsored": Key(bool),
    "consent_ref": Key(str),
    "claims_refs": Key(list, items=str),
    "in_reply_to_text": Key(str),
    "link": Key(str, check=_link_problem),
    "media": Key(list, items=dict),
    "suppress": Key(list, items=dict),
}
TOML_POST_SCHEMA = {**POST_SCHEMA, "text": Key(str, required=True)}  # a .toml post has its text as a key


@dataclass(frozen=True)
class Suppression:
    rule: str
    reason: str
    mlr_ref: str | None
    line: int | None


@dataclass
class Post:
    id: str
    file: str  # as shown in messages: relative to the repository
    path: Path
    post_type: str
    channels: tuple[str, ...]
    text: str
    text_source: Source
    title: str | None = None
    campaign: str | None = None
    publish_at: datetime | None = None  # always timezone-aware
    approval_code: str | None = None
    approval_status: str | None = None
    approved_sha256: str | None = None
    form_2253: bool = False
    audience: str = "consumer"
    author_type: str = "company"
    sponsored: bool = False
    consent_ref: str = ""
    claims_refs: tuple[str, ...] = ()
    in_reply_to_text: str = ""
    link: str | None = None
    media: tuple[Media, ...] = ()
    suppress: tuple[Suppression, ...] = ()
    overrides: dict[str, dict[str, Any]] = field(default_factory=dict)
    doc: TomlDoc | None = field(default=None, repr=False)
    source_text: str = field(default="", repr=False)
    markdown: bool = False  # a `.md` post: its body and override text/thread entries are Markdown
    raw_text: str = field(default="", repr=False)  # the text as written (before the Markdown conversion)
    render_version: int = RENDER_VERSION

    def as_rendered_by(self, version: int) -> Post:
        """This post as an earlier socialpub rendered it, to recognise content hashes recorded before an
        upgrade (socialpub.hashing.same_content). Version 1: Markdown sent literally, the body's final newline
        kept, a Facebook photo or video post's link added only when sending."""
        if version >= self.render_version:
            return self
        return replace(self, text=self.raw_text if self.markdown else self.text, render_version=version)

    @property
    def promotional(self) -> bool:
        """Submitted to FDA on Form 2253 (`socialpub export 2253`): a branded post, or one marked form_2253."""
        return self.post_type == "branded" or self.form_2253

    def line(self, *path: str | int) -> int:
        return (self.doc.line(*path) if self.doc else None) or 1

    def value(self, channel: str, kind: str, key: str, default: Any = None) -> tuple[Any, Source | None]:
        """A field for one channel: its own table wins, then the kind's table, then the post itself."""
        return Fields(self, channel, kind)(key, default)

    def fields(self, channel: str, kind: str) -> Fields:
        """`value` for one channel and several keys."""
        return Fields(self, channel, kind)

    def locate(self, needle: str, source: Source | None) -> tuple[int, int]:
        """Line and column of `needle` in the file, searching from the field's own line; else the field's line."""
        start_line = source.line if source else 1
        if needle and self.source_text:
            offset = _line_offset(self.source_text, start_line)
            found = self.source_text.find(needle, offset)
            if found < 0:
                found = self.source_text.find(needle)
            if found >= 0:
                line = self.source_text.count("\n", 0, found) + 1
                column = found - (self.source_text.rfind("\n", 0, found) + 1) + 1
                return line, column
        return start_line, 1


_OWN_FIELDS = frozenset({"title", "link", "media"})  # post keys that an override table may replace
_MARKDOWN_KEYS = frozenset({"text", "thread"})  # override keys written in Markdown in a `.md` post


class Fields:
    """A post's fields as one channel sees them (Post.value): a render asks for several, so the override
    tables that apply to the channel are looked up once."""

    __slots__ = ("post", "tables")

    def __init__(self, post: Post, channel: str, kind: str) -> None:
        self.post = post
        overrides = post.overrides
        # (table, its values), the channel's own table first; most posts override little or nothing
        self.tables = [(t, overrides[t]) for t in (channel, kind) if t in overrides] if overrides else ()

    def __call__(self, key: str, default: Any = None) -> tuple[Any, Source | None]:
        post = self.post
        for table, values in self.tables:
            if key in values:
                value = values[key]
                if key in _MARKDOWN_KEYS and post.markdown and post.render_version >= 2:
                    value = markdown_to_text(value) if key == "text" else [markdown_to_text(v) for v in value]
                return value, Source(post.file, doc=post.doc, path=(table, key))
        if key == "text":
            return post.text, post.text_source
        if key in _OWN_FIELDS:
            value = getattr(post, key)
            if value is not None and value != ():
                return value, Source(post.file, doc=post.doc, path=(key,))
        return default, None


def _line_offset(text: str, line: int) -> int:
    offset = 0
    for _ in range(line - 1):
        nxt = text.find("\n", offset)
        if nxt < 0:
            return len(text)
        offset = nxt + 1
    return offset


@dataclass
class LoadResult:
    posts: list[Post]
    errors: list[PostError]  # SP-FILE-001/002, each with file and line
    files: int = 0


def discover(config: Config, paths: Iterable[Path] = ()) -> list[Path]:
    """Post files under the given paths (default: the posts folder), sorted for a stable report."""
    roots = list(paths)
    if not roots:
        if not config.posts_dir.is_dir():
            return []  # a new repository without posts yet: nothing to check
        roots = [config.posts_dir]
    found: list[Path] = []
    for root in roots:
        if root.is_dir():
            found.extend(_post_files(root))
        else:
            found.append(root)
    return found


def _post_files(folder: Path) -> list[Path]:
    """`.md` and `.toml` files under `folder`, outside hidden and `_` folders, READMEs left out, sorted as
    Paths sort (part by part).

    The same files as filtering `folder.rglob("*")`, but from os.scandir's entries: no Path object for names
    that are left out, no system call for a plain file, and hidden or `_` folders are not walked at all. Like
    rglob, it does not follow symbolic links to folders; unlike rglob, a folder it cannot read is listed itself
    (loading it says so, never a silent skip). Visiting each folder's entries in name order, depth first, yields
    the paths already in Path order.
    """
    found: list[Path] = []
    _walk(folder, os.fspath(folder), found)
    return found


def _walk(folder: Path, where: str, found: list[Path]) -> None:
    try:
        with os.scandir(where) as scan:
            entries = sorted(scan, key=lambda entry: entry.name)
    except OSError:
        found.append(folder)  # listed, so that loading it reports the folder (SP-FILE-001) instead of skipping it
        return
    for entry in entries:
        name = entry.name
        if name.startswith((".", "_")):
            continue
        if entry.is_dir(follow_symlinks=False):
            _walk(folder / name, entry.path, found)
        elif name.endswith((".md", ".toml")) and name.lower() != "readme.md":
            # a link to a folder named x.md is no post file (followed as Path.is_dir follows it)
            if not (entry.is_symlink() and os.path.isdir(entry.path)):
                found.append(folder / name)


def load_posts(config: Config, paths: Iterable[Path] = (), *, due_by: datetime | None = None) -> LoadResult:
    """Load every post file; broken files become errors, never exceptions, so one run reports all.

    With `due_by` (cron's `run`), a post whose publish_at is later, or that has none, is parsed but not
    built: `run` over thousands of scheduled posts costs little more than reading them. `check` (CI) is
    where every file is judged.
    """
    posts: list[Post] = []
    errors: list[PostError] = []
    files = discover(config, paths)
    seen: dict[str, Post] = {}
    for path in files:
        post, problems = load_post(path, config, due_by=due_by)
        errors.extend(problems)
        if post is None:
            continue
        if post.id in seen:
            errors.append(duplicate_id(post.file, post.id, post.line("id"), seen[post.id].file))
            continue
        seen[post.id] = post
        posts.append(post)
    return LoadResult(posts=posts, errors=errors, files=len(files))


def duplicate_id(file: str, post_id: str, line: int, first_file: str) -> PostError:
    """The error for a post whose id an earlier file (in discovery order) already uses."""
    return PostError(
        f"id '{post_id}' is already used by {first_file}",
        file=file,
        line=line,
        key="id",
        hint="ids must be unique: rename one file or set a different id",
    )


def split_front_matter(text: str, file: str) -> tuple[str, str, int]:
    """(front matter, body, line the body starts on) of a `.md` post."""
    first_end = text.find("\n")
    if text.startswith("+++") and text[: first_end if first_end >= 0 else len(text)].rstrip() == "+++":
        # The common case, without splitting the whole file into lines: only a line that starts with
        # '+++' can close the front matter.
        at = first_end
        while at >= 0:
            at = text.find("\n+++", at)
            if at < 0:
                break
            line_end = text.find("\n", at + 1)
            line = text[at + 1 : line_end if line_end >= 0 else len(text)]
            if line.rstrip() == "+++":
                front = text[first_end + 1 : at]
                body = text[line_end + 1 :] if line_end >= 0 else ""
                return front, body, text.count("\n", 0, at) + 3
            at += 1
    lines = text.split("\n")
    start = 0
    while start < len(lines) and not lines[start].strip():
        start += 1
    if start >= len(lines) or lines[start].rstrip() != "+++":
        raise PostError(
            "a .md post must start with a line '+++' (TOML front matter)",
            file=file,
            line=start + 1 if start < len(lines) else 1,
            hint="put the post's settings between two '+++' lines, then the text",
        )
    for end in range(start + 1, len(lines)):
        if lines[end].rstrip() == "+++":
            front = "\n".join(lines[start + 1 : end])
            body = "\n".join(lines[end + 1 :])
            return front, body, end + 2
    raise PostError(
        "the front matter is not closed: no second '+++' line",
        file=file,
        line=start + 1,
        hint="add a line '+++' after the settings, before the text",
    )


def load_post(path: Path, config: Config, *, due_by: datetime | None = None) -> tuple[Post | None, list[PostError]]:
    """One post file -> (post or None, its problems); None without problems when not due by `due_by`."""
    display = config.display(path)
    if not display.isascii() and _undecodable(display):  # bytes that are no UTF-8: no text for ids and reports
        shown = display.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        return None, [PostError("the file name is not valid UTF-8", file=shown, hint="rename the file (UTF-8)")]
    try:
        text = read_text(path, display, PostError, MAX_POST_BYTES)
    except PostError as exc:
        return None, [exc]
    return parse_post(path, text, config, due_by=due_by, display=display)


def parse_post(
    path: Path, text: str, config: Config, *, due_by: datetime | None = None, display: str | None = None
) -> tuple[Post | None, list[PostError]]:
    """load_post on a text already read from `path` (rule tests build posts in memory through it)."""
    display = display or config.display(path)
    text = text.replace("\r\n", "\n")  # Windows line ends
    try:
        suffix = path.suffix
        if suffix == ".md":
            front, body, body_line = split_front_matter(text, display)
            if due_by is not None and _surely_not_due(front, config.defaults.timezone, due_by):
                return None, []
            doc = parse_toml(front, display, first_line=_front_start(text), error=PostError)
        elif suffix == ".toml":
            if due_by is not None and _surely_not_due(text, config.defaults.timezone, due_by):
                return None, []
            doc = parse_toml(text, display, error=PostError)
            body, body_line = "", 1
        else:
            raise PostError("is not a post file (.md or .toml)", file=display)
    except PostError as exc:
        return None, [exc]
    if due_by is not None and _not_due(doc.data.get("publish_at"), config.defaults.timezone, due_by):
        return None, []
    return _build_post(path, display, doc, text, body, body_line, config, is_toml=suffix == ".toml")


def _undecodable(name: str) -> bool:
    """Whether a name read from the file system carries bytes that were not UTF-8 (as lone surrogates)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


_PUBLISH_AT_LINE = re.compile(r"^publish_at[ \t]*=[^\n]*$", re.MULTILINE)


def _surely_not_due(front: str, zone: ZoneInfo, due_by: datetime) -> bool:
    """Whether the front matter certainly has no publish_at up to `due_by`, without parsing all of it.

    Only the simple, unambiguous case is decided here: one top-level `publish_at = …` line before any
    table header or multi-line string (so no string can hide or fake it), or no `publish_at` anywhere.
    Everything else is parsed in full.
    """
    if "publish_at" not in front:
        return True
    lines = _PUBLISH_AT_LINE.findall(front)
    if len(lines) != 1 or front.count("publish_at") != 1:
        return False
    before = front[: front.index(lines[0])]
    if '"""' in before or "\'\'\'" in before or re.search(r"^[ \t]*\[", before, re.MULTILINE):
        return False
    try:
        value = tomli.loads(lines[0]).get("publish_at")
    except tomli.TOMLDecodeError:
        return False
    return _not_due(value, zone, due_by)


def _not_due(value: Any, zone: ZoneInfo, due_by: datetime) -> bool:
    """Whether a raw publish_at is certainly later than `due_by` (or absent). Anything odd is built in
    full, so that its problem is reported."""
    if value is None:
        return True  # published only by `socialpub publish`
    if not isinstance(value, datetime):
        return False
    try:
        moment = value if value.tzinfo is not None else localize(value, zone)
        return moment > due_by
    except (ValueError, OverflowError):
        return False


def _front_start(text: str) -> int:
    """The line after the opening '+++'."""
    if text.startswith("+++"):
        return 2  # the usual case, without splitting the whole file into lines
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            return number + 1
    return 2


def _build_post(
    path: Path, display: str, doc: TomlDoc, text: str, body: str, body_line: int, config: Config, *,
    is_toml: bool,
) -> tuple[Post | None, list[PostError]]:
    problems = Problems(doc, PostError)
    unknown: list[PostError] = []  # SP-FILE-002: the post is still checked for everything else

    schema = TOML_POST_SCHEMA if is_toml else POST_SCHEMA
    # A table is an override table, unless it is a post key of the wrong type (`title = { … }`: SP-FILE-001).
    data: dict[str, Any] = {}
    overrides_raw: dict[str, dict[str, Any]] = {}
    for key, value in doc.data.items():
        if isinstance(value, dict) and key not in schema:
            overrides_raw[key] = value
        else:
            data[key] = value
    good = problems.check_table(data, schema)

    post_text = good.get("text", body) if is_toml else body
    text_source = Source(display, doc=doc, path=("text",)) if is_toml else Source(display, body_line)
    # An empty text is no error: a post may carry all its text in overrides; rules see what is rendered.

    channels = tuple(good.get("channels", ()))
    known_channels = channels
    for index, name in enumerate(channels):
        if name not in config.channels:
            known_channels = tuple(c for c in channels if c in config.channels)
            guess = did_you_mean(name, config.channels)
            unknown.append(
                PostError(
                    f"unknown channel '{name}'",
                    rule="SP-FILE-002",
                    file=display,
                    line=doc.line("channels"),
                    key=f"channels[{index + 1}]",
                    hint=f"did you mean '{guess}'?" if guess else f"channels in {config.path.name}: "
                    + ", ".join(config.channels),
                )
            )
    if "channels" in good and not channels:
        problems.add("lists no channel", ("channels",), hint="name at least one channel from channels.toml")
    if len(set(channels)) < len(channels):  # a channel listed twice would be rendered (and sent) twice
        for name in sorted({c for c in channels if channels.count(c) > 1}):
            problems.add(f"lists '{name}' more than once", ("channels",), hint="name each channel once")

    campaign = good.get("campaign")
    if campaign is not None and campaign not in config.compliance.campaigns:
        guess = did_you_mean(campaign, config.compliance.campaigns)
        unknown.append(
            PostError(
                f"unknown campaign '{campaign}'",
                rule="SP-FILE-002",
                file=display,
                line=doc.line("campaign"),
                key="campaign",
                hint=f"did you mean '{guess}'?" if guess else "add it under [compliance.campaigns] in channels.toml",
            )
        )
        campaign = None

    publish_at = None
    if "publish_at" in good:
        publish_at = _publish_at(good["publish_at"], config.defaults.timezone, problems)

    media = _media_list(good.get("media", []), ("media",), path, display, doc, config, problems, unknown)

    suppress = []
    for index, entry in enumerate(good.get("suppress", [])):
        checked = problems.check_table(entry, SUPPRESS_SCHEMA, ("suppress", index))
        if "rule" in checked and "reason" in checked:
            if not checked["reason"].strip():
                problems.add("a suppression needs a reason", ("suppress", index, "reason"))
                continue
            from socialpub.rules import registry

            RULES = registry()

            if checked["rule"] not in RULES:
                guess = did_you_mean(checked["rule"], RULES)
                problems.add(
                    f"unknown rule '{checked['rule']}'",
                    ("suppress", index, "rule"),
                    hint=f"did you mean '{guess}'?" if guess else None,
                )
                continue
            suppress.append(
                Suppression(checked["rule"], checked["reason"], checked.get("mlr_ref"), doc.line("suppress"))
            )

    overrides: dict[str, dict[str, Any]] = {}
    for table, values in overrides_raw.items():
        kind = table if table in KINDS else config.channels[table].kind if table in config.channels else None
        if kind is None:
            guess = did_you_mean(table, [*KINDS, *config.channels, *POST_SCHEMA])
            unknown.append(
                PostError(
                    f"[{table}] is neither a channel kind nor a channel of channels.toml",
                    rule="SP-FILE-002",
                    file=display,
                    line=doc.line(table),
                    key=table,
                    hint=f"did you mean '{guess}'?" if guess else f"kinds: {', '.join(KINDS)}",
                )
            )
            continue
        if table in config.channels and table not in channels:
            problems.add(
                f"overrides channel '{table}', which the post's channels do not list",
                (table,),
                hint=f"add \"{table}\" to channels, or remove the [{table}] table",
            )
        checked = problems.check_table(values, _override_schema(kind), (table,))
        if "media" in checked:
            checked["media"] = _media_list(
                checked["media"], (table, "media"), path, display, doc, config, problems, unknown
            )
        if "thumbnail" in checked:
            thumb = _media_list(
                [{"path": checked["thumbnail"], "alt": "thumbnail"}], (table, "thumbnail"), path, display, doc,
                config, problems, unknown,
            )
            checked["thumbnail"] = thumb[0] if thumb else None
        overrides[table] = checked

    if problems.found:
        return None, [*problems.found, *unknown]  # type: ignore[list-item]  # Problems(doc, PostError)

    post = Post(
        id=good["id"] if "id" in good else path.stem,
        file=display,
        path=path,
        post_type=good["post_type"],
        channels=known_channels,
        text=post_text if is_toml else markdown_to_text(post_text),
        text_source=text_source,
        title=good.get("title"),
        campaign=campaign,
        publish_at=publish_at,
        approval_code=good.get("approval_code"),
        approval_status=good.get("approval_status"),
        approved_sha256=good.get("approved_sha256"),
        form_2253=good.get("form_2253", False),
        audience=good.get("audience", "consumer"),
        author_type=good.get("author_type", "company"),
        sponsored=good.get("sponsored", False),
        consent_ref=good.get("consent_ref", ""),
        claims_refs=tuple(good.get("claims_refs", ())),
        in_reply_to_text=good.get("in_reply_to_text", ""),
        link=good.get("link"),
        media=tuple(media),
        suppress=tuple(suppress),
        overrides=overrides,
        doc=doc,
        source_text=text,
        markdown=not is_toml,
        raw_text=post_text,
    )
    return post, unknown


@cache
def _override_schema(kind: str) -> dict[str, Key]:
    """The keys a [kind] or [channel] table of a post may set (built once per kind)."""
    return {**COMMON_OVERRIDE_KEYS, **adapter_class(kind).override_keys}


def _publish_at(value: Any, zone: ZoneInfo, problems: Problems) -> datetime | None:
    hint = "write an unquoted TOML date-time such as 2014-09-15T10:00:00-04:00 (or local: 2014-09-15T10:00:00)"
    if not isinstance(value, datetime):
        if isinstance(value, str):
            problems.add(f"'{value}' is a string, not a date-time", ("publish_at",), hint=hint)
        elif isinstance(value, time):
            problems.add("needs a date as well as a time of day", ("publish_at",), hint=hint)
        else:
            problems.add("needs a time of day, not only a date", ("publish_at",), hint=hint)
        return None
    try:
        moment = value if value.tzinfo is not None else localize(value, zone)
        if not 1 < moment.year < 9999:  # only within a day of the calendar's ends can a time zone leave it
            moment.astimezone(UTC), moment.astimezone(zone)  # 0001-01-01T00:00:00+05:00 is before year 1 in UTC
    except OverflowError:
        problems.add(f"{value.isoformat()} is out of range", ("publish_at",), hint=hint)
        return None
    except ValueError as exc:
        problems.add(str(exc), ("publish_at",), hint="write the time with its UTC offset to say which one is meant")
        return None
    return moment


def day_start(day: date, zone: ZoneInfo) -> datetime:
    """The first moment of `day` in `zone`, even where a DST change skips or repeats its midnight (Santiago,
    Havana: the clocks jump from 24:00 to 01:00): fold 0 is the earliest reading of that wall clock."""
    return datetime.combine(day, time(), zone)


def localize(naive: datetime, zone: ZoneInfo) -> datetime:
    """A local wall-clock time in `zone`; ambiguous or non-existent times (DST changes) are refused."""
    early = naive.replace(tzinfo=zone, fold=0)
    late = naive.replace(tzinfo=zone, fold=1)
    if early.utcoffset() == late.utcoffset():
        return early
    round_trip = early.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    if round_trip != naive:
        raise ValueError(f"{naive.isoformat()} does not exist in {zone.key} (the clocks skip it at a DST change)")
    raise ValueError(f"{naive.isoformat()} happens twice in {zone.key} (the clocks go back at a DST change)")


def _media_list(
    entries: list[Any],
    path: tuple[str, ...],
    post_path: Path,
    display: str,
    doc: TomlDoc,
    config: Config,
    problems: Problems,
    unknown: list[PostError],
) -> list[Media]:
    out = []
    for index, entry in enumerate(entries):
        if isinstance(entry, str):  # allow media = ["file.png"] for convenience; alt is then missing
            entry = {"path": entry}
        if not isinstance(entry, dict):
            problems.add("must be a table { path = …, alt = … }", (*path, index))
            continue
        checked = problems.check_table(entry, MEDIA_SCHEMA, (*path, index))
        if "path" not in checked:
            continue
        where = Source(display, doc=doc, path=path)
        resolved, problem, mime = _media_file(checked["path"], post_path, config)
        if problem:
            line = where.line
            unknown.append(
                PostError(
                    f"media '{checked['path']}' {problem}",
                    rule="SP-FILE-002",
                    file=display,
                    line=line,
                    key=f"{'.'.join(path)}[{index + 1}].path",
                    hint="paths are relative to the post file and must stay inside the repository",
                )
            )
        out.append(
            Media(
                path=checked["path"],
                file=resolved if problem is None else None,
                alt=checked.get("alt"),
                depicts_patient=checked.get("depicts_patient", False),
                mime=mime,
                where=where,
                problem=problem,
            )
        )
    return out


def _media_file(relative: str, post_path: Path, config: Config) -> tuple[Path | None, str | None, str | None]:
    """(resolved path, problem, MIME type) of a media reference, looked up once per run for each folder and
    reference, and each file inspected once per run: many posts show the same image."""
    cache = config.cache
    key = (os.path.dirname(post_path), relative)  # a string folder: cheaper to hash than a Path
    cached = cache.media_refs.get(key)
    if cached is None:
        resolved, problem = _resolve_media(relative, post_path, _real_root(config))
        if resolved is None or problem is not None:
            cached = (None, problem, None)
        else:
            cached = cache.media_files.get(resolved)
            if cached is None:
                cached = cache.media_files[resolved] = _inspect_media(resolved)
        cache.media_refs[key] = cached
    return cached


def _real_root(config: Config) -> Path:
    """The repository with its symbolic links resolved, once per run."""
    root = config.cache.real_root
    if root is None:
        root = config.cache.real_root = config.root.resolve()
    return root


def _resolve_media(relative: str, post_path: Path, real_root: Path) -> tuple[Path | None, str | None]:
    raw = Path(relative)
    if raw.is_absolute():
        return None, "is an absolute path"
    candidate = post_path.parent / raw
    try:
        resolved = candidate.resolve(strict=True)
    except (FileNotFoundError, RuntimeError):
        return None, "does not exist"
    except OSError as exc:
        return None, f"cannot be read: {exc.strerror}"
    except ValueError:  # e.g. an embedded NUL character ("\u0000" in the TOML string)
        return None, "is not a usable file name"
    try:
        resolved.relative_to(real_root)
    except ValueError:
        return None, "leaves the repository (through '..' or a symbolic link)"
    return resolved, None


def _inspect_media(resolved: Path) -> tuple[Path | None, str | None, str | None]:
    """(file, problem, MIME type) of a media file inside the repository; the type is told by its bytes."""
    if not resolved.is_file():
        return None, "is not a file", None
    try:
        mime = sniff_file(resolved)
    except OSError as exc:
        return resolved, f"cannot be read: {exc.strerror}", None
    if mime is None:
        return resolved, "is not an image or video socialpub knows (JPEG, PNG, GIF, WebP, MP4, MOV, WebM)", None
    return resolved, None, mime


def as_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def select_posts(config: Config, names: Iterable[str | Path]) -> list[Path]:
    """What a person named on the command line, as post files: a file or folder path as given, or a post id
    (as `status` shows it). An id that matches no post is an error that suggests the closest ids."""
    selected: list[Path] = []
    by_id: dict[str, Path] | None = None
    for name in names:
        path = Path(name)
        if path.exists():
            selected.append(path)
            continue
        if by_id is None:
            by_id = {post.id: post.path for post in load_posts(config).posts}
        if str(name) in by_id:
            selected.append(by_id[str(name)])
            continue
        raise _no_such_post(str(name), by_id)
    return selected


def post_id_of(config: Config, name: str, known: Iterable[str] = ()) -> str:
    """The post id a person means by `name`: the id of the post file at that path, or an id of a post on disk
    or in `known` (the ledger's: a post whose file was removed can still be retracted or resolved)."""
    path = Path(name)
    if path.is_file():
        post, errors = load_post(path, config)
        if post is None:
            raise SocialpubError(
                f"{name}: the post file does not load, so its id is unknown",
                hint="socialpub check shows why; or give the post id as `socialpub status` shows it",
            )
        return post.id
    ids = {post.id: post.path for post in load_posts(config).posts}
    if name in ids or name in set(known):
        return name
    raise _no_such_post(name, {**dict.fromkeys(known), **ids})


def _no_such_post(name: str, ids: Iterable[str]) -> SocialpubError:
    close = difflib.get_close_matches(name, list(ids), n=3, cutoff=0.5)
    hint = ("did you mean " + " or ".join(f"'{c}'" for c in close) + "?") if close else \
        "give a post file's path or a post id as `socialpub status` shows it"
    return SocialpubError(f"no post file or post id '{name}'", hint=hint)
