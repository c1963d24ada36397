"""Matching helpers shared by the rules: URLs, word lists on word boundaries, exceptions blanked out."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

# A URL with a scheme, or a bare domain with a TLD of letters ("www.fda.gov/medwatch", "fda.gov").
URL_RE = re.compile(
    r"""(?:\bhttps?://[^\s<>"']+|(?<![\w@.\-/])(?:[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?\.)+[a-z]{2,24}\b(?:/[^\s<>"']*)?)""",
    re.IGNORECASE,
)
_TRAILING = ".,;:!?)]}'\"’”…"


def find_urls(text: str) -> list[str]:
    return [m[0] for m in url_spans(text)]


def url_spans(text: str) -> list[tuple[str, int, int]]:
    """(url, start, end) of each URL, without trailing sentence punctuation."""
    if "." not in text:
        return []
    out = []
    for match in _url_matches(text):
        url = match.group(0)
        while url and url[-1] in _TRAILING:
            if url[-1] == ")" and url.count("(") >= url.count(")"):
                break
            url = url[:-1]
        if "." in url:
            out.append((url, match.start(), match.start() + len(url)))
    return out


_DOTTED_WORD = re.compile(r"\S*\.\S*")


def _url_matches(text: str) -> list[re.Match[str]]:
    """URL_RE run only over the words that contain a dot: a URL never spans whitespace, and prose with
    many full stops is slow to scan whole."""
    found: list[re.Match[str]] = []
    for word in _DOTTED_WORD.finditer(text):
        found += URL_RE.finditer(text, word.start(), word.end())
    return found


def host(url: str) -> str:
    """The lower-case host of a URL, with or without scheme."""
    full = url if re.match(r"^[a-z][a-z0-9+.\-]*://", url, re.IGNORECASE) else f"//{url}"
    try:
        return (urlsplit(full).hostname or "").lower().rstrip(".")
    except ValueError:
        return ""


def mask_urls(text: str) -> str:
    """URLs replaced by spaces of the same length: word rules must not read a domain as a brand."""
    spans = url_spans(text)
    if not spans:
        return text
    chars = list(text)
    for _, start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


_DASHES = "-‐‑–"


def _atoms(core: str) -> list[str]:
    """A term as regex atoms: whitespace runs match any whitespace, quotes and dashes their variants."""
    atoms: list[str] = []
    for piece_index, piece in enumerate(core.split()):
        if piece_index:
            atoms.append(r"\s+")
        for char in piece.lower():
            if char in "'’":
                atoms.append("['’]")
            elif char in _DASHES:
                atoms.append(r"[\-‐‑–]")
            else:
                atoms.append(re.escape(char))
    return atoms


def _trie_regex(terms: list[tuple[list[str], str]]) -> str:
    """One regex for many terms, shared prefixes factored out (much faster than a flat alternation).

    At each node longer continuations are tried before the term that ends there, so the longest term
    wins as in a longest-first alternation.
    """
    trie: dict[str, Any] = {}
    for atoms, end in terms:
        node = trie
        for atom in atoms:
            node = node.setdefault(atom, {})
        node.setdefault("", set()).add(end)

    def emit(node: dict[str, Any]) -> str:
        branches = [atom + emit(child) for atom, child in sorted((k, v) for k, v in node.items() if k)]
        branches += sorted(node.get("", ()), key=len, reverse=True)
        if len(branches) == 1:
            return branches[0]
        return "(?:" + "|".join(branches) + ")"

    return emit(trie)


@lru_cache(maxsize=1024)
def word_pattern(terms: tuple[str, ...]) -> re.Pattern[str]:
    """Case-insensitive match of any term, on word boundaries.

    A term matches inside a hashtag's word ("#ONCAVIX" names ONCAVIX) but not inside a longer word
    ("cured" is not "cure" unless the list says "cure*"). A list that is empty never matches.
    """
    word_terms: list[tuple[list[str], str]] = []
    hash_terms: list[tuple[list[str], str]] = []
    for raw in {t.strip() for t in terms if t.strip()}:
        wildcard = raw.endswith("*")
        core = raw.rstrip("*").strip()
        if not core:
            continue
        end = r"\w*" if wildcard else r"(?!\w)" if core[-1].isalnum() or core[-1] == "_" else ""
        (hash_terms if core[0] == "#" else word_terms).append((_atoms(core), end))
    parts = []
    if word_terms:
        parts.append(r"(?<!\w)" + _trie_regex(word_terms))
    if hash_terms:
        parts.append(r"(?<![\w#])" + _trie_regex(hash_terms))
    if not parts:
        return re.compile(r"(?!x)x")
    return re.compile("|".join(parts), re.IGNORECASE)


def blank(text: str, pattern: re.Pattern[str]) -> str:
    """Matches of `pattern` replaced by spaces (exceptions such as 'no cure for' are removed before matching)."""
    if not pattern.search(text):
        return text
    return pattern.sub(lambda m: " " * len(m.group(0)), text)


def near(text: str, start: int, end: int, pattern: re.Pattern[str], window: int) -> bool:
    """Whether `pattern` matches within `window` characters around [start, end)."""
    lo = max(0, start - window)
    hi = min(len(text), end + window)
    return pattern.search(text, lo, hi) is not None


def normalise_space(text: str) -> str:
    return " ".join(text.split())


def any_in(text: str, needles: Iterable[str]) -> bool:
    lower = text.lower()
    return any(n.lower() in lower for n in needles if n)
