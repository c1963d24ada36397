"""`socialpub preview --html`: one self-contained page of platform-like cards for reviewers.

What each card shows comes from `preview.card()` (the same data as `preview --format json`); this module
only lays it out. The page must work offline and as a CI artifact, so it has no script and loads nothing:
CSS is inline, images are `data:` URIs, and a Content-Security-Policy forbids every other source.

Escaping is total by construction: markup is only ever made by `el()`, which escapes every string it is
given (text and attribute values) unless it is `Markup` that `el()` itself built. Post text is split at the
finding spans *before* escaping, each piece escaped, then joined with the `<mark>` tags.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from socialpub import __version__
from socialpub.media import IMAGE_TYPES, VIDEO_TYPES
from socialpub.preview import card, schedule
from socialpub.report import merged

if TYPE_CHECKING:
    from socialpub.adapters.base import Rendered
    from socialpub.check import CheckResult, PostReport
    from socialpub.config import Config
    from socialpub.media import Media

MiB = 1024 * 1024
VIDEO_EMBED_LIMIT = 5 * MiB  # larger videos get a poster box with name and size, not gigabytes of base64
IMAGE_EMBED_LIMIT = 20 * MiB  # Pinterest's own image limit; anything larger is not a real post image

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; media-src data:"

KIND_LABEL = {"twitter": "X", "facebook": "Facebook Page", "youtube": "YouTube", "pinterest": "Pinterest"}


# --- markup that cannot be injected ---------------------------------------------------------------------


class Markup(str):
    """HTML built by `el()`. Any other str is data and gets escaped."""

    __slots__ = ()


VOID = frozenset({"meta", "img", "br", "hr", "wbr", "source"})


def esc(value: object) -> Markup:
    if isinstance(value, Markup):
        return value
    return Markup(html.escape(str(value), quote=True))


Child = Any  # str | Markup | None | Iterable of them


def _children(children: Iterable[Child]) -> Iterable[str]:
    for child in children:
        if child is None or child is False:
            continue
        if isinstance(child, str):
            yield esc(child)
        elif isinstance(child, Iterable):
            yield from _children(child)
        else:
            yield esc(child)


def join(*children: Child) -> Markup:
    return Markup("".join(_children(children)))


def el(tag: str, attrs: dict[str, object] | None = None, *children: Child) -> Markup:
    """`<tag attr="value">children</tag>`; tag and attribute names are constants of this module."""
    parts = [f"<{tag}"]
    for name, value in (attrs or {}).items():
        if value is None or value is False:
            continue
        parts.append(f" {name}" if value is True else f' {name}="{esc(value)}"')
    parts.append(">")
    if tag in VOID:
        return Markup("".join(parts))
    return Markup("".join(parts) + join(*children) + f"</{tag}>")


# --- identifiers ----------------------------------------------------------------------------------------


class Ids:
    """Unique, attribute-safe ids for posts, cards and findings (post ids are data, not identifiers)."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def make(self, *words: str) -> str:
        base = "-".join(re.sub(r"[^A-Za-z0-9_-]+", "_", w).strip("_") or "x" for w in words)
        candidate, n = base, 1
        while candidate in self.used:
            n += 1
            candidate = f"{base}-{n}"
        self.used.add(candidate)
        return candidate


# --- findings at their spans ----------------------------------------------------------------------------


RANK = {"error": 2, "warning": 1}


@dataclass
class Ref:
    """One finding of a card, with the anchor of its entry below the card."""

    data: dict[str, Any]
    anchor: str
    marked: bool = False

    @property
    def severity(self) -> str:
        return str(self.data["severity"])

    @property
    def suppressed(self) -> bool:
        return bool(self.data.get("suppressed"))

    @property
    def label(self) -> str:
        return f"{self.data['rule']}: {self.data['message']}"


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    ref: Ref


def place(refs: Sequence[Ref], fields: Sequence[tuple[str, str]]) -> dict[str, list[Span]]:
    """Spans per field: each finding with an excerpt marks one occurrence of it (the next one not already
    taken by an earlier finding of the same rule and excerpt, e.g. the same claim in two tweets)."""
    spans: dict[str, list[Span]] = {key: [] for key, _ in fields}
    taken: dict[tuple[str, str], set[tuple[str, int]]] = {}
    for ref in refs:
        excerpt = ref.data.get("excerpt")
        if not excerpt:
            continue
        found: list[tuple[str, int, int]] = []
        for flags in (0, re.IGNORECASE):
            pattern = re.compile(re.escape(excerpt), flags)
            found = [(key, m.start(), m.end()) for key, value in fields for m in pattern.finditer(value)]
            if found:
                break
        if not found:
            continue
        used = taken.setdefault((str(ref.data["rule"]), excerpt), set())
        key, start, end = next(((k, s, e) for k, s, e in found if (k, s) not in used), found[0])
        used.add((key, start))
        spans[key].append(Span(start, end, ref))
        ref.marked = True
    return spans


