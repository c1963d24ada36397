"""X (Twitter) weighted tweet length, exact and fast.

X counts length with twitter-text's config v3 "weighted length": URLs count 23,
code points in a few ranges weigh 1 and all others 2, emoji sequences count 2,
text is NFC-normalised and ``\\r\\n`` counts once. ``twitter_text.parse_tweet``
is the reference, but importing it costs ~0.5 s (an emoji regex compiled at
import, and pkg_resources) and each call 1.5-3 ms, nearly all of it in the
emoji scan (``emoji.finditer`` tries the regex's ~2,500 alternatives at every
position).
Here a fast path gives identical results for every text except those with
U+001C..U+001F or lone surrogates, which go to ``parse_tweet``.

The fast path reproduces parse_tweet's loop: walking the NFC text (line ends
made ``\\n``), at a URL's start it adds 23 and skips ``len(url)`` code points,
else at an emoji's start it adds 2 and skips the emoji, else it adds the code
point's weight. So the length is ``len(text)`` plus one per code point outside
the weight-1 ranges, corrected at each entity the walk lands on. Why that is
exact (each point is checked in tests/test_xlength.py):

* Emoji are twitter-text's, loaded only for a text that has an emoji
  candidate. An emoji regex match is the longest of its literal
  multi-code-point sequences found at the position, else one code point of
  its character class (the regex is exactly that; see _split_emoji_regex).
  The sequences and code points are read from twitter-text's emoji-test.txt,
  as its regexp/emoji.py does, without compiling the regex (see
  _read_emoji_data), and matched by set lookups (_emoji_end). A match can
  only start where ``_EMOJI_CANDIDATE`` matches: at (c), (r), a keycap base
  [0-9#*] followed by U+FE0F or U+20E3, or a code point in a few blocks of
  symbols and pictographs. All other code points are neither single emoji nor
  first code points of a sequence. Matching at those candidates only,
  skipping any inside the previous match, gives exactly ``emoji.finditer``'s
  leftmost, non-overlapping matches. When the emoji are loaded, they are
  checked against this rule (a few ms); if the check fails, texts with a
  candidate go to parse_tweet.
* No emoji contains whitespace, and no URL contains twitter-text's spaces,
  which include every code point ``str.split`` splits at except U+001C..U+001F
  (those go to the slow path). So every entity lies within one
  whitespace-separated token, the walk never crosses a token (a URL's
  ``len(url)`` is at most its index span; if not, the slow path is taken),
  and each token's correction can be computed, and cached, on its own.
* Any space is a valid character before a URL, so extracting URLs from
  " " + token gives the same URLs as the whole text. The space matters: at
  the very start of a string the URL regex may take the token's first
  character as "the character before the URL" (e.g. "ü" in "üexample.com"),
  so only a token at index 0 of the text is extracted without it.
* A URL's domain ends in "." and a top-level domain of twitter-text's lists
  (or punycode, "xn--"), each of two code points or more, which the
  case-insensitive regex matches only with ASCII letters or non-ASCII
  characters (checked in the tests). So only a token with a "." followed by
  two such characters (``_MAY_HOLD_URL``) needs the URL regex: not "end.",
  "e.g.", "U.S." or "2.5mg". In an e-mail address only the part before the
  "@" does (``_may_hold_url``): no URL starts in the domain after it (the URL
  regex takes no "@", letter or digit as the character before a URL, and
  drops one without a protocol after "." or "-"), and none crosses the "@"
  (no domain holds one).
* Lone surrogates make parse_tweet raise (it encodes the text as UTF-16); the
  slow path keeps that behaviour.
* A token that is a web address of the plainest form (``_PLAIN_URL``:
  http(s)://, ASCII host labels of letters, digits and inner hyphens ending
  in a common top-level domain, a path of letters, digits, "/", "_" and "-")
  is one URL from end to end for the URL regex, so it weighs URL_WEIGHT
  without that regex, whose compilation costs about 60 ms (a tenth of a
  second for `check` of one post file). tests/test_xlength.py checks the
  shape against twitter-text's extractor.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Callable, Iterator
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
EMOJI_WEIGHT = 2  # v3 default_weight / scale

# A code point that weighs 2: one outside the v3 weight-1 ranges
# (0-4351, 8192-8205, 8208-8223, 8242-8247).
_HEAVY = re.compile("[^\x00-\u10ff\u2000-\u200d\u2010-\u201f\u2032-\u2037]")
# Code points that rule the fast path out (see the module docstring).
_SLOW = re.compile("[\x1c-\x1f\ud800-\udfff]")
_SPACE_OR_SLOW = re.compile("[\\s\x1c-\x1f\ud800-\udfff]")  # \s: what str.split splits at
# Where a match of twitter-text's emoji regex can start, looking at most one
# code point ahead: a superset of the first code points of its sequences and
# of its single code points (checked by _emoji_rule_holds and the tests).
_EMOJI_CODE_POINTS = (
    "\xa9\xae\u203c\u2049\u2122\u2139\u2194-\u21aa\u231a-\u23fa\u24c2\u25aa-\u27bf"
    "\u2934\u2935\u2b05-\u2b55\u3030\u303d\u3297\u3299\U0001f000-\U0001faff"
)
_EMOJI_CANDIDATE = re.compile(f"[{_EMOJI_CODE_POINTS}]|[0-9#*](?=[\ufe0f\u20e3])")
# A text without a match of this has no _EMOJI_CANDIDATE (but is searched faster).
_MAYBE_EMOJI = re.compile(f"[{_EMOJI_CODE_POINTS}\ufe0f\u20e3]")
# A whole token that twitter-text's URL regex takes for one URL (see the module docstring): each of these
# top-level domains is in its lists (tested); a label is at most 63 characters (the IDNA encoding
# twitter-text does refuses longer ones); every path character may also end a URL; t.co URLs are not
# matched (their own rule, and "co" is not listed).
_PLAIN_URL = re.compile(
    r"https?://(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+"
    r"(?:com|org|net|gov|edu|int|info|io|ly|me|ai|app|health|news|eu|us|uk|ca|au|nz|ie|de|fr|es|it|nl|be|ch|at"
    r"|se|dk|no|fi|pl|jp|in|sg|br|mx)"
    r"(?:/[a-z0-9/_-]*)?",
    re.IGNORECASE | re.ASCII,
)
# Where a URL's top-level domain may start (see the module docstring): a token without a match holds no URL.
# Two characters that are not ASCII non-letters (a class of the range U+0080..U+10FFFF takes 40 times longer
# to compile: 4 ms of every start).
_MAY_HOLD_URL = re.compile(r"\.[^\x00-@\[-`{-\x7f]{2}")
# The domain of an e-mail address, from its "@" to the end of the token, which holds no URL (the module docstring).
_ADDRESS_DOMAIN = re.compile(r"@[A-Za-z0-9.-]*\Z")
_PLAIN_URL_MAX = 1000  # well below twitter-text's 4096 characters for a URL
# twitter-text's invalid characters (regexp/invalid_chars_group.py).
_INVALID = re.compile("[\ufffe\ufeff\uffff]")

_extract_urls: Callable[[str], list[dict[str, Any]]] | None = None
_emoji_ok: bool | None = None  # None: emoji not loaded yet
# twitter-text's emoji (see _load_emoji): its multi-code-point sequences; for
# each first code point, the lengths of the sequences it starts, longest first;
# its single code points.
_emoji_sequences: frozenset[str] = frozenset()
_emoji_lengths: dict[str, list[int]] = {}
_emoji_singles: frozenset[str] = frozenset()
_parse_tweet: Callable[[str], Any] | None = None

#: Number of texts counted by the fast path / by parse_tweet (for tests and benchmarks;
#: a text weighted_length has cached is not counted again).
stats = {"fast": 0, "slow": 0}


def _import_from_twitter_text(module: str, name: str) -> Any:
    """``from twitter_text.<module> import <name>`` without the package ``__init__``.

    ``twitter_text/__init__.py`` imports parse_tweet and with it both the URL
    regexes and the emoji regex, each costly to compile, while the fast path
    may need only one of them. So register a hollow package module (created
    from its spec but not executed) while the submodule is imported, then
    remove every module that this added, so that a later ``import twitter_text``
    anywhere gets the real package.
    """
    import importlib

    if "twitter_text" in sys.modules:  # already imported for real: nothing to save
        return getattr(importlib.import_module(f"twitter_text.{module}"), name)
    import importlib.util

    spec = importlib.util.find_spec("twitter_text")
    if spec is None:
        raise ModuleNotFoundError("twitter_text (PyPI: twitter-text-parser) is not installed")
    before = set(sys.modules)
    sys.modules["twitter_text"] = importlib.util.module_from_spec(spec)
    try:
        return getattr(importlib.import_module(f"twitter_text.{module}"), name)
    finally:
        for added in set(sys.modules) - before:
            if added == "twitter_text" or added.startswith("twitter_text."):
                del sys.modules[added]


def _load_extract_urls() -> Callable[[str], list[dict[str, Any]]]:
    """twitter-text's ``extract_urls_with_indices``, without importing the emoji regex."""
    extract: Callable[[str], list[dict[str, Any]]] = _import_from_twitter_text(
        "extract_urls", "extract_urls_with_indices"
    )
    return extract


