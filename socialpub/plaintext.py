"""Markdown bodies to the plain text every platform receives.

No platform renders Markdown, so the body of a `.md` post (and its override `text` and `thread` entries) is
converted with a CommonMark parser (markdown-it-py) before anything renders, counts, checks or sends it:
emphasis markers are dropped, `[text](url)` becomes `text url` (just the URL when the text is the URL),
headings become plain lines, list items stay lines with a bullet, and a backslash escapes a character.
Line breaks are the post's, not Markdown's: a newline stays a newline and blank lines stay as written.
Raw HTML and character entities are not interpreted (they go out as written); hashtags and @handles are
plain text to CommonMark.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

BULLET = "•"

# Text the parser would hand back unchanged: no line starts with a block marker or indentation, no
# character that starts inline syntax, no trailing spaces (a hard break). Most posts take this path and
# never import the parser (start-up cost); tests/test_plaintext.py proves it equal to the full conversion.
_INLINE_SYNTAX = "*_`[]<\\"  # `![` holds `[`; entities and raw HTML are not read
# What a line may start with: looked for at the start and after each newline (a pattern that starts with "\n" is
# found by a fast scan for it; `^` with re.MULTILINE was tried at every position, four times slower).
_BLOCK_MARKER = r"(?:[ \t]|[-+*>=~_`]|#{1,6}(?:[ \t]|$)|\d{1,9}[.)])"
_FIRST_LINE_START = re.compile(_BLOCK_MARKER, re.MULTILINE)
_LINE_START = re.compile("\n" + _BLOCK_MARKER, re.MULTILINE)


# Quotes and lists nested this deep are no prose: the parser stops at its nesting limit and drops what is
# deeper, so such a body is sent as written rather than losing words.
_DEEP = re.compile(r"^(?:[ \t]*(?:>|[*+-](?=[ \t])|\d{1,9}[.)](?=[ \t]))){6,}", re.MULTILINE)


def markdown_to_text(source: str) -> str:
    """The plain text a platform receives for a Markdown body (cached: a post's text is asked for per channel)."""
    plain = (
        not any(char in source for char in _INLINE_SYNTAX)  # a substring scan each: faster than a class
        and not (_FIRST_LINE_START.match(source) or _LINE_START.search(source))
        and not _ends_a_line_blank(source)
    )
    if plain or _DEEP.search(source):
        return _blank_lines_kept(source)
    return _convert(source)


def _ends_a_line_blank(source: str) -> bool:
    """Whether a line ends in a space or tab (two make a hard break to the parser): a plain test, where an
    alternative of the line-start pattern tried at every position made the fast path's scan three times slower."""
    return " \n" in source or "\t\n" in source or source.endswith((" ", "\t"))


def _blank_lines_kept(source: str) -> str:
    lines = [line if line.strip() else "" for line in source.split("\n")]
    return "\n".join(lines).strip("\n")


@lru_cache(maxsize=4096)
def _convert(source: str) -> str:
    tokens = _parser().parse(source)
    lines = source.split("\n")
    out: list[str] = []
    containers: list[dict[str, Any]] = []  # open lists, items and quotes, innermost last
    previous_end: int | None = None
    for token in tokens:
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            containers.append({"type": "list", "ordered": kind == "ordered_list_open"})
        elif kind == "list_item_open":
            containers.append({"type": "item", "marker": _marker(token, containers), "first": True})
        elif kind == "blockquote_open":
            containers.append({"type": "quote"})
        elif kind in ("bullet_list_close", "ordered_list_close", "list_item_close", "blockquote_close"):
            containers.pop()
        elif token.map is not None and kind in ("inline", "code_block", "fence", "hr"):
            start, end = token.map
            if previous_end is not None:
                blank = sum(1 for line in lines[previous_end:start] if not line.strip())
                out.extend([""] * blank)
            previous_end = end
            if kind == "inline":
                text = _inline(token.children or [])
            elif kind == "hr":
                text = lines[start].strip()
            else:
                text = token.content.rstrip("\n")
            for index, line in enumerate(text.split("\n")):
                out.append((_prefix(containers, first=index == 0) + line).rstrip())
    return "\n".join(out).strip("\n")


def _marker(token: Any, containers: list[dict[str, Any]]) -> str:
    """A nested item is indented by its parent item's continuation prefix (`_prefix`)."""
    ordered = bool(containers) and containers[-1].get("ordered")
    return f"{token.info}{token.markup} " if ordered else f"{BULLET} "


def _prefix(containers: list[dict[str, Any]], *, first: bool) -> str:
    prefix = ""
    for container in containers:
        if container["type"] == "quote":
            prefix += "> "
        elif container["type"] == "item":
            if first and container["first"]:
                prefix += container["marker"]
                container["first"] = False
            else:
                prefix += " " * len(container["marker"])  # a continuation line of the item
    return prefix


def _inline(children: list[Any]) -> str:
    parts: list[str] = []
    links: list[tuple[int, str, bool]] = []  # (where the link's text starts, href, autolink)
    for child in children:
        kind = child.type
        if kind in ("text", "code_inline"):
            parts.append(child.content)
        elif kind in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif kind == "link_open":
            links.append((len(parts), child.attrGet("href") or "", child.markup == "autolink"))
        elif kind == "link_close" and links:
            start, href, auto = links.pop()
            label = "".join(parts[start:])
            if not auto and href and label.strip() != href:
                parts.append(f" {href}" if label.strip() else href)
        elif kind == "image":
            alt = "".join(c.content for c in child.children or [])
            src = child.attrGet("src") or ""
            parts.append(" ".join(x for x in (alt, src) if x))
        # em/strong markers and anything else carry no text of their own
    return "".join(parts)


@lru_cache(maxsize=1)
def _parser() -> Any:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False})
    md.disable("entity")  # `&amp;` goes out as written: posts are not HTML
    # URLs as the author wrote them (no percent-encoding): reviewers approve what they read.
    md.normalizeLink = lambda url: url  # type: ignore[method-assign]
    md.normalizeLinkText = lambda url: url  # type: ignore[method-assign]
    return md
