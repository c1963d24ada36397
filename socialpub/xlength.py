"""X (Twitter) weighted tweet length, exact and fast.

X counts length with twitter-text's config v3 "weighted length": URLs count 23,
code points in a few ranges weigh 1 and all others 2, emoji sequences count 2,
text is NFC-normalised and ``\\r\\n`` counts once. ``twitter_text.parse_tweet``
is the reference, but importing it costs ~0.5 s (an emoji regex compiled at
import) and each call ~1.4 ms (the emoji scan). Here plain text takes a fast
path that gives identical results; anything else falls back to ``parse_tweet``.

Why the fast path is exact (each point is checked in tests/test_xlength.py):

* Every code point of the NFC text is in a weight-1 range, so each code point
  outside URLs counts 1.
* The only code points in those ranges that twitter-text's emoji regex can
  match are (c) U+00A9 and (r) U+00AE; every multi-code-point emoji contains
  a code point outside the ranges. So without (c)/(r) there is no emoji.
* URLs never contain twitter-text's spaces, and any space is a valid character
  before a URL, so extracting URLs from " " + token, for each whitespace-
  separated token, gives the same URLs as the whole text. The space matters:
  at the very start of a string the URL regex may take the token's first
  character as "the character before the URL" (e.g. "ü" in "üexample.com"),
  so only a token at index 0 of the text is extracted without it. A URL
  always contains a "." (the one before its TLD), so only tokens with a "."
  need the URL regex. ``str.split`` also splits at U+001C..U+001F, which
  twitter-text allows inside a domain, so those code points go to the slow
  path.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from typing import Any

__all__ = [
    "MAX_WEIGHTED_LENGTH",
    "URL_WEIGHT",
    "is_valid_tweet",
    "weighted_length",
]

MAX_WEIGHTED_LENGTH = 280
URL_WEIGHT = 23

# A code point that rules the fast path out: anything outside the v3 weight-1
# ranges (0-4351, 8192-8205, 8208-8223, 8242-8247), the two in-range emoji
# (U+00A9, U+00AE), and U+001C..U+001F (see the module docstring).
_NOT_FAST = re.compile("[^\x00-\x1b\x20-\xa8\xaa-\xad\xaf-\u10ff\u2000-\u200d\u2010-\u201f\u2032-\u2037]")
# twitter-text's invalid characters (regexp/invalid_chars_group.py).
_INVALID = re.compile("[\ufffe\ufeff\uffff]")

_extract_urls: Callable[[str], list[dict[str, Any]]] | None = None
_parse_tweet: Callable[[str], Any] | None = None

#: Number of texts counted by the fast path / by parse_tweet (for tests and benchmarks).
stats = {"fast": 0, "slow": 0}


def _load_extract_urls() -> Callable[[str], list[dict[str, Any]]]:
    """Import ``twitter_text.extract_urls`` without the package ``__init__``.

    ``twitter_text/__init__.py`` imports parse_tweet and with it the emoji regex
    (~330 ms), which the fast path does not need. So register a hollow package
    module (created from its spec but not executed) while the submodule is
    imported, then remove every module that this added, so that a later
    ``import twitter_text`` anywhere gets the real package.
    """
    if "twitter_text" in sys.modules:  # already imported for real: nothing to save
        from twitter_text.extract_urls import extract_urls_with_indices

        return extract_urls_with_indices
    import importlib.util

    spec = importlib.util.find_spec("twitter_text")
    if spec is None:
        raise ModuleNotFoundError("twitter_text (PyPI: twitter-text-parser) is not installed")
    before = set(sys.modules)
    sys.modules["twitter_text"] = importlib.util.module_from_spec(spec)
    try:
        from twitter_text.extract_urls import extract_urls_with_indices
    finally:
        for name in set(sys.modules) - before:
            if name == "twitter_text" or name.startswith("twitter_text."):
                del sys.modules[name]
    return extract_urls_with_indices


@lru_cache(maxsize=65536)
def _chunk_extra(chunk: str) -> int:
    """Weighted length of ``chunk`` minus its length (URLs count URL_WEIGHT)."""
    global _extract_urls
    if _extract_urls is None:
        _extract_urls = _load_extract_urls()
    # Same walk as parse_tweet: at a URL's start add 23 and skip len(url) code
    # points. len(url) can be shorter than the URL's index span (parse_tweet
    # rewrites the domain of some protocol-less URLs); the rest counts 1 each.
    starts = {entity["indices"][0]: len(entity["url"]) for entity in _extract_urls(chunk)}
    if not starts:
        return 0
    extra = 0
    i = 0
    while i < len(chunk):
        url_len = starts.get(i)
        if url_len is None:
            i += 1
        else:
            extra += URL_WEIGHT - url_len
            i += url_len
    return extra


def _fast_weighted_length(text: str) -> int | None:
    """Weighted length of ``text`` by the fast path, or None if it does not apply."""
    text = unicodedata.normalize("NFC", text)  # parse_tweet counts the NFC text
    if _NOT_FAST.search(text):
        return None
    length = len(text) - text.count("\r\n")  # \r\n counts as one
    # A space before the token stands for whatever whitespace precedes it,
    # except for a token at index 0 (see the module docstring).
    prefix = "" if text[:1] and not text[0].isspace() else " "
    for token in text.split():
        if "." in token:  # every twitter-text URL has a "."
            length += _chunk_extra(prefix + token)
        prefix = " "
    return length


def _slow_weighted_length(text: str) -> int:
    """Weighted length by twitter-text's own parse_tweet."""
    global _parse_tweet
    if _parse_tweet is None:
        from twitter_text.parse_tweet import parse_tweet

        _parse_tweet = parse_tweet
    return int(_parse_tweet(text).weightedLength)


def weighted_length(text: str) -> int:
    """Length of ``text`` as X counts it (twitter-text v3 ``weightedLength``)."""
    fast = _fast_weighted_length(text)
    if fast is not None:
        stats["fast"] += 1
        return fast
    stats["slow"] += 1
    return _slow_weighted_length(text)


def is_valid_tweet(text: str) -> bool:
    """True if X accepts ``text`` as a post: 1..280 weighted, no invalid characters.

    Matches ``parse_tweet(text).valid``: twitter-text's invalid characters
    (U+FFFE, U+FEFF, U+FFFF) cannot be part of a URL or emoji, and NFC
    neither creates nor removes them.
    """
    return 0 < weighted_length(text) <= MAX_WEIGHTED_LENGTH and not _INVALID.search(text)
