"""`socialpub preview --html`: one self-contained page of platform-like cards for reviewers.

What each card shows comes from `preview.card()` (the same data as `preview --format json`); this module
only lays it out, each platform's part of a card in the layout its adapter names (`cards.py`). The page must
work offline and as a CI artifact, so it has no script and loads nothing: the stylesheet (`preview.css`) is
inline, images are `data:` URIs, and a Content-Security-Policy forbids every other source. Markup is only
ever made by `markup.el()`, which escapes whatever it is given.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from socialpub import __version__
from socialpub.html.cards import CARDS
from socialpub.html.markup import Ids, Markup, Ref, Span, el, join, marked, place
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



@cache
def style() -> str:
    """The page's stylesheet, a file of the package (read once, when a page is made)."""
    return resources.files(__package__).joinpath("preview.css").read_text(encoding="utf-8")


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
        if r.platform.shows_link_card(r):
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
            el("style", None, Markup("\n" + style())),
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
        platform = v.rendered.platform
        body = CARDS.get(platform.preview_card, CARDS["generic"])(self, v)
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
                el("span", {"class": "platform"}, platform.card_label or platform.label),
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