def marked(
    text: str, spans: Sequence[Span] = (), fold: int | None = None, fold_label: str = "See more"
) -> Markup:
    """The text with each span in a `<mark>` and a visible fold marker; raw text is split, then escaped."""
    cuts = {0, len(text)}
    for s in spans:
        cuts.update((s.start, s.end))
    folded = fold is not None and 0 < fold < len(text)
    if folded:
        cuts.add(fold)  # type: ignore[arg-type]
    points = sorted(cuts)
    out: list[Markup] = []
    for a, b in zip(points, points[1:], strict=False):
        piece = text[a:b]
        covering = [s.ref for s in spans if s.start <= a and s.end >= b]
        if covering:
            worst = max(covering, key=lambda r: (not r.suppressed, RANK.get(r.severity, 0)))
            classes = worst.severity + (" suppressed" if all(r.suppressed for r in covering) else "")
            out.append(el("mark", {"class": classes, "title": "\n".join(r.label for r in covering)}, piece))
        else:
            out.append(esc(piece))
        ending = [s.ref for s in spans if s.end == b and s.start < b]
        if ending:
            links = [el("a", {"href": f"#{r.anchor}", "title": r.label}, r.data["rule"]) for r in ending]
            out.append(
                el("sup", {"class": "ref"}, [join(", " if i else None, a) for i, a in enumerate(links)])
            )
        if folded and b == fold:
            out.append(
                el(
                    "span",
                    {"class": "fold", "role": "separator", "title": f"fold after {fold} characters"},
                    fold_label,
                )
            )
    return join(out)


# --- media ----------------------------------------------------------------------------------------------


def human_size(size: int | None) -> str:
    if size is None:
        return "size unknown"
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{int(value)} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} bytes"


class Embedder:
    """`data:` URIs of media files, each file read once; None when it must not or cannot be embedded."""

    def __init__(self, video_limit: int, image_limit: int) -> None:
        self.video_limit = video_limit
        self.image_limit = image_limit
        self.cache: dict[Path, str | None] = {}

    def limit(self, media: Media) -> int:
        return self.image_limit if media.mime in IMAGE_TYPES else self.video_limit

    def uri(self, media: Media) -> str | None:
        if media.file is None or media.mime not in (*IMAGE_TYPES, *VIDEO_TYPES):
            return None
        limit = self.limit(media)
        size = media.size
        if size is None or size > limit:
            return None
        if media.file not in self.cache:
            try:
                data = media.file.read_bytes()
            except OSError:
                self.cache[media.file] = None
            else:
                self.cache[media.file] = f"data:{media.mime};base64,{base64.b64encode(data).decode('ascii')}"
        return self.cache[media.file]


# --- the page -------------------------------------------------------------------------------------------


@dataclass
class CardView:
    """One (post, channel): `card()`'s data plus what the layout needs from the rendered post."""

    data: dict[str, Any]
    rendered: Rendered
    anchor: str
    refs: list[Ref]
    spans: dict[str, list[Span]]
    blocking: list[str]


