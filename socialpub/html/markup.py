"""Markup that cannot be injected: `el()` escapes every string it is given (text and attribute values) unless
it is `Markup` that `el()` itself built; and the findings of a card placed at their spans of the text."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

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