_HEX = r"\\U([0-9a-fA-F]{8})"
_RANGE_SOURCE = re.compile(f"{_HEX}(?:-{_HEX})?")
# "seq|seq|...|[class]": literal sequences of two or more \UXXXXXXXX escapes,
# then one class of such escapes and ranges of them.
_EMOJI_SOURCE = re.compile(
    r"(?:(?:\\U[0-9a-fA-F]{8}){2,}\|)*\[(?:\\U[0-9a-fA-F]{8}(?:-\\U[0-9a-fA-F]{8})?)+\]"
)


def _split_emoji_regex(pattern: re.Pattern[str]) -> tuple[list[str], list[str]] | None:
    """twitter-text's emoji regex as (its multi-code-point sequences, its single code points).

    Returns None unless the regex is exactly ``_EMOJI_SOURCE`` without flags,
    with its sequences longest first, so that a match is the longest sequence
    found at the position (the first alternative that matches; two sequences
    of one length cannot both match), else one of the code points.
    """
    source = pattern.pattern
    if pattern.flags != re.UNICODE or not _EMOJI_SOURCE.fullmatch(source):
        return None
    multi, _, char_class = source.rpartition("|")
    sequences = multi.encode("ascii").decode("unicode_escape").split("|") if multi else []
    if len(sequences) != multi.count("|") + bool(multi):  # an escaped "|" would split a sequence
        return None
    if sequences != sorted(sequences, key=len, reverse=True):
        return None
    singles = [
        chr(cp)
        for found in _RANGE_SOURCE.finditer(char_class)
        for cp in range(int(found[1], 16), int(found[2] or found[1], 16) + 1)
    ]
    return sequences, singles


