"""What several rule families read alike: the visible texts of a post (and the text a reply answers), sentences
and negation, configured term lists, per-text memos, the sponsor's names and phone numbers.

The disclosure, privacy, advice, safety, views and correction rules (rules/transparency.py … rules/correction.py)
share these; each family's own patterns live in its module.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from socialpub.rules import text as T
from socialpub.rules.engine import Context, Field
from socialpub.tomlsource import Source

# --- what the rules read ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Text:
    """A visible field of one unit (or the text a reply answers) with its URL-masked value."""

    unit: int
    field: Field
    masked: str


def visible_texts(ctx: Context, names: tuple[str, ...] = ("title", "text", "alt")) -> list[Text]:
    """The visible fields of every unit (made once per context and names)."""
    key = ("visible-texts", names)
    found = ctx.memo.get(key)
    if found is None:
        found = ctx.memo[key] = [Text(u.index, f, f.masked) for u in ctx.units() for f in u.fields
                                 if f.name in names and f.value.strip()]
    return found  # type: ignore[return-value]


def published_tags(ctx: Context) -> Field | None:
    """The channel's published tags (YouTube) as one field, read as texts are (`Field.of`)."""
    tags = ctx.rendered.options.get("tags") if ctx.rendered is not None else None
    if not tags:
        return None
    return Field.of("tags", ", ".join(str(t) for t in tags), None)


def tags_line(ctx: Context) -> int | None:
    """The line of the table that sets the tags (looked up for a finding only: it reads the file's lines)."""
    table = ctx.channel if "tags" in ctx.post.overrides.get(ctx.channel or "", {}) else ctx.kind
    return ctx.post.line(table or "", "tags")


def replied_text(ctx: Context) -> Text | None:
    """The text a reply or correction answers, as a pseudo field that points at its front-matter line."""
    value = ctx.post.in_reply_to_text
    if not value.strip():
        return None
    found = ctx.memo.get("replied-text")
    if found is None:  # one field per context, so that excerpts taken from it map back to it (Context.reads)
        source = Source(ctx.post.file, ctx.post.line("in_reply_to_text"))
        field = ctx.reads(Field.of("in_reply_to_text", value, source))
        found = ctx.memo["replied-text"] = Text(-1, field, field.masked)
    return found  # type: ignore[return-value]


_BOUNDARY = T.lazy(r"[.!?;:](?=\s|$)|\n")


def sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """Bounds of the sentence (or clause after ':'/';') around [start, end)."""
    lo = 0
    for m in _BOUNDARY.finditer(text, 0, start):
        lo = m.end()
    after = _BOUNDARY.search(text, end)
    return lo, (after.end() if after else len(text))


_NEGATION = T.lazy(r"^(?:not|no|never|cannot|without|neither|nor|non)$|n['’]t$", re.IGNORECASE)
_WORD = T.lazy(r"[\w'’]+")


def negated(text: str, start: int, words: int = 4) -> bool:
    """Whether one of the `words` words before `start` (same sentence) negates what follows."""
    lo, _ = sentence_bounds(text, start, start)
    before = text[lo:start]
    if before.lower().endswith("non-"):
        return True
    return any(_NEGATION.search(w) for w in _WORD.findall(before)[-words:])


def excerpt_of(t: Text, start: int, end: int) -> str:
    return t.field.value[start:end]


# Keypad letters, so that vanity numbers compare with their digits (1-800-FDA-1088 = 1-800-332-1088).
_KEYS = {"2": "abc", "3": "def", "4": "ghi", "5": "jkl", "6": "mno", "7": "pqrs", "8": "tuv", "9": "wxyz"}
_KEYPAD = {ord(c): d for d, letters in _KEYS.items() for c in letters}


def phone_key(number: str) -> str:
    """Digits of a phone number, letters mapped to the keypad, without the NANP country code."""
    digits = "".join(ch for ch in number.lower().translate(_KEYPAD) if ch.isdigit())
    return digits[1:] if len(digits) == 11 and digits.startswith("1") else digits


def is_phone_entry(entry: str) -> bool:
    """A configured entry that is a phone number (not a URL such as fda.gov/medwatch)."""
    return (re.fullmatch(r"\+?[\dA-Za-z\s().\-–]+", entry.strip()) is not None
            and sum(ch.isdigit() for ch in entry) >= 4 and not T.find_urls(entry))


def sponsor_aliases(ctx: Context) -> list[str]:
    """Names that designate the sponsor: the configured sponsor and the company handles."""
    names = [ctx.compliance.sponsor.strip()] if ctx.compliance.sponsor.strip() else []
    return names + ["@" + h.lstrip("@") for h in ctx.compliance.company_handles]


def compiled_terms(ctx: Context, key: str, build: Callable[[], Iterable[str]]) -> T.Matcher:
    """A word list of configuration-derived terms, built once per configuration."""
    full = ("common", key)
    found = ctx.compliance.cache.term_lists.get(full)  # as ctx.terms keeps it, without building the terms again
    if found is None:
        found = ctx.terms(full, tuple(build()))
    return found


def product_terms(ctx: Context) -> list[tuple[str, T.Matcher]]:
    """(product key, pattern of its brand and established names) for every configured product."""
    return [(key, ctx.terms(("common", "product", key), (p.brand, p.established)))
            for key, p in ctx.compliance.products.items()]


def per_text_memo(ctx: Context, name: str) -> dict[str, Any]:
    """A memo of per-text results that depend only on the text and the configuration: a post's text goes to
    several channels (and generated or re-used texts recur), each of which would find the same again."""
    memos = ctx.compliance.cache.per_text
    memo = memos.get(name)
    if memo is None or len(memo) >= 4096:
        memo = memos[name] = {}
    return memo


# --- phone numbers (SP-PRIVACY-001 finds them, SP-SAFETY-001 compares them with the reporting lines) ---

_NOT_INSIDE = r"(?<![\w#@/+.\-–])"  # not inside a word, hashtag, handle, path or longer number
_SEP = r"[ .\-–]?"
PHONE_NANP = T.lazy(
    _NOT_INSIDE + rf"(?:\+?1{_SEP})?(?:\(\d{{3}}\) ?|\d{{3}}{_SEP})\d{{3}}{_SEP}\d{{4}}(?![\w\-–])"
)
# Vanity numbers (1-800-FDA-1088): letters only after a dash or dot, and the tail must also hold a digit.
PHONE_VANITY = T.lazy(
    _NOT_INSIDE
    + r"(?:\+?1[ .\-–])?(?:\(\d{3}\) ?|\d{3}[.\-–])([A-Za-z0-9]{3})[.\-–]?([A-Za-z0-9]{4})(?![\w\-–])"
)
PHONE_INTL = T.lazy(_NOT_INSIDE + r"\+[2-9]\d{0,2}(?:[ .\-–]?\(?\d{1,4}\)?){2,5}(?![\w\-–])")
