"""Matching helpers shared by the rules: URLs, word lists on word boundaries, exceptions blanked out."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Collection, Iterable, Iterator
from functools import lru_cache
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
    while (hint := _URL_HINT.search(text, pos)) is not None:
        # The whitespace-delimited word around the hint (it starts at or after `pos`, the end of the last),
        # looked for from the last space or newline before the hint (usually the one just before the word).
        at = hint.start()
        lo = max(pos, text.rfind(" ", pos, at), text.rfind("\n", pos, at))
        start = _WORD_TAIL.search(text, lo, at).start()  # type: ignore[union-attr]
        pos = _WORD_HEAD.match(text, at).end()  # type: ignore[union-attr]
        for url, s, e in _word_spans(text[start:pos]):
            out.append((url, start + s, start + e))
    return out


# What a word that holds a URL holds: "://" (the scheme form) or a dot before a letter (a domain; "[a-z]"
# with IGNORECASE also takes the four characters of _FOLD_UNSAFE). Words that only end a sentence have none.
_URL_HINT = re.compile("://|\\.[A-Za-z\u0130\u0131\u017f\u212a]")
_WORD_TAIL = re.compile(r"(?<!\S)\S*+\Z")  # with endpos: the part of a word before a position (linear)
_WORD_HEAD = re.compile(r"\S*")  # the part of a word from a position


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
    it current; ASCII and punycode forms), and the reserved ones."""
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
            elif icann and line and not line.startswith("//") and "." not in line:
                found.add(line.lower() if line.isascii() else line.encode("idna").decode("ascii"))
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


# The facts of the last few thousand texts: every text of a post (a post's channels and rules read the same
# texts again), and the texts that recur from post to post.
facts = lru_cache(maxsize=4096)(Facts)


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
    return not any(char.isalnum() for run in _NON_ASCII.findall(text) for char in run)


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
_ASCII_DIGITS = "0123456789"


def has_digit(text: str, plain: bool | None = None) -> bool:
    """`re.search(r"\\d", text) is not None`: ASCII digits are looked for first (ten fast substring scans), and
    other digits only in a text with non-ASCII word characters (a digit is a word character)."""
    if any(d in text for d in _ASCII_DIGITS):
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