class Page:
    def __init__(self, result: CheckResult, config: Config, video_limit: int, image_limit: int) -> None:
        self.result = result
        self.config = config
        self.ids = Ids()
        self.ids.used.update(("summary", "file-findings"))  # the fixed sections
        self.media = Embedder(video_limit, image_limit)
        self.post_anchor = {rep.post.id: self.ids.make("post", rep.post.id) for rep in result.reports}

    # one card's data, its findings and where they are marked
    def view(self, rep: PostReport, rendered: Rendered) -> CardView:
        data = card(rep, rendered, self.config)
        anchor = self.ids.make("card", rep.post.id, rendered.channel.name)
        refs = [Ref(f, self.ids.make(anchor, f"f{i + 1}")) for i, f in enumerate(data["findings"])]
        return CardView(
            data,
            rendered,
            anchor,
            refs,
            place(refs, self.fields(rendered)),
            rep.blocking(rendered.channel.name),
        )

    @staticmethod
    def fields(r: Rendered) -> list[tuple[str, str]]:
        """Every text a card shows, in reading order, keyed for `place()`."""
        out: list[tuple[str, str]] = []
        if r.title:
            out.append(("title", r.title))
        for i, part in enumerate(r.parts):
            out.append((f"part{i}", part.text))
            out += [(f"alt{i}.{j}", m.alt) for j, m in enumerate(part.media) if m.alt]
        if shows_link_card(r):
            out.append(("link", r.link or ""))
        if r.thumbnail and r.thumbnail.alt:
            out.append(("thumbalt", r.thumbnail.alt))
        return out

    def render(self) -> str:
        res = self.result
        status = "failed" if not res.ok else "ok"
        head = el(
            "head",
            None,
            el("meta", {"charset": "utf-8"}),
            el("meta", {"http-equiv": "Content-Security-Policy", "content": CSP}),
            el("meta", {"name": "referrer", "content": "no-referrer"}),
            el("meta", {"name": "viewport", "content": "width=device-width, initial-scale=1"}),
            el("meta", {"name": "generator", "content": f"socialpub {__version__}"}),
            el("title", None, f"socialpub preview: {res.files} post file(s), {status}"),
            el("style", None, Markup(STYLE)),
        )
        body = el(
            "body",
            None,
            el(
                "header",
                {"class": f"top {status}"},
                el("h1", None, "socialpub preview"),
                el(
                    "p",
                    {"class": "totals"},
                    f"{res.files} post file(s): {res.errors} error(s), {res.warnings} warning(s), "
                    f"{res.suppressed} suppressed. ",
                    el(
                        "strong",
                        None,
                        "Blocked: error findings must be fixed." if not res.ok else "No blocking findings.",
                    ),
                ),
            ),
            el(
                "main", None, self.summary(), self.file_findings(), [self.section(rep) for rep in res.reports]
            ),
            el(
                "footer",
                None,
                f"socialpub {__version__}. Offline page: nothing on it is loaded from elsewhere.",
            ),
        )
        return "<!DOCTYPE html>\n" + el("html", {"lang": "en"}, head, body) + "\n"

    def summary(self) -> Markup:
        rows = []
        for rep in self.result.reports:
            when = schedule(rep, self.config)
            groups = merged(rep.findings)  # a problem shared by several channels counts once
            errors = sum(1 for f, _ in groups if f.blocking)
            warnings = sum(1 for f, _ in groups if f.severity == "warning" and not f.suppressed)
            state = "blocked" if errors else "warnings" if warnings else "ready"
            chips = [
                el(
                    "span",
                    {"class": "chip " + ("bad" if rep.blocking(r.channel.name) else "good")},
                    r.channel.name,
                )
                for r in rep.renders
            ] or [el("span", {"class": "muted"}, "no selected channel")]
            rows.append(
                el(
                    "tr",
                    {"class": state},
                    el(
                        "td",
                        None,
                        el("a", {"href": f"#{self.post_anchor[rep.post.id]}"}, rep.post.id),
                        el("div", {"class": "muted"}, rep.post.file),
                    ),
                    el("td", None, chips),
                    el(
                        "td",
                        None,
                        when["local"] or "not scheduled",
                        el("div", {"class": "muted"}, when["utc"]) if when["utc"] else None,
                    ),
                    el("td", {"class": "num" + (" bad" if errors else "")}, str(errors)),
                    el("td", {"class": "num" + (" warn" if warnings else "")}, str(warnings)),
                    el("td", None, el("span", {"class": f"status {state}"}, state)),
                )
            )
        broken: dict[str, int] = {}
        for f in self.result.file_findings:
            broken[f.file] = broken.get(f.file, 0) + 1
        for file, count in broken.items():
            rows.append(
                el(
                    "tr",
                    {"class": "blocked"},
                    el(
                        "td",
                        None,
                        el("a", {"href": "#file-findings"}, file),
                        el("div", {"class": "muted"}, "did not load"),
                    ),
                    el("td", None, el("span", {"class": "muted"}, "unknown")),
                    el("td", None, "unknown"),
                    el("td", {"class": "num bad"}, str(count)),
                    el("td", {"class": "num"}, "0"),
                    el("td", None, el("span", {"class": "status blocked"}, "not loaded")),
                )
            )
        return el(
            "section",
            {"class": "summary", "id": "summary"},
            el("h2", None, "Summary"),
            el(
                "table",
                None,
                el(
                    "thead",
                    None,
                    el(
                        "tr",
                        None,
                        [
                            el("th", None, h)
                            for h in (
                                "post",
                                "channels",
                                f"schedule ({self.config.defaults.timezone.key})",
                                "errors",
                                "warnings",
                                "status",
                            )
                        ],
                    ),
                ),
                el("tbody", None, rows or el("tr", None, el("td", {"colspan": "6"}, "no posts"))),
            ),
        )

    def file_findings(self) -> Markup | None:
        found = self.result.file_findings
        if not found:
            return None
        items = [
            el(
                "li",
                {"class": "finding error"},
                el("span", {"class": "sev error"}, "error"),
                " ",
                el(
                    "code",
                    None,
                    f.file + (f":{f.line}" if f.line else "") + (f":{f.column}" if f.column else ""),
                ),
                " ",
                el("strong", None, f"{f.rule} {f.name}"),
                " ",
                f.message,
                el("div", {"class": "hint"}, "hint: ", f.hint) if f.hint else None,
            )
            for f in found
        ]
        return el(
            "section",
            {"class": "file-findings", "id": "file-findings"},
            el("h2", None, f"Files that did not load ({len(found)})"),
            el("ul", {"class": "findings"}, items),
        )

    def section(self, rep: PostReport) -> Markup:
        post = rep.post
        views = [self.view(rep, r) for r in rep.renders]
        extra = None
        if not views and rep.findings:  # no selected channel: the post-level findings still count
            refs = [
                Ref(f.to_dict(), self.ids.make("post", post.id, "f", str(i)))
                for i, f in enumerate(rep.findings)
            ]
            extra = self.finding_list(refs)
        return el(
            "section",
            {"class": "post", "id": self.post_anchor[post.id]},
            el(
                "h2",
                None,
                post.id,
                " ",
                el("a", {"class": "up", "href": "#summary", "title": "back to the summary"}, "↑"),
            ),
            el(
                "p",
                {"class": "muted"},
                el("code", None, post.file),
                f" · {post.title}" if post.title else None,
                f" · campaign {post.campaign}" if post.campaign else None,
            ),
            el("div", {"class": "cards"}, [self.card(v) for v in views]),
            extra,
        )

    # --- one card ---

    def card(self, v: CardView) -> Markup:
        kind = v.data["kind"]
        body = {
            "twitter": self.x_card,
            "facebook": self.facebook_card,
            "youtube": self.youtube_card,
            "pinterest": self.pinterest_card,
        }.get(kind, self.generic_card)(v)
        errors = sum(1 for r in v.refs if r.severity == "error" and not r.suppressed)
        warnings = sum(1 for r in v.refs if r.severity == "warning" and not r.suppressed)
        state = "blocked" if v.blocking else "warnings" if warnings else "ready"
        badge = (
            f"blocked by {errors} error(s)"
            if v.blocking
            else f"{warnings} warning(s)"
            if warnings
            else "ready"
        )
        return el(
            "article",
            {"class": f"card {kind} {state}", "id": v.anchor, "data-channel": v.data["channel"]},
            el(
                "header",
                {"class": "card-head"},
                el("span", {"class": "platform"}, KIND_LABEL.get(kind, kind)),
                " ",
                el("span", {"class": "channel"}, v.data["channel"]),
                el("span", {"class": f"status {state}"}, badge),
            ),
            el("div", {"class": "platform-body"}, body),
            self.facts(v),
            self.finding_list(v.refs),
        )

    def text(self, v: CardView, key: str, text: str, fold_label: str | None = None) -> Markup:
        fold = v.rendered.fold if fold_label else None
        return el("div", {"class": "text"}, marked(text, v.spans.get(key, ()), fold, fold_label or ""))

    def avatar(self, name: str) -> Markup:
        initial = next((c for c in name if c.isalnum()), "?").upper()
        return el("span", {"class": "avatar", "aria-hidden": "true"}, initial)

    def image(self, v: CardView, media: Media, alt_key: str | None) -> Markup:
        uri = self.media.uri(media)
        if uri and media.mime in IMAGE_TYPES:
            shown = el("img", {"src": uri, "alt": media.alt or ""})
        elif uri and media.mime in VIDEO_TYPES:
            poster = self.media.uri(v.rendered.thumbnail) if v.rendered.thumbnail else None
            shown = el("video", {"src": uri, "controls": True, "preload": "metadata", "poster": poster})
        else:
            shown = self.placeholder(media)
        alt = (
            el("span", {"class": "alt-text"}, marked(media.alt, v.spans.get(alt_key or "", ())))
            if media.alt
            else el("span", {"class": "alt-missing"}, "no alt text")
        )
        return el(
            "figure",
            {"class": "media"},
            shown,
            el("figcaption", None, el("b", None, "alt: "), alt, el("div", {"class": "muted"}, media.path)),
        )

    def placeholder(self, media: Media) -> Markup:
        kind = media.kind or "file"
        reason = media.problem or (
            f"not embedded: over the page's {human_size(self.media.limit(media))} limit"
            if media.size is not None
            else "file not found"
        )
        if media.problem is None and media.mime is None and media.size is not None:
            reason = "not an image or video socialpub knows"
        return el(
            "div",
            {"class": f"placeholder {kind}"},
            el(
                "span",
                {"class": "play" if kind == "video" else "icon", "aria-hidden": "true"},
                "▶" if kind == "video" else "▦",
            ),
            el("div", None, el("strong", None, Path(media.path).name)),
            el("div", {"class": "muted"}, f"{media.mime or kind}, {human_size(media.size)}"),
            el("div", {"class": "muted"}, reason),
        )

    def media_list(self, v: CardView, media: Sequence[Media], part: int) -> Markup | None:
        if not media:
            return None
        alts = [f"alt{part}.{j}" if m.alt else None for j, m in enumerate(media)]
        return el(
            "div",
            {"class": f"gallery n{min(len(media), 4)}"},
            [self.image(v, m, k) for m, k in zip(media, alts, strict=True)],
        )

    def link_card(self, v: CardView) -> Markup | None:
        link = v.rendered.link
        if not link:
            return None
        return el(
            "div",
            {"class": "link-card"},
            el(
                "div",
                {"class": "host"},
                (urlsplit(link).hostname or "link").upper() if _http(link) else "not a web link",
            ),
            el("div", {"class": "url"}, marked(link, v.spans.get("link", ()))),
            self.anchor_to(link),
        )

    @staticmethod
    def anchor_to(link: str) -> Markup | None:
        """An http(s) link a reviewer may open, never followed by the page itself; anything else is text."""
        if not _http(link):
            return None
        return el(
            "a",
            {"class": "open", "href": link, "rel": "noopener noreferrer", "target": "_blank"},
            "open link ↗",
        )

    def x_card(self, v: CardView) -> Markup:
        r = v.rendered
        account = str(r.channel.options.get("account") or r.channel.name).lstrip("@")
        display = self.config.defaults.sponsor or account
        measures = v.data["measures"]
        tweets = []
        for i, part in enumerate(r.parts):
            m = measures[i] if i < len(measures) else None
            tweets.append(
                el(
                    "div",
                    {"class": "tweet"},
                    self.avatar(display),
                    el(
                        "div",
                        {"class": "tweet-body"},
                        el(
                            "div",
                            {"class": "who"},
                            el("b", None, display),
                            " ",
                            el("span", {"class": "muted"}, f"@{account}"),
                        ),
                        self.text(v, f"part{i}", part.text),
                        self.media_list(v, part.media, i),
                        el(
                            "div",
                            {"class": "tweet-foot"},
                            el("span", {"class": "muted"}, f"{i + 1}/{len(r.parts)}")
                            if len(r.parts) > 1
                            else None,
                            self.count(m) if m else None,
                        ),
                    ),
                )
            )
        return el("div", {"class": "thread" if len(tweets) > 1 else "single"}, tweets)

    def facebook_card(self, v: CardView) -> Markup:
        r = v.rendered
        page = str(r.channel.options.get("page_name") or self.config.defaults.sponsor or r.channel.name)
        return el(
            "div",
            {"class": "fb"},
            el(
                "div",
                {"class": "who"},
                self.avatar(page),
                el("b", None, page),
                el("span", {"class": "muted"}, " · page post"),
            ),
            self.text(v, "part0", r.text, "See more"),
            self.media_list(v, r.parts[0].media if r.parts else (), 0),
            self.link_card(v),
        )

    def youtube_card(self, v: CardView) -> Markup:
        r = v.rendered
        options = v.data["options"]
        videos = [m for m in r.media if m.kind == "video"] or list(r.media)
        if videos:
            shown = r.parts[0].media if r.parts else ()
            key = f"alt0.{shown.index(videos[0])}" if videos[0] in shown and videos[0].alt else None
            player = self.image(v, videos[0], key)
        elif r.thumbnail:
            player = self.image(v, r.thumbnail, "thumbalt")
        else:
            player = el("div", {"class": "placeholder video"}, "no video")
        if r.thumbnail and videos:
            thumb = el(
                "div", {"class": "thumb"}, el("b", None, "thumbnail"), self.image(v, r.thumbnail, "thumbalt")
            )
        else:
            thumb = None
        tags = options.get("tags") or []
        return el(
            "div",
            {"class": "yt"},
            el("div", {"class": "player"}, player),
            el(
                "h3",
                {"class": "yt-title"},
                marked(r.title or "", v.spans.get("title", ()))
                if r.title
                else el("span", {"class": "alt-missing"}, "no title"),
            ),
            el(
                "div",
                {"class": "who"},
                self.avatar(self.config.defaults.sponsor or r.channel.name),
                el("b", None, self.config.defaults.sponsor or r.channel.name),
                el("span", {"class": "chip"}, f"privacy: {options.get('privacy', 'public')}"),
            ),
            el("div", {"class": "description"}, self.text(v, "part0", r.text, "…more")),
            el("div", {"class": "tags"}, [el("span", {"class": "tag"}, f"#{t}") for t in tags])
            if tags
            else None,
            thumb,
            self.link_card(v) if shows_link_card(r) else None,
        )

    def pinterest_card(self, v: CardView) -> Markup:
        r = v.rendered
        return el(
            "div",
            {"class": "pin"},
            self.media_list(v, r.parts[0].media if r.parts else r.media, 0)
            or el("div", {"class": "placeholder image"}, "no image"),
            el(
                "div",
                {"class": "thumb"},
                el("b", None, "cover image"),
                self.image(v, r.thumbnail, "thumbalt"),
            )
            if r.thumbnail
            else None,
            el(
                "h3",
                {"class": "pin-title"},
                marked(r.title, v.spans.get("title", ()))
                if r.title
                else el("span", {"class": "alt-missing"}, "no title"),
            ),
            self.text(v, "part0", r.text),
            el("div", {"class": "board"}, "Saved to ", el("b", None, r.board or "(no board)")),
            self.link_card(v),
        )

    def generic_card(self, v: CardView) -> Markup:
        r = v.rendered
        return el(
            "div",
            {"class": "generic"},
            el("h3", None, marked(r.title, v.spans.get("title", ()))) if r.title else None,
            [
                join(self.text(v, f"part{i}", p.text), self.media_list(v, p.media, i))
                for i, p in enumerate(r.parts)
            ],
            self.link_card(v),
        )

    @staticmethod
    def count(m: dict[str, Any]) -> Markup:
        return el(
            "span",
            {"class": "count " + ("over" if m["over"] else "ok"), "title": f"{m['what']}: {m['unit']}"},
            f"{m['count']:,}/{m['limit']:,}",
        )

    def facts(self, v: CardView) -> Markup:
        d = v.data
        when = d["schedule"]
        rows = [
            (
                "schedule",
                join(when["local"], el("span", {"class": "muted"}, f" ({when['utc']}, zone {when['zone']})"))
                if when["local"]
                else "not scheduled: published only by `socialpub publish`",
            ),
            ("approval", d["approval_code"] or el("span", {"class": "alt-missing"}, "none")),
            ("post type", d["post_type"]),
        ]
        for m in d["measures"]:
            rows.append((m["what"], join(self.count(m), f" {m['unit']}")))
        if d["board"]:
            rows.append(("board", d["board"]))
        for key, value in d["options"].items():
            if key == "tags":
                continue
            rows.append(
                (key.replace("_", " "), ", ".join(map(str, value)) if isinstance(value, list) else str(value))
            )
        return el("dl", {"class": "facts"}, [join(el("dt", None, k), el("dd", None, val)) for k, val in rows])

    def finding_list(self, refs: Sequence[Ref]) -> Markup:
        if not refs:
            return el("p", {"class": "no-findings"}, "✓ no findings")
        items = []
        for ref in refs:
            f = ref.data
            label = "suppressed" if ref.suppressed else ref.severity
            where = (
                f["file"]
                + (f":{f['line']}" if f.get("line") else "")
                + (f":{f['column']}" if f.get("column") else "")
            )
            waiver = f.get("suppression") or {}
            items.append(
                el(
                    "li",
                    {
                        "class": f"finding {ref.severity}" + (" suppressed" if ref.suppressed else ""),
                        "id": ref.anchor,
                    },
                    el("span", {"class": f"sev {label}"}, label),
                    " ",
                    el("strong", None, f["rule"]),
                    " ",
                    el("span", {"class": "name"}, f["name"]),
                    ": ",
                    f["message"],
                    " ",
                    el("code", {"class": "where"}, where),
                    None
                    if ref.marked
                    else el(
                        "div",
                        {"class": "span-note"},
                        f"excerpt (not in the text shown): “{f['excerpt']}”"
                        if f.get("excerpt")
                        else "applies to the post as a whole",
                    ),
                    el("div", {"class": "hint"}, "hint: ", f["hint"])
                    if f.get("hint") and not ref.suppressed
                    else None,
                    el(
                        "div",
                        {"class": "waiver"},
                        "suppressed: ",
                        waiver.get("reason", ""),
                        f" (MLR {waiver['mlr_ref']})" if waiver.get("mlr_ref") else None,
                    )
                    if ref.suppressed
                    else None,
                )
            )
        return el("ol", {"class": "findings"}, items)