# twitter-text builds its emoji regex at import from its emoji-test.txt (regexp/emoji.py):
# every multi-code-point sequence, longest first, then a class of the single code points.
# Reading the file here (~20 ms) is ~20 times cheaper than that import (pkg_resources and
# the regex compilation), and gives the same sequences for the files these digests pin,
# which tests/test_xlength.py checks against the compiled regex. Other versions of
# twitter-text: the regex is imported and split instead.
_EMOJI_FILES_SHA256 = {
    "emoji.py": "33fcb3e929dc532f00980c67498f774825eb647b785f4f0d14e15f67c97ab60f",
    "emoji-test.txt": "93b5476b4d3b5381a57336c138bcabb1a53a4288d604249535b0a694a0030db7",
}


def _parse_emoji_test(text: str) -> tuple[list[str], list[str]]:
    """(multi-code-point sequences, single code points) of emoji-test.txt, as twitter-text reads it.

    Every listed sequence up to "# Status Counts" but those of the Component
    group (skin tones and hair styles on their own).
    """
    sequences: list[str] = []
    singles: list[str] = []
    group = ""
    for line in text.splitlines():
        if line == "# Status Counts":
            break
        if line.startswith("# group:"):
            group = line.split(":")[-1].strip()
        elif line and not line.startswith("#") and group != "Component":
            code_points = line.split(";")[0].split()
            found = "".join(chr(int(cp, 16)) for cp in code_points)
            (sequences if len(code_points) > 1 else singles).append(found)
    return sequences, singles


