"""SP-TEXT-001/002: what a reader cannot see, or cannot tell apart.

The rules match on what a reader sees (`T.view`: invisible and control characters dropped, look-alike
letters folded), so a word hidden that way is still checked. These two rules report the disguise itself: an
invisible character, a bidirectional control or another control character in the text that is sent, and a
word that mixes letters of scripts that look alike (Latin "best" with a Cyrillic "е").
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from typing import Any, NamedTuple

from socialpub.rules import text as T
from socialpub.rules.common import published_tags, tags_line
from socialpub.rules.engine import Context, Field, Hit, rule
from socialpub.rules.lexicon import BUILTIN

# A word of the sent text: word characters, and the invisible ones that may sit inside it.
_TOKEN = T.lazy(r"(?:\w|" + T._IGNORABLE.pattern + ")+")
# Scripts written together in one word (Japanese mixes kanji and kana, Korean hangul and hanja).
_EAST_ASIAN = frozenset({"CJK", "HIRAGANA", "KATAKANA", "HANGUL", "BOPOMOFO", "IDEOGRAPHIC", "HALFWIDTH",
                         "KATAKANA-HIRAGANA"})
# A gene, protein or receptor name ends in Greek letters after capitals and digits: TNFα, IFNγ, GSK3β, ERα.
_GENE = T.lazy(r"[A-Z0-9]+[\u0370-\u03ff]+[0-9]*")


def _name(char: str) -> str:
    if unicodedata.category(char) == "Cc":  # control characters have no name in the Unicode database
        return f"U+{ord(char):04X}"
    return f"U+{ord(char):04X} {unicodedata.name(char, 'unnamed character')}"


def _word_around(text: str, i: int) -> tuple[int, int]:
    """The whitespace-delimited word around `text[i]` (at most 40 characters each side)."""
    lo = i
    while lo > 0 and i - lo < 40 and not text[lo - 1].isspace():
        lo -= 1
    hi = i + 1
    while hi < len(text) and hi - i < 40 and not text[hi].isspace():
        hi += 1
    return lo, hi


_BETWEEN_WORDS = ".,;:!?"  # what ends or separates words (the tags are joined with commas)


def _where(text: str, start: int, end: int, hidden: tuple[str, ...]) -> str:
    """Where hidden characters sit, for a message: "in 'word'" (as the word reads, without the punctuation
    around it), or, when they stand alone, next to which words ("between 'best' and 'cure'")."""
    shown = "".join(c for c in text[start:end] if c not in hidden).strip(_BETWEEN_WORDS)
    if shown.strip():
        return f"in '{shown}'"
    before = _words(text[max(0, start - 40):start])
    after = _words(text[end:end + 40])
    if before and after:
        return f"between '{before[-1]}' and '{after[0]}'"
    if before or after:
        return f"after '{before[-1]}'" if before else f"before '{after[0]}'"
    return "in a text without words"


def _words(text: str) -> list[str]:
    return [w for w in (w.strip(_BETWEEN_WORDS) for w in text.split()) if w]


@lru_cache(maxsize=4096)
def invisible(text: str) -> tuple[tuple[int, int, tuple[str, ...]], ...]:
    """(start, end, characters) of each word of the text that holds characters a reader cannot see."""
    found: list[tuple[int, int, list[str]]] = []
    for i in T.hidden(text):
        if found and found[-1][0] <= i < found[-1][1]:
            found[-1][2].append(text[i])
        else:
            lo, hi = _word_around(text, i)
            found.append((lo, hi, [text[i]]))
    return tuple((lo, hi, tuple(dict.fromkeys(chars))) for lo, hi, chars in found)


def _scripts(word: str) -> frozenset[str]:
    """The scripts of the word's letters as read (NFKC), East Asian ones and modifier letters left out."""
    return frozenset(
        s for c in unicodedata.normalize("NFKC", word)
        if unicodedata.category(c) in ("Lu", "Ll", "Lt", "Lo") and (s := T.script(c)) not in _EAST_ASIAN
    )


def _scientific(word: str) -> bool:
    """Greek letters in a Latin word as science writes them: Aβ, NF-κB's κB, µg, TNFα, IFNγ, GSK3β."""
    read = unicodedata.normalize("NFKC", word)
    greek = [c for c in read if T.script(c) == "GREEK"]
    return all(T.fold(c) == c for c in greek) or _GENE.fullmatch(read) is not None


def _mostly_latin(text: str) -> bool:
    """Whether most letters of the text are Latin (a word in Cyrillic letters only is a Russian word in a
    Russian text, and a disguise in an English one)."""
    letters = [c for c in text if c.isalpha()]
    return sum(1 for c in letters if c.isascii() or T.script(c) == "LATIN") * 2 > len(letters)


class Lookalike(NamedTuple):
    """A word of the text that mixes scripts or is written in look-alike letters."""

    start: int
    end: int
    reads: str  # what the rules read it as
    scripts: frozenset[str]
    scientific: bool  # Greek letters as science writes them (Aβ, µg, TNFα)
    address: bool  # part of a web or email address: it goes elsewhere than it reads


def _address(text: str, at: int) -> bool:
    """Whether the word at `at` is part of a web or email address (as read)."""
    lo, hi = _word_around(text, at)
    chunk = text[lo:hi]
    return "@" in chunk or ("." in chunk and bool(T.url_spans(T.normalised(chunk))))


