"""Matching helpers shared by the rules: URLs, word lists on word boundaries, exceptions blanked out."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
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


def _term_regex(term: str) -> str:
    term = term.strip().replace("’", "'")
    wildcard = term.endswith("*")
    core = term.rstrip("*")
    body = r"\s+".join(re.escape(piece) for piece in core.split())
    body = body.replace("'", "['’]").replace(r"\-", r"[\-‐‑–]")
    if wildcard:
        body += r"\w*"
    # Word terms match inside hashtags too ("#ONCAVIX" names ONCAVIX): only a word character may not precede.
    start = r"(?<![\w#])" if core[:1] == "#" else r"(?<!\w)"
    end = r"(?!\w)" if (core[-1:].isalnum() or core[-1:] == "_") and not wildcard else ""
    return f"{start}{body}{end}"


@lru_cache(maxsize=1024)
def word_pattern(terms: tuple[str, ...]) -> re.Pattern[str]:
    """Case-insensitive alternation of terms, longest first, each on word boundaries.

    A term matches inside a hashtag's word ("#ONCAVIX" names ONCAVIX) but not inside a longer word
    ("cured" is not "cure" unless the list says "cure*"). A list that is empty never matches.
    """
    cleaned = sorted({t for t in terms if t.strip()}, key=len, reverse=True)
    if not cleaned:
        return re.compile(r"(?!x)x")
    alternation = "|".join(_term_regex(t) for t in cleaned)
    return re.compile(alternation, re.IGNORECASE)


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