def _read_emoji_data() -> tuple[list[str], list[str]] | None:
    """twitter-text's emoji from its data file, or None unless its files are the pinned ones."""
    import hashlib
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("twitter_text")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(spec.submodule_search_locations[0], "regexp")
    try:
        files = {name: (folder / name).read_bytes() for name in _EMOJI_FILES_SHA256}
    except OSError:
        return None
    if any(hashlib.sha256(data).hexdigest() != _EMOJI_FILES_SHA256[name] for name, data in files.items()):
        return None
    return _parse_emoji_test(files["emoji-test.txt"].decode("utf-8"))


def _emoji_rule_holds(sequences: list[str], singles: list[str]) -> bool:
    """True if every emoji starts at an ``_EMOJI_CANDIDATE`` and has no whitespace."""
    return all(map(_EMOJI_CANDIDATE.match, sequences + singles)) and not _SPACE_OR_SLOW.search(
        "".join(sequences + singles)
    )


def _load_emoji() -> bool:
    """Load twitter-text's emoji (once) and check the candidate rule on them."""
    global _emoji_ok, _emoji_sequences, _emoji_lengths, _emoji_singles
    if _emoji_ok is None:
        split = _read_emoji_data() or _split_emoji_regex(_import_from_twitter_text("regexp.emoji", "emoji"))
        _emoji_ok = split is not None and _emoji_rule_holds(*split)
        if split is not None:
            sequences, singles = split
            _emoji_sequences = frozenset(sequences)
            lengths: dict[str, set[int]] = {}
            for sequence in sequences:
                lengths.setdefault(sequence[0], set()).add(len(sequence))
            _emoji_lengths = {first: sorted(found, reverse=True) for first, found in lengths.items()}
            _emoji_singles = frozenset(singles)
    return _emoji_ok


def _emoji_end(text: str, start: int) -> int | None:
    """Where twitter-text's ``emoji.match(text, start)`` ends, or None if it does not match.

    The regex takes the longest of its sequences that the text goes on with,
    else a single emoji code point (see ``_split_emoji_regex``).
    """
    for length in _emoji_lengths.get(text[start], ()):
        end = start + length  # the slice is shorter past the text's end: no match there
        if end <= len(text) and text[start:end] in _emoji_sequences:
            return end
    return start + 1 if text[start] in _emoji_singles else None


def _find_emoji(text: str) -> Iterator[tuple[int, int]]:
    """The spans of ``emoji.finditer(text)``: its leftmost, non-overlapping matches.

    The emoji must be loaded if ``text`` has an emoji candidate.
    """
    end = 0
    for candidate in _EMOJI_CANDIDATE.finditer(text):
        start = candidate.start()
        if start >= end:  # finditer resumes after a match
            found = _emoji_end(text, start)
            if found is not None:
                end = found
                yield start, end