def shows_link_card(r: Rendered) -> bool:
    """X shows the link inside the tweet and YouTube inside the description; the others as a card."""
    if not r.link or r.kind == "twitter":
        return False
    return not (r.kind == "youtube" and r.link in r.text)


def _http(link: str) -> bool:
    return urlsplit(link.strip()).scheme.lower() in ("http", "https")


def render_page(
    result: CheckResult,
    config: Config,
    *,
    video_limit: int = VIDEO_EMBED_LIMIT,
    image_limit: int = IMAGE_EMBED_LIMIT,
) -> str:
    """The whole preview as one self-contained HTML page (no script, nothing loaded from elsewhere)."""
    return Page(result, config, video_limit, image_limit).render()


STYLE = """
:root{--err:#c62828;--err-bg:#ffd7d7;--warn:#8a6100;--warn-bg:#fff0b3;--ok:#1b7f3b;--muted:#5f6b76;
--line:#d8dee4;--bg:#f4f6f8;--x:#0f1419;--fb:#1877f2;--yt:#ff0000;--pin:#e60023}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:#1f2328;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,
"Liberation Sans",Arial,sans-serif}
header.top{padding:16px 24px;color:#fff;background:var(--ok)}header.top.failed{background:var(--err)}
header.top h1{margin:0 0 4px;font-size:20px}.totals{margin:0}
main{padding:16px 24px;max-width:1600px}footer{padding:16px 24px;color:var(--muted);font-size:12px}
h2{font-size:18px;margin:0 0 6px}h2 .up{font-size:14px;text-decoration:none;color:var(--muted)}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid var(--line)}
th,td{text-align:left;vertical-align:top;padding:6px 10px;border-bottom:1px solid var(--line)}
th{background:#eef1f4;font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums}
td.bad{color:var(--err);font-weight:700}td.warn{color:var(--warn);font-weight:700}
.muted{color:var(--muted);font-size:12px}code{font-size:12px}
.chip{display:inline-block;margin:1px 4px 1px 0;padding:0 8px;border-radius:10px;border:1px solid var(--line);
background:#fff;font-size:12px}.chip.bad{border-color:var(--err);color:var(--err)}
.chip.good{border-color:var(--ok);color:var(--ok)}
.status{display:inline-block;padding:1px 8px;border-radius:4px;font-size:12px;font-weight:600;color:#fff;
background:var(--ok)}.status.blocked{background:var(--err)}.status.warnings{background:var(--warn)}
.card-head .status{float:right}
section.summary,section.file-findings,section.post{margin:0 0 28px}
section.post{padding-top:8px;border-top:2px solid var(--line)}
.cards{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}
.card{width:540px;max-width:100%;background:#fff;border:1px solid var(--line);border-radius:12px;
border-top:4px solid var(--ok);overflow:hidden}.card.blocked{border-top-color:var(--err)}
.card.warnings{border-top-color:var(--warn)}
.card-head{padding:8px 12px;border-bottom:1px solid var(--line);background:#fafbfc}
.platform{font-weight:700}.twitter .platform{color:var(--x)}.facebook .platform{color:var(--fb)}
.youtube .platform{color:var(--yt)}.pinterest .platform{color:var(--pin)}.channel{color:var(--muted)}
.platform-body{padding:12px}
.text{white-space:pre-wrap;overflow-wrap:anywhere;unicode-bidi:isolate;font-size:15px}
.avatar{flex:none;display:inline-flex;align-items:center;justify-content:center;width:40px;height:40px;
border-radius:50%;background:#44546a;color:#fff;font-weight:700;margin-right:8px}
.who{display:flex;align-items:center;gap:6px;margin-bottom:6px}.who .avatar{margin-right:2px}
.tweet .who{margin-bottom:2px}
.tweet{display:flex;position:relative;padding-bottom:14px}
.thread .tweet:not(:last-child)::before{content:"";position:absolute;left:19px;top:44px;bottom:0;width:2px;
background:#cfd9de}
.tweet-body{flex:1;min-width:0}.tweet-foot{display:flex;justify-content:space-between;margin-top:4px}
.count{font-variant-numeric:tabular-nums;font-weight:600}.count.ok{color:var(--ok)}
.count.over{color:#fff;background:var(--err);padding:0 6px;border-radius:4px}
mark{padding:0 1px;border-radius:2px;color:inherit}
mark.error{background:var(--err-bg);border-bottom:2px solid var(--err)}
mark.warning{background:var(--warn-bg);border-bottom:2px solid var(--warn)}
mark.suppressed{background:#eceff1;border-bottom:2px dotted #90a4ae}
sup.ref{font-size:10px;margin-left:1px}sup.ref a{color:var(--err);text-decoration:none;font-weight:700}
mark.suppressed+sup.ref a{color:#90a4ae}
.fold{display:block;margin:6px 0;border-top:2px dashed #8c959f;color:#57606a;font-size:12px;font-weight:600;
white-space:normal}
.fold::before{content:"\\2702  fold: readers see the text above until they click "}
.gallery{display:grid;gap:6px;margin-top:8px}
.gallery.n2,.gallery.n3,.gallery.n4{grid-template-columns:1fr 1fr}
figure.media{margin:0}figure.media img,figure.media video{display:block;width:100%;max-height:360px;
object-fit:contain;background:#e9ecef;border-radius:8px;image-rendering:pixelated;min-height:120px}
figcaption{font-size:12px;margin-top:3px}.alt-missing{color:var(--err);font-weight:600}
.placeholder{display:flex;flex-direction:column;align-items:center;justify-content:center;min-height:180px;
border-radius:8px;background:#263238;color:#eceff1;text-align:center;padding:12px}
.placeholder .muted{color:#b0bec5}.placeholder .play{font-size:36px}
.link-card{margin-top:8px;border:1px solid var(--line);border-radius:8px;padding:8px 10px;background:#f7f8fa}
.link-card .host{font-size:11px;color:var(--muted);letter-spacing:.04em}
.link-card .url{font-weight:600;overflow-wrap:anywhere}.link-card .open{font-size:12px}
.yt .player video,.yt .player .placeholder{background:#000}.yt-title{font-size:18px;margin:8px 0 4px}
.description{background:#f2f2f2;border-radius:8px;padding:8px;margin-top:6px}
.tags{margin-top:6px}.tag{color:#065fd4;margin-right:6px;font-size:13px}
.thumb{margin-top:8px;font-size:12px}.thumb figure img{max-height:120px}
.pin{border-radius:16px}.pin figure.media img{border-radius:16px}.pin-title{font-size:18px;margin:8px 0 4px}
.board{margin-top:6px;font-size:13px}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 10px;margin:0;padding:8px 12px;
border-top:1px solid var(--line);background:#fafbfc;font-size:12px}dl.facts dt{color:var(--muted)}
dl.facts dd{margin:0}
ol.findings,ul.findings{margin:0;padding:8px 12px 10px 32px;border-top:1px solid var(--line);font-size:13px}
ul.findings{background:#fff;border:1px solid var(--line)}
.finding{margin:4px 0}.finding:target{outline:2px solid #0969da;outline-offset:2px}
.sev{display:inline-block;min-width:64px;padding:0 6px;border-radius:4px;font-size:11px;font-weight:700;
text-transform:uppercase;text-align:center;color:#fff}.sev.error{background:var(--err)}
.sev.warning{background:var(--warn)}.sev.suppressed{background:#90a4ae}
.finding.suppressed{color:#78909c}.finding .where{color:var(--muted)}
.hint,.span-note,.waiver{font-size:12px;color:var(--muted);margin-left:72px}
.no-findings{margin:0;padding:8px 12px;border-top:1px solid var(--line);color:var(--ok)}
@media print{.card{break-inside:avoid}body{background:#fff}}
"""
