"""Matching helpers shared by the rules: URLs, word lists on word boundaries, exceptions blanked out."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator
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
    """(url, start, end) of each URL, without trailing sentence punctuation.

    URL_RE runs only over the words that contain a dot, one word at a time: a URL never spans whitespace,
    and the pattern's boundaries (\\b, the look-behind) see the whitespace around a word as they see the
    ends of a string. Prose with many full stops is slow to scan whole, and words repeat (a campaign's
    links), so each word's URLs are found once.
    """
    if "." not in text:
        return []
    out = []
    for word in _DOTTED_WORD.finditer(text):
        offset = word.start()
        for url, start, end in _word_spans(word.group()):
            out.append((url, offset + start, offset + end))
    return out


# A whole whitespace-delimited word that can hold a URL: one with "://" (the scheme form) or a dot before a
# letter (a domain: "[a-z]" with IGNORECASE also takes the four characters of _FOLD_UNSAFE), which leaves out
# the words that end a sentence. The look-behind makes every match start a word, so the scan stays linear.
_DOTTED_WORD = re.compile("(?<!\\S)\\S*?(?:\\.[A-Za-z\u0130\u0131\u017f\u212a]|://)\\S*")


@lru_cache(maxsize=8192)
def _word_spans(word: str) -> tuple[tuple[str, int, int], ...]:
    out = []
    for match in URL_RE.finditer(word):
        url = match.group(0)
        while url and url[-1] in _TRAILING:
            if url[-1] == ")" and url.count("(") >= url.count(")"):
                break
            url = url[:-1]
        if "." in url:
            out.append((url, match.start(), match.start() + len(url)))
    return tuple(out)


def host(url: str) -> str:
    """The lower-case host of a URL, with or without scheme."""
    full = url if re.match(r"^[a-z][a-z0-9+.\-]*://", url, re.IGNORECASE) else f"//{url}"
    try:
        return (urlsplit(full).hostname or "").lower().rstrip(".")
    except ValueError:
        return ""


@lru_cache(maxsize=8192)
def spans(text: str) -> tuple[tuple[str, int, int], ...]:
    """`url_spans(text)`, computed once per distinct text (a post's text goes to several channels and is
    read by several rules)."""
    return tuple(url_spans(text))


@lru_cache(maxsize=8192)
def mask_urls(text: str) -> str:
    """URLs replaced by spaces of the same length: word rules must not read a domain as a brand.

    A text without URLs is returned as is (the same object)."""
    found = spans(text)
    if not found:
        return text
    chars = list(text)
    for _, start, end in found:
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


def _spaces(match: re.Match[str]) -> str:
    return " " * (match.end() - match.start())


def blank(text: str, pattern: re.Pattern[str] | Matcher) -> str:
    """Matches of `pattern` replaced by spaces (exceptions such as 'no cure for' are removed before matching)."""
    if isinstance(pattern, Matcher):
        return pattern.blank(text)
    if not pattern.search(text):
        return text
    return pattern.sub(_spaces, text)


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



# --- word lists: one matcher, with a cheap pre-check -------------------------------------------------

_WORD = re.compile(r"\w+")
# The only characters that `re.IGNORECASE` matches with an ASCII letter or digit although `str.lower()` does
# not make them one (İ even lowers to two characters): dotted capital I, dotless i, long s, Kelvin sign. Every
# other character keeps its length and whether it is a word character under `str.lower()` (checked over all
# of Unicode by tests/test_rules_speed_equivalence.py).
_FOLD_UNSAFE = re.compile("[\u0130\u0131\u017f\u212a]")


# ASCII bytes: letters and digits lower-cased, "_" kept, everything else a space.
_ASCII_WORDS = bytes(ord(chr(b).lower()) if chr(b).isalnum() or b == 95 else 32 for b in range(128)) + b" " * 128


@lru_cache(maxsize=8192)
def tokens(text: str) -> frozenset[str]:
    """The lower-cased words (runs of \\w) of a text: `frozenset(re.findall(r"\\w+", text.lower()))`."""
    if text.isascii():  # the same words, several times faster
        return frozenset(text.encode("ascii").translate(_ASCII_WORDS).decode("ascii").split())
    return frozenset(_WORD.findall(text.lower()))


@lru_cache(maxsize=8192)
def words_of(text: str) -> frozenset[str] | None:
    """The words of a text as the `Matcher` pre-check reads them: `tokens(text)`, or None when the text holds a
    character that a case-insensitive pattern reads differently (then every term is a candidate)."""
    if not text.isascii() and _FOLD_UNSAFE.search(text):
        return None
    return tokens(text)


# str.lower, once per distinct text (a post's text goes to several channels; non-ASCII text is slow to lower).
lowered = lru_cache(maxsize=8192)(str.lower)

_DIGIT = re.compile(r"\d")
_ASCII_DIGITS = "0123456789"


def has_digit(text: str) -> bool:
    """`re.search(r"\\d", text) is not None`, faster on ASCII text."""
    if text.isascii():
        return any(d in text for d in _ASCII_DIGITS)
    return _DIGIT.search(text) is not None


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


_AUTO: Any = object()  # "the words of the text scanned"


class Matcher:
    """A word list compiled as `word_pattern` compiles it, with a cheap pre-check: the one matcher of every rule.

    Each whole word of a term is a whole word of any text the term matches (and with a wildcard, "prolong*",
    the last word starts a word of the text). Given the words of a text (`words_of`), `candidates` returns
    None when no term can match, else the pattern of just the terms whose words are all there (the whole
    pattern when that is all of them). The terms left out match nowhere in that text, so the candidates'
    pattern finds exactly what the whole pattern finds, where it finds it; a short alternation scans much
    faster than a long one, and most texts hold the words of no term of most lists.

    `search`, `finditer`, `sub` and `fullmatch` work as the methods of `re.Pattern`, and `blank` as
    `T.blank`. `words=` gives the words of the pre-check: by default those of the text scanned; a rule may
    pass the words of the text this one was derived from by blanking parts out (a superset of its words).
    """

    SUBSETS = 512  # compiled candidate subsets kept per list
    CHOSEN = 4096  # pre-check results kept per list (one per distinct text)

    __slots__ = ("_pattern", "terms", "wildcards", "_by_key", "_keys", "_prefixed", "_always", "_total",
                 "_subsets", "_chosen")

    def __init__(self, pattern: re.Pattern[str] | None, terms: Iterable[str]) -> None:
        """`pattern` is `word_pattern(terms)`, or None to compile it when first needed (see `matcher()`)."""
        self._pattern = pattern
        self.terms = tuple(terms)
        # key word -> (term, all its whole words, the prefix its last word must start a word with)
        self._by_key: dict[str, list[tuple[str, frozenset[str], str | None]]] = {}
        self._prefixed: list[tuple[str, str]] = []  # (prefix, term) of one-word wildcard terms
        self._always: list[str] = []  # terms without an ASCII word: always candidates
        total = 0
        for term in dict.fromkeys(t for t in self.terms if t.strip()):
            total += 1
            core = term.strip()
            wildcard = core.endswith("*")
            core = core.rstrip("*").strip().lower()  # the characters word_pattern compiles
            found = _WORD.findall(core)
            # With a wildcard, the last word of the term is only the start of a word of the text.
            prefix = found.pop() if wildcard and found and core.endswith(found[-1]) else None
            if prefix is not None and not prefix.isascii():
                prefix = None  # (checked no further)
            whole = [w for w in found if w.isascii()]  # a non-ASCII word is not checked
            if whole:
                self._by_key.setdefault(max(whole, key=len), []).append((term, frozenset(whole), prefix))
            elif prefix is not None:
                self._prefixed.append((prefix, term))
            else:
                self._always.append(term)
        self._keys = frozenset(self._by_key)
        # Whether the pre-check looks at the start of words (a wildcard term), not only at whole words.
        self.wildcards = bool(self._prefixed) or any(p for terms in self._by_key.values() for _, _, p in terms)
        self._total = total
        self._subsets: dict[frozenset[str], re.Pattern[str]] = {}
        self._chosen: dict[frozenset[str], re.Pattern[str] | None] = {}

    @property
    def pattern(self) -> re.Pattern[str]:
        """The whole list's pattern (most texts never need it: a long list is compiled only when used whole)."""
        if self._pattern is None:
            self._pattern = word_pattern(self.terms)
        return self._pattern

    def _possible(self, words: frozenset[str]) -> Iterator[str]:
        """The terms whose words are all among `words`."""
        yield from self._always
        for key in self._keys.intersection(words):
            for term, whole, prefix in self._by_key[key]:
                if (len(whole) == 1 or whole <= words) and (prefix is None or " " + prefix in _joined(words)):
                    yield term
        if self._prefixed:
            joined = _joined(words)
            for prefix, term in self._prefixed:
                if " " + prefix in joined:  # a word starts with the prefix
                    yield term

    def candidates(self, words: frozenset[str] | None) -> re.Pattern[str] | None:
        """The pattern to scan a text of these words with (see `words_of`), or None when nothing can match."""
        if words is None:
            return self.pattern
        chosen_before = self._chosen
        if words in chosen_before:
            return chosen_before[words]
        chosen = list(self._possible(words))
        found: re.Pattern[str] | None
        if not chosen:
            found = None
        elif len(chosen) == self._total:
            found = self.pattern
        else:
            subset = frozenset(chosen)
            found = self._subsets.get(subset)
            if found is None:
                if len(self._subsets) >= self.SUBSETS:
                    self._subsets.clear()
                found = self._subsets[subset] = word_pattern(tuple(sorted(subset)))
        if len(chosen_before) >= self.CHOSEN:
            chosen_before.clear()
        chosen_before[words] = found
        return found

    def scanner(self, text: str, endpos: int = sys.maxsize, words: frozenset[str] | None = _AUTO,
                ) -> re.Pattern[str] | None:
        """The pattern to scan `text[:endpos]` with, or None when nothing can match there."""
        if endpos < len(text) and endpos > 0 and _is_word(text[endpos]) and _is_word(text[endpos - 1]):
            return self.pattern  # the end cuts a word: its start is a word the text does not hold
        return self.candidates(words_of(text) if words is _AUTO else words)

    def may_match(self, text: str, *, words: frozenset[str] | None = _AUTO) -> bool:
        return self.may_match_words(words_of(text) if words is _AUTO else words)

    def may_match_words(self, words: frozenset[str] | None, lower: str | None = None) -> bool:
        """Whether a text of these words (or of any subset of them) can hold a match: the pre-check alone,
        for a rule to skip its work when no text it reads can match. `lower`, when given, is the text the
        words were taken from, lower-cased (a word that starts with a wildcard term's prefix is in it)."""
        if words is None or self._always:
            return True
        if not self._keys.isdisjoint(words):
            for key in self._keys.intersection(words):
                for _, whole, prefix in self._by_key[key]:
                    if (len(whole) == 1 or whole <= words) and (
                        prefix is None or (prefix in lower if lower is not None else " " + prefix in _joined(words))
                    ):
                        return True
        if self._prefixed:
            if lower is not None:
                return any(prefix in lower for prefix, _ in self._prefixed)
            joined = _joined(words)
            return any(" " + prefix in joined for prefix, _ in self._prefixed)
        return False

    def search(self, text: str, pos: int = 0, endpos: int = sys.maxsize, *,
               words: frozenset[str] | None = _AUTO) -> re.Match[str] | None:
        pattern = self.scanner(text, endpos, words)
        return None if pattern is None else pattern.search(text, pos, endpos)

    def finditer(self, text: str, pos: int = 0, endpos: int = sys.maxsize, *,
                 words: frozenset[str] | None = _AUTO) -> Iterator[re.Match[str]]:
        pattern = self.scanner(text, endpos, words)
        return iter(()) if pattern is None else pattern.finditer(text, pos, endpos)

    def sub(self, repl: Any, text: str, count: int = 0, *, words: frozenset[str] | None = _AUTO) -> str:
        pattern = self.scanner(text, sys.maxsize, words)
        return text if pattern is None else pattern.sub(repl, text, count)

    def fullmatch(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        return self.pattern.fullmatch(text, pos, endpos)

    def blank(self, text: str, *, words: frozenset[str] | None = _AUTO) -> str:
        """`T.blank(text, self.pattern)`: the matches replaced by as many spaces."""
        pattern = self.scanner(text, sys.maxsize, words)
        if pattern is None or not pattern.search(text):
            return text
        return pattern.sub(_spaces, text)


@lru_cache(maxsize=1024)
def _joined(words: frozenset[str]) -> str:
    """The words, each after a space: `" " + prefix in _joined(words)` tells whether a word starts with it."""
    return " " + " ".join(words)


@lru_cache(maxsize=1024)
def matcher(terms: tuple[str, ...]) -> Matcher:
    """The Matcher of a list of terms (one per distinct list)."""
    return Matcher(None, terms)