@lru_cache(maxsize=65536)
def _chunk_extra(chunk: str) -> int | None:
    """Weighted length of ``chunk`` minus its length and its number of weight-2 code points.

    The entities are twitter-text's: URLs (counting URL_WEIGHT) and emoji
    (counting EMOJI_WEIGHT), walked as parse_tweet walks them. The emoji
    must be loaded if ``chunk`` has an emoji candidate. None if the walk could
    leave ``chunk``.
    """
    global _extract_urls
    token = chunk[1:] if chunk[:1] == " " else chunk
    if len(token) <= _PLAIN_URL_MAX and _PLAIN_URL.fullmatch(token):
        return URL_WEIGHT - len(token)  # one URL, ASCII: each of its code points weighs 1
    entities: dict[int, tuple[int, int]] = {}  # start -> (code points skipped, weight)
    for start, end in _find_emoji(chunk):
        entities[start] = (end - start, EMOJI_WEIGHT)
    if _may_hold_url(token):
        if _extract_urls is None:
            _extract_urls = _load_extract_urls()
        for entity in _extract_urls(chunk):  # a URL wins over an emoji at the same index
            start, stop = entity["indices"]
            # parse_tweet skips len(url) code points, which can be fewer than
            # the URL's index span (it rewrites the domain of some
            # protocol-less URLs), never more.
            if len(entity["url"]) > stop - start:
                return None
            entities[start] = (len(entity["url"]), URL_WEIGHT)
    # parse_tweet's walk: at an entity's start add its weight and skip it,
    # which may land inside a URL's span: the rest counts code point by code
    # point, or as an entity that starts there.
    extra = 0
    pos = 0
    for start in sorted(entities):
        if start >= pos:
            skip, weight = entities[start]
            pos = start + skip
            extra += weight - skip - len(_HEAVY.findall(chunk, start, pos))
    return extra


def _may_hold_url(token: str) -> bool:
    """Whether twitter-text's URL regex may find a URL in a token (see the module docstring): a "." followed by
    two letters or non-ASCII characters, before the "@" if the token is an e-mail address. So a reporting
    address such as drugsafety@example.com needs no URL regex (whose compilation costs about 60 ms)."""
    at = token.find("@")
    if at >= 0 and _ADDRESS_DOMAIN.match(token, at):
        token = token[:at]
    return _MAY_HOLD_URL.search(token) is not None


def _fast_weighted_length(text: str) -> int | None:
    """Weighted length of ``text`` by the fast path, or None if it does not apply."""
    text = unicodedata.normalize("NFC", text)  # parse_tweet counts the NFC text
    if not (text.isascii() and text.isprintable()) and _SLOW.search(text):  # (printable ASCII has none)
        return None
    if "\r" in text:  # parse_tweet's convert_line_ending
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    length = len(text)
    # ASCII text weighs 1 per code point and has no emoji candidate (a keycap
    # needs U+FE0F or U+20E3).
    emoji = False
    if not text.isascii():
        length += len(_HEAVY.findall(text))
        emoji = _MAYBE_EMOJI.search(text) is not None
        if emoji and not _load_emoji():
            return None
    # A space before the token stands for whatever whitespace precedes it,
    # except for a token at index 0 (see the module docstring).
    if not emoji and _MAY_HOLD_URL.search(text) is None:
        return length  # no token can hold a URL (the pattern finds in a token what it finds in the text)
    prefix = "" if text[:1] and not text[0].isspace() else " "
    for token in text.split():
        if ("." in token and _may_hold_url(token)) or (
            emoji and not token.isascii() and _MAYBE_EMOJI.search(token)
        ):
            extra = _chunk_extra(prefix + token)
            if extra is None:
                return None
            length += extra
        prefix = " "
    return length


def _slow_weighted_length(text: str) -> int:
    """Weighted length by twitter-text's own parse_tweet."""
    global _parse_tweet
    if _parse_tweet is None:
        from twitter_text.parse_tweet import parse_tweet

        _parse_tweet = parse_tweet
    return int(_parse_tweet(text).weightedLength)


# Texts repeat within a run (a thread reply or a disclaimer shared by many
# posts, one post on several X channels): each is counted once.
@lru_cache(maxsize=65536)
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