@lru_cache(maxsize=4096)
def lookalikes(text: str) -> tuple[Lookalike, ...]:
    """Each word of the text that mixes scripts, or that is written in letters of another script that read
    as Latin ones: in a web or email address, or in a mostly Latin text (all-Cyrillic "ВЕЅТ" reads "BEST", a
    lone Cyrillic "І" reads "I"; a lone Greek letter is science, as in "α-synuclein")."""
    if T._plain(text):  # no letter outside ASCII: nothing to mix (the common case: emoji, quotes, dashes)
        return ()
    latin: bool | None = None  # whether the text is mostly Latin, when first needed
    found = []
    for m in _TOKEN.finditer(text):
        word = m.group()
        if word.isascii():
            continue
        shown = "".join(c for c in word if not T._IGNORABLE.fullmatch(c))
        reads = T.normalised(word)
        scripts = _scripts(shown)
        folded = reads.isascii() and reads != unicodedata.normalize("NFKC", shown)
        address = (folded or len(scripts) > 1) and _address(text, m.start())
        if folded and len(scripts) <= 1 and not address:
            latin = _mostly_latin(text) if latin is None else latin
            folded = latin and (len(shown) > 1 or T.script(shown) != "GREEK")
        if len(scripts) > 1 or folded or address:
            science = not address and scripts == {"LATIN", "GREEK"} and _scientific(shown)
            found.append(Lookalike(m.start(), m.end(), reads, scripts, science, address))
    return tuple(found)


def protected(ctx: Context) -> frozenset[str]:
    """The words the rules look for, lower-cased: every word list's, the configured product, pipeline and
    embargoed names, risk terms, disclosures, reporting pathways and the sponsor. A disguised one of these is
    an attempt to get past a rule (or makes required information unreadable to the rules' readers)."""
    found = ctx.compliance.cache.protected_words
    if found is None:
        c = ctx.compliance
        terms = [t for terms in BUILTIN.values() for t in terms]
        terms += [t for terms in c.lexicon.values() for t in terms]
        for product in c.products.values():
            terms += [product.brand, product.established, *product.indication_terms, *product.offlabel_terms,
                      *product.serious_risk_terms]
        terms += [*c.pipeline_codes, *c.pipeline_names, *c.embargoed_names, *c.accepted_disclosures,
                  *c.ambiguous_disclosures, *c.reporting, c.sponsor]
        found = ctx.compliance.cache.protected_words = frozenset(w for t in terms for w in T.tokens(T.normalised(t)))
    return found


def _fields(ctx: Context) -> list[Field]:
    """The fields of the context that can hide anything (not pure ASCII, or with a control character): those
    of its units, and the tags it publishes."""
    found = ctx.memo.get("text-rules.fields")
    if found is None:
        published = [f for u in ctx.units() for f in u.fields]
        tags = published_tags(ctx)
        if tags is not None:
            published.append(tags)
        found = ctx.memo["text-rules.fields"] = [f for f in published if f.view is not None or not f.facts.as_written]
    return found  # type: ignore[return-value]


def _place(ctx: Context, f: Field, excerpt: str) -> dict[str, Any]:
    """Where a finding in `f` points: its excerpt in the field, or for the tags (joined to be read, not as the
    file writes them) the line that sets them."""
    return {"line": tags_line(ctx)} if f.name == "tags" else {"excerpt": excerpt, "source": f.source}


def _may_hide(ctx: Context) -> bool:
    return bool(_fields(ctx))


def _scripts_named(scripts: frozenset[str]) -> str:
    return " and ".join(s.title() for s in sorted(scripts))


@rule(
    "SP-TEXT-001", "hidden-characters", "error", suppressible=False, principle="P1",
    summary="Invisible characters, bidirectional or other control characters, or a checked word written in "
    "look-alike letters.",
    help="Retype the word in plain letters and delete the invisible characters (an editor that shows them, "
    "or `cat -A`, finds them); emoji sequences and the joiners a script needs are not reported.",
    when=_may_hide,
)
def hidden_characters(ctx: Context) -> Iterable[Hit]:
    words = protected(ctx)
    for f in _fields(ctx):
        text = f.original
        for start, end, chars in invisible(text):
            bidi = [c for c in chars if c in T.BIDI_CONTROLS]
            controls = [c for c in chars if unicodedata.category(c) == "Cc"]
            what = ("bidirectional control" if bidi and len(bidi) == len(chars) else
                    "control character" if len(controls) == len(chars) else "invisible character")
            more = "; it can show the text in another order than it is stored" if bidi else ""
            yield Hit(f"{what} {', '.join(_name(c) for c in chars)} {_where(text, start, end, chars)}{more}",
                      **_place(ctx, f, text[start:end]))
        for word in lookalikes(text):
            how = f"mixes {_scripts_named(word.scripts)} letters" if len(word.scripts) > 1 else \
                "is written in look-alike letters"
            shown = text[word.start:word.end]
            if word.address:
                yield Hit(f"'{shown}' in a web or email address {how}: the address reads as '{word.reads}' but "
                          "goes elsewhere", **_place(ctx, f, shown))
            elif word.reads.lower() in words:
                yield Hit(f"'{shown}' {how}: it reads as '{word.reads}', a word the rules check",
                          **_place(ctx, f, shown))


@rule(
    "SP-TEXT-002", "mixed-script-word", "warning", principle="P1",
    summary="A word mixes letters of different scripts (Greek letters in scientific names and units excepted).",
    help="Write the word in one script; if the mix is intended (a name, a term of art), suppress with a reason.",
    when=_may_hide,
)
def mixed_script_word(ctx: Context) -> Iterable[Hit]:
    words = protected(ctx)
    for f in _fields(ctx):
        text = f.original
        for word in lookalikes(text):
            if len(word.scripts) > 1 and not (word.scientific or word.address or word.reads.lower() in words):
                shown = text[word.start:word.end]
                yield Hit(f"'{shown}' mixes {_scripts_named(word.scripts)} letters (it reads as '{word.reads}')",
                          **_place(ctx, f, shown))
