"""Screening a comment on one of our posts: potential adverse event, product complaint, medical-information
request, personal health information, or other — with the evidence marked where it stands in the text.

Screening triages; pharmacovigilance decides. A missed adverse event is the costly error, so in doubt a comment
is queued for a person (`needs_person`). It is offline, pure and deterministic: the same text, lexicon and post
always give the same result. The text is read as the compliance rules read it (`rules.text.view`: invisible
characters dropped, look-alike letters folded), then lower-cased with accents removed, one character for one,
so every span points into the text as the platform gave it. The word lists are in `safety/words.py`.

How a comment is read:
- product: a configured brand, established name or alias (plurals, possessives, a near spelling of a name of
  six letters or more), or "this drug", "the shot", "it"… on a post about a product;
- event: a word of the event list, or a special situation (pregnancy, overdose, lack of effect…); one after
  a negation in its clause ("no side effects", "never had any headache") does not count; one in a question
  or after "if" is asked about, not told (a medical-information request), unless the sentence also tells a
  first-hand experience ("anyone else get dizzy on it?", "I got a rash, is that normal?");
- patient: I/me/my, "my mom", "my friend Anna", "she" after a relation;
- reporter: the comment has an author.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from socialpub.rules import text as T
from socialpub.safety import words as W
from socialpub.situations import SITUATIONS

CATEGORIES = ("ae", "complaint", "inquiry", "phi", "other")
ELEMENTS = ("product", "event", "patient", "reporter")
MAX_CHARS = 20_000  # a comment longer than this is screened on its first MAX_CHARS characters (and queued)


@dataclass(frozen=True, slots=True)
class Span:
    element: str  # "product" | "event" | "patient" | "reporter" | "situation"
    start: int  # offsets into the screened text
    end: int
    term: str  # the lexicon entry that matched (e.g. "headache", "Zyntrava", "my mom")
    label: str = ""  # the product key, the situation name; "asked" for an event asked about, "joke"


@dataclass(frozen=True, slots=True)
class Screening:
    category: str  # "ae" | "complaint" | "inquiry" | "phi" | "other"
    needs_person: bool  # queue it for triage (True for everything but clear "other"; in doubt: True)
    elements: frozenset[str]  # which of "product", "event", "patient", "reporter" were found
    situations: tuple[str, ...]  # special situations told (pregnancy, overdose, lack_of_effect…)
    spans: tuple[Span, ...]  # the evidence, in text order
    reasons: tuple[str, ...]  # short words a triager reads ("told 'dizzy' + patient 'my husband'")


# --- reading the text: one folded character for each character read ------------------------------------


def _fold_char(char: str) -> str:
    """A character lower-cased without its accents, always one character ("É" -> "e", "’" -> "'")."""
    if char in "\u2018\u2019\u02bc\u0060\u00b4":
        return "'"
    bare = "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c)).lower()
    if len(bare) == 1:
        return bare
    lower = char.lower()
    return lower if len(lower) == 1 else char


class _FoldTable(dict[int, str]):
    """str.translate's table, filled as characters are met."""

    def __missing__(self, code: int) -> str:
        found = self[code] = _fold_char(chr(code))
        return found


_FOLD = _FoldTable()


def fold(text: str) -> str:
    """Lower-case, accents removed, one character for one (offsets into the result are offsets into `text`)."""
    return text.lower() if text.isascii() else text.translate(_FOLD)


def _key(found: str) -> str:
    """A matched piece of folded text as the term it matched is keyed: one space, straight quote and dash."""
    if found.isascii() and "  " not in found and "\n" not in found and "\t" not in found:
        return found
    return re.sub(r"[\-\u2010\u2011\u2013]", "-", " ".join(found.split())).replace("\u2019", "'")


# --- the lexicon -------------------------------------------------------------------------------------------


# What a scan found: (start, end, the kind of evidence or cue, its detail (a product key…), the term as listed)
_Hit = tuple[int, int, str, str, str]


class _Scan:
    """Several word lists matched by one pattern: each term keyed to the roles it has. A role is a kind, or
    "kind:detail" ("event", "situation:pregnancy", "product:zyntrava", "neg")."""

    __slots__ = ("roles", "kinds", "wildcards", "pattern")

    def __init__(self, entries: Iterable[tuple[str, str]], plurals: frozenset[str] = frozenset()) -> None:
        """`entries`: (role, term). A term of a role in `plurals` also matches with an "s" (or "es") after its
        last word ("strokes", "rashes")."""
        self.roles: dict[str, dict[str, str]] = {}  # folded term -> role -> the term as listed
        entries = list(entries)
        for role, term in entries:
            folded = _key(fold(T.normalised(term.strip())))
            if folded.rstrip("*").strip():
                self.roles.setdefault(folded, {}).setdefault(role, term.strip())
        for role, term in entries:  # plurals after the listed forms: a listed form keeps its own roles
            folded = _key(fold(T.normalised(term.strip())))
            if (role in plurals or role.split(":", 1)[0] in plurals) and folded[-1:].isalpha():
                plural = folded + ("es" if folded.endswith(("s", "x", "sh", "ch")) else "s")
                if plural not in self.roles:
                    self.roles[plural] = {role: term.strip()}
        # folded term -> (kind, detail, term as listed) for each of its roles
        self.kinds: dict[str, tuple[tuple[str, str, str], ...]] = {
            folded: tuple((*(role.split(":", 1) if ":" in role else (role, "")), term) for role, term in roles.items())
            for folded, roles in self.roles.items()}
        # (the part before "*", kinds) of each term with a wildcard, longest first
        self.wildcards = sorted(((folded.rstrip("*").strip(), kinds) for folded, kinds in self.kinds.items()
                                 if folded.endswith("*")), key=lambda w: -len(w[0]))
        # The rules' pattern for these terms, without IGNORECASE (twice as fast): both sides are folded already.
        self.pattern = re.compile(T.word_pattern(tuple(sorted(self.roles))).pattern)

    def find(self, folded: str) -> dict[str, list[_Hit]]:
        """What the text holds, by kind, in text order."""
        found: dict[str, list[_Hit]] = {}
        for m in self.pattern.finditer(folded):
            key = _key(m.group())
            kinds = self.kinds.get(key)
            if kinds is None:
                kinds = next((k for prefix, k in self.wildcards if key.startswith(prefix)), None)
            if kinds is not None and m.end() > m.start():
                for kind, detail, term in kinds:
                    found.setdefault(kind, []).append((m.start(), m.end(), kind, detail, term))
        return found


def _product_entries(products: Mapping[str, Any]) -> tuple[list[tuple[str, str]], dict[str, tuple[str, str]]]:
    """("product:KEY", name) for every name of every product (brand, established name, aliases), with their
    plurals and possessives; and the names of six letters or more, folded, for near spellings."""
    entries: list[tuple[str, str]] = []
    near: dict[str, tuple[str, str]] = {}
    for key, product in sorted(products.items()):
        names = [product] if isinstance(product, str) else [
            _field(product, "brand"), _field(product, "established"), *_field(product, "aliases", ())]
        for name in names:
            name = str(name or "").strip()
            if not name or not any(c.isalnum() for c in name):
                continue
            role = f"product:{key}"
            entries += [(role, name), (role, name + "s"), (role, name + "'s"), (role, name + "es")]
            folded = fold(T.normalised(name))
            if len(folded) >= 6 and folded.isalpha():
                near.setdefault(folded, (key, name))
    return entries, near


def _field(product: Any, name: str, default: Any = "") -> Any:
    """A field of a configured product: an attribute (config.Product) or a key (a table)."""
    if isinstance(product, Mapping):
        return product.get(name, default)
    return getattr(product, name, default)


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1:] for i in range(len(word))}


@dataclass(frozen=True, slots=True, eq=False)
class Lexicon:
    """The compiled word lists: the product names of the configuration, the shipped lists and the extra words
    of `[safety]`. Build it once (`lexicon()`: a third of a second) and screen many comments with it. Two
    lexicons are equal only if they are the same object (it keeps caches of words already looked at)."""

    content: _Scan  # products, events, situations, complaints, conditions, other products, references
    people: _Scan  # the patient
    cues: _Scan  # negations, questions, hypotheticals, experience, jokes
    near: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # folded name -> (key, name)
    near_index: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # a deletion -> folded names
    near_seen: dict[str, str | None] = field(default_factory=dict, compare=False)  # word -> _near_name(word)
    not_near: set[str] = field(default_factory=set, compare=False)  # words of texts that are no near spelling


def lexicon(products: Mapping[str, Any] = {}, *, event_words: Iterable[str] = (),  # noqa: B006 (read only)
            situation_words: Mapping[str, Iterable[str]] = {}) -> Lexicon:  # noqa: B006
    """The lexicon for these products (`Config.products`: objects or tables with brand, established and
    aliases) and the extra words of `[safety]`. An unknown situation name is an error (ValueError)."""
    unknown = sorted(set(situation_words) - set(SITUATIONS))
    if unknown:
        raise ValueError(f"unknown situation {unknown[0]!r}: the situations are {', '.join(SITUATIONS)}")
    product_entries, near = _product_entries(products)
    content = [*product_entries]
    content += [("event", t) for t in (*W.EVENT, *event_words)]
    for name, terms in W.SITUATION_WORDS.items():
        content += [(f"situation:{name}", t) for t in (*terms, *situation_words.get(name, ()))]
    for product in products.values():
        if not isinstance(product, str):  # a use off the label, and the product's own serious risks
            content += [("situation:off_label", t) for t in _field(product, "offlabel_terms", ())]
            content += [("event", t) for t in _field(product, "serious_risk_terms", ())]
    content += [("complaint", t) for t in W.COMPLAINT]
    content += [("condition", t) for t in W.CONDITION]
    content += [("body", t) for t in W.BODY] + [("not_event", t) for t in W.NOT_AN_EVENT]
    content += [("other_product", t) for t in W.OTHER_PRODUCTS]
    content += [("reference", t) for t in W.PRODUCT_REFERENCE]
    people = [("self", t) for t in W.PATIENT_SELF]
    people += [(f"relation:{r}", f"{o} {r}") for o in W.OWNERS for r in W.RELATIONS]
    people += [(f"relation:{t.split()[-1]}", t) for t in W.RELATIONS_ABROAD]
    people += [(f"relation:{r}", f"{r}'s") for r in W.RELATIONS if r not in ("dog", "cat")]  # "husband's ankles"
    people += [("child", t) for t in W.SITUATION_WORDS["child_exposure"]]
    people += [("pronoun", t) for t in W.PRONOUNS]
    cues = [("neg", t) for t in W.NEGATION] + [("neg_after", t) for t in W.NEGATION_AFTER]
    cues += [("break", t) for t in W.CLAUSE_BREAK] + [("hyp", t) for t in (*W.HYPOTHETICAL, *W.SUPPOSING)]
    cues += [("medq", t) for t in W.HYPOTHETICAL]
    cues += [("exp", t) for t in W.EXPERIENCE] + [("medq", t) for t in W.MEDICAL_QUESTION]
    cues += [("joke", t) for t in W.JOKE] + [("not_medicine", t) for t in W.NOT_A_MEDICINE]
    cues += [("use", t) for t in W.USE] + [("exposure", t) for t in W.EXPOSURE]
    cues += [("neutral", t) for t in W.NOT_NEGATION]
    cues += [("change", t) for t in W.CHANGE] + [("history", t) for t in W.HISTORY]
    cues += [("conditional", t) for t in W.CONDITIONAL] + [("onset", t) for t in W.ONSET]
    index: dict[str, list[str]] = {}
    for name in near:
        for variant in {name} | _deletions(name):
            index.setdefault(variant, []).append(name)
    return Lexicon(_Scan(content, frozenset(("event", "situation", "condition", "complaint"))), _Scan(people),
                   _Scan(cues), near,
                   {k: tuple(sorted(v)) for k, v in index.items()})


# --- screening -----------------------------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"[.!?\n\u2026]+")
_CLAUSE_END = re.compile(r"[,;:()\"\u201c\u201d]|\s[-\u2013\u2014]\s")
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
# A child's age ("my 3 year old", "our 6-month-old", "my 4yo") and the term it is told by.
_AGE_TERMS = {"year": "year old", "yr": "year old", "month": "month old", "mo": "month old", "week": "week old",
              "wk": "week old", "yo": "yo", "y/o": "yo"}
_CHILD_AGE = re.compile(r"(?<!\w)(\d{1,2})\s*-?\s*(?:(year|yr|month|mo|week|wk)s?\s*-?\s*olds?|(yo|y/o))(?!\w)")
_NEG = (r"don't|dont|doesn't|doesnt|didn't|didnt|isn't|isnt|wasn't|wasnt|won't|wont|aren't|haven't|havent|"
        r"hasn't|hasnt|not|never|no longer|barely|hardly|no")
_BETWEEN = r"(?:\W+\w+){0,3}?\W+"  # up to three words between
# Phrases too varied for a word list, each an event or a situation; `a` and `b` name the term ("not … work").
# Each has words one of which the text must hold before the pattern is tried (most texts hold none).
_PHRASE_TABLE = (
    # lack of effect: "doesn't really work", "didn't seem to help", "no me funciona", "wirkt bei mir nicht"
    ("situation:lack_of_effect", "work help anything funciona sirve ayuda marche fonctionne",
     rf"(?P<a>{_NEG}){_BETWEEN}(?P<b>work|works|working|worked|help|helps|helping|helped|do anything|"
     r"did anything|funciona|sirve|ayuda|marche|fonctionne)"),
    ("situation:lack_of_effect", "wirkt hilft half funcion marche",
     rf"(?P<a>wirkt|wirkte|hilft|half|funciona|funciono|marche){_BETWEEN}(?P<b>nicht|kaum|pas|nada)"),
    # not able to: "haven't been able to sleep", "can't keep food down", "trouble breathing"
    ("event", "can couldn able hard trouble struggl",
     r"(?P<a>haven't been able to|havent been able to|have not been able to|hasn't been able to|"
     r"not been able to|can't|cant|cannot|can not|couldn't|couldnt|unable to|not able to|hard to|trouble|"
     r"struggling to|struggle to)(?!\W+wait\b)(?:\W+\w+){0,2}?\W+(?P<b>sleep|sleeping|eat|eating|breathe|"
     r"breathing|focus|focusing|concentrate|concentrating|think straight|walk|walking|stand|see|feel|pee|"
     r"peeing|urinating|pooping|keep food down|keep anything down|stop shaking|stop crying|stop itching|"
     r"stop scratching|stop coughing|stop sweating|stop vomiting|get out of bed|get up)"),
    # feeling: "felt kinda off", "feeling really weird"
    ("event", "felt feel",
     r"(?P<a>felt|feel|feels|feeling)(?:\W+\w+){0,2}?\W+(?P<b>off|weird|strange|funny|wrong|rough|crappy|shitty|"
     r"lousy|out of it|spaced out|loopy|drugged|hungover|drunk|wired)(?!\s+(?:for|about|that)\b)"),
    # a weight change: "lost 20 pounds", "gained 8 kg"
    ("event", "pound lb kg kilo stone",
     r"(?P<a>lost|gained|put on|dropped|losing|gaining)\W+\d{1,3}\s*(?P<b>pounds|lbs?|kg|kilos|stone)"),
    # someone else's medicine: "used my husband's inhaler", "took half of my moms pills"
    ("situation:misuse", "inhaler pills meds medication medicine prescription shot pen tablets",
     r"(?P<a>used|took|tried|borrowed|using|taking|take|use|stole|steal|stealing)\W+(?:\w+\W+){0,3}?"
     r"(?:my|her|his|their|a|someone)\W+(?:\w+\W+)?(?:" + "|".join(sorted(W.RELATIONS, key=len, reverse=True))
     + r"|else)(?:'s|s)\W+(?P<b>inhaler|pills|meds|medication|medicine|prescription|shot|pen|tablets)"),
    # the wrong dose given: "50mg instead of 5mg"
    ("situation:medication_error", "instead",
     r"(?P<a>instead of)\W+(?:\d{1,4}(?:\.\d{1,2})?\s*)?(?P<b>mg|mcg|µg|ml|units?|pills?|tablets?|doses?|puffs?|"
     r"one|two|half|1|2)"),
    # a dose too many: "took 3 today", "took another one", "took two of them"
    ("situation:medication_error", "took taken take had used",
     r"(?P<a>took|taken|take|had|used)\W+(?P<b>\d{1,2}|two|three|four|five|six|ten|another|an extra|a second|"
     r"one more|double|twice|both)\W+(?:of\W+)?(?:them|one|pills?|tablets?|doses?|puffs?|shots?|injections?|"
     r"capsules?|at once|in a row|today|yesterday|this morning|tonight|instead)"),
)
_PHRASES = tuple((role, tuple(anchors.split()), re.compile(r"(?<!\w)(?:" + pattern + r")(?!\w)"))
                 for role, anchors, pattern in _PHRASE_TABLE)
_ANCHORS = re.compile("|".join(sorted({a for _, anchors, _ in _PHRASES for a in anchors}, key=len, reverse=True)))
_DIGIT = re.compile(r"\d")
# Between two events of one denial: "no nausea, headaches or dizziness", "no rash and no fever".
_LIST_GAP = re.compile(r"[\s,;/&+]*(?:(?:or|and|nor|any|no|even)\b[\s,;/&+]*)*")
_LOOKS_PREGNANT = re.compile(r"\b(?:look|looks|looked|looking)\b(?:\W+\w+){0,4}?\W+pregnant\b")
_NAME = re.compile(r"\s+([A-Z][a-z]{1,20})\b")
_AFTER_CUT = re.compile(r"[.!\n,;]|\bbut\b")


def _edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance (insertions, deletions, substitutions, adjacent transpositions)."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


def _near_name(word: str, lex: Lexicon) -> str | None:
    """The product name (folded) the word is a near spelling of: one edit away (two for names of nine letters
    or more) and not the name itself. Words recur, so each is looked at once per lexicon."""
    known = lex.near_seen.get(word, False)
    if known is not False:
        return known  # type: ignore[return-value]
    candidates = {n for variant in {word} | _deletions(word) for n in lex.near_index.get(variant, ())}
    found = next((name for name in sorted(candidates)
                  if word != name and _edit_distance(word, name) <= (1 if len(name) < 9 else 2)), None)
    if len(lex.near_seen) >= 65536:
        lex.near_seen.clear()
    lex.near_seen[word] = found
    return found


def _near_products(folded: str, lex: Lexicon, taken: _Covered) -> list[_Hit]:
    """Words that are near spellings of a product name, as hits of the product."""
    if lex.not_near.issuperset(_WORD.findall(folded)):
        return []  # the common case: every word already known to be no near spelling
    found = []
    for m in _WORD.finditer(folded):
        word = m.group().removesuffix("'s")
        name = _near_name(word, lex) if len(word) >= 5 else None
        if name is None:
            if len(lex.not_near) >= 65536:
                lex.not_near.clear()
            lex.not_near.add(m.group())
            continue
        if not taken.holds(m.start()):
            key, listed = lex.near[name]
            found.append((m.start(), m.start() + len(word), "product", key, listed))
    return found


class _Places:
    """Hits in text order (not overlapping: one scan's matches of one role), asked about in log time: a long
    comment holds thousands, and each event asks about the nearest ones."""

    __slots__ = ("hits", "starts", "ends")

    def __init__(self, hits: list[_Hit]) -> None:
        self.hits = sorted(hits) if len(hits) > 1 else hits
        self.starts = [h[0] for h in self.hits]
        self.ends = [h[1] for h in self.hits]

    def __bool__(self) -> bool:
        return bool(self.hits)

    def last_ending_by(self, at: int) -> _Hit | None:
        i = bisect_right(self.ends, at)
        return self.hits[i - 1] if i else None

    def first_from(self, at: int, before: int) -> _Hit | None:
        """The first hit that starts in [at, before)."""
        i = bisect_left(self.starts, at)
        return self.hits[i] if i < len(self.hits) and self.starts[i] < before else None

    def within(self, at: int, before: int) -> list[_Hit]:
        return self.hits[bisect_left(self.starts, at):bisect_left(self.starts, before)]


class _PlacesOf(dict[str, _Places]):
    """The _Places of each kind of hit, built when first asked for (most comments ask for few)."""

    def __init__(self, hits: dict[str, list[_Hit]]) -> None:
        super().__init__()
        self.of = hits

    def __missing__(self, kind: str) -> _Places:
        found = self[kind] = _Places(self.of.get(kind, []))
        return found


class _Covered:
    """Where spans lie (they may overlap), for "is this place inside one?" in log time."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        merged: list[list[int]] = []
        for start, end in sorted(spans) if len(spans) > 1 else spans:
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        self.starts = [m[0] for m in merged]
        self.ends = [m[1] for m in merged]

    def holds(self, at: int) -> bool:
        """Whether `at` is inside a span (start <= at < end)."""
        i = bisect_right(self.starts, at)
        return bool(i) and at < self.ends[i - 1]

    def overlaps(self, start: int, end: int) -> bool:
        i = bisect_right(self.starts, end - 1)
        return bool(i) and start < self.ends[i - 1]


_NOTHING = _Covered([])


class _Text:
    """The sentences and clauses of the folded text, for the questions asked about each event."""

    def __init__(self, folded: str, word_breaks: Iterable[int], subjects: list[int]) -> None:
        self.folded = folded
        self.word_breaks = word_breaks  # where words such as "but" and "except" start a clause
        self.subjects = subjects  # where a product named is, a subject after a question word
        self._seen: dict[int, tuple[int, int, bool]] = {}
        self._split = False

    def split(self) -> None:
        """Find the sentences and clauses (when first asked: most comments never need them)."""
        ends = [(m.start(), m.end()) for m in _SENTENCE_END.finditer(self.folded)]
        self.ends = [e for e, _ in ends]
        self.starts = [0, *(e for _, e in ends)]  # sentence i runs from starts[i] to ends[i] (or the text's end)
        self.questions = ["?" in self.folded[s:e] for s, e in ends]
        self.breaks = sorted({m.start() for m in _CLAUSE_END.finditer(self.folded)} | set(self.word_breaks))
        self._split = True

    def sentence(self, at: int) -> tuple[int, int, bool]:
        """(start, end, whether it is a question) of the sentence around `at`."""
        if not self._split:
            self.split()
        i = bisect_left(self.ends, at)
        found = self._seen.get(i)
        if found is None:
            start = self.starts[i]
            end = self.ends[i] if i < len(self.ends) else len(self.folded)
            question = (i < len(self.ends) and self.questions[i]) or self.opens_question(start)
            found = self._seen[i] = (start, end, question)
        return found

    def clause_start(self, at: int, floor: int) -> int:
        """Where the clause holding `at` starts (a break, or `floor`: the sentence's start)."""
        if not self._split:
            self.split()
        i = bisect_left(self.breaks, at)
        return self.breaks[i - 1] if i and self.breaks[i - 1] >= floor else floor

    def opens_question(self, start: int) -> bool:
        """Whether the text at `start` opens with a question word and its subject ("does it", "can zyntrava")."""
        found = _OPENING.match(self.folded, start)
        if found is None:
            return False
        return found.group(2) is not None or any(found.end() <= at <= found.end() + 1 for at in self.subjects)

    def any_question(self) -> bool:
        if "?" in self.folded:
            return True
        if not self._split:
            self.split()
        return any(self.opens_question(s) for s in self.starts if s < len(self.folded))

    def asks(self, at: int) -> bool:
        """Whether the words at `at` are asked: its sentence is a question, and either they are in the clause
        that holds the question mark or their clause opens with a question word ("the itching is driving me
        insane, is there anything I can do?" tells the itching and asks the rest)."""
        start, end, question = self.sentence(at)
        if not question:
            return False
        clause = self.clause_start(at, start - 1) + 1
        last = self.clause_start(end, start - 1) + 1
        return clause >= last or self.opens_question(clause) or self.opens_question(start) and clause == start


# A sentence that opens with a question word and a subject asks, with or without its question mark.
_OPENING = re.compile(r"\W*(" + "|".join(map(re.escape, W.QUESTION_OPENERS)) + r")\s+(?:(it|i|you|this|that|these|"
                      r"anyone|anybody|they|he|she|we|there|my|the|your|ur|u|should|can|do|does|will|would|could|"
                      r"are|is|was|were|did|have|has|long|much|many|often|soon|far)\b)?")


def _phrases(folded: str, content: dict[str, list[_Hit]]) -> None:
    """Add the matches of _PHRASES that no listed event or situation covers to `content`."""
    if _ANCHORS.search(folded) is None:
        return
    for role, anchors, pattern in _PHRASES:
        if not any(anchor in folded for anchor in anchors):
            continue
        kind, _, detail = role.partition(":")
        for m in pattern.finditer(folded):
            if not any(s < m.end() and m.start() < e
                       for k in ("event", "situation") for s, e, *_ in content.get(k, ())):
                term = f"{m.group('a')} … {m.group('b')}"
                content.setdefault(kind, []).append((m.start(), m.end(), kind, detail, term))


# After a denial, a turn that brings the event back: "never had headaches, but now I get them daily",
# "no rash until I started it".
_COMES_BACK = re.compile(r"\b(?:(?:but|now|except)\b.{0,150}?\b(?:them|those|these|ones|again)"
                         r"|(?:until|till)\b.{0,150}?\b(?:started|starting|began|took|tried|switched))\b")


def _comes_back(folded: str, end: int, sentence_end: int) -> bool:
    """Whether the sentence turns within a few words after a denied event (looked for no further: the text
    may be long, and this is asked of every denial)."""
    return _COMES_BACK.search(folded, end, min(sentence_end, end + 250)) is not None


def _quote(term: str) -> str:
    return "'" + term.replace("'", "\u2019") + "'"


def _people(people: dict[str, list[_Hit]], read: str, folded: str,
            ) -> tuple[list[tuple[int, int, str, str]], list[tuple[int, int, str]]]:
    """The patients the comment names, as (start, end, term, label): the writer, a relation (with the name
    after it: "my friend Anna"), a pronoun after a relation, a child ("my 3 year old"); and the children
    among them, as (start, end, term)."""
    patients: list[tuple[int, int, str, str]] = []
    children: list[tuple[int, int, str]] = []
    first_relation = min((s for s, *_ in people.get("relation", ())), default=len(folded))
    by_place: dict[tuple[int, int], dict[str, tuple[str, str]]] = {}  # (start, end) -> kind -> (detail, term)
    for hits in people.values():
        for s, e, kind, detail, term in hits:
            by_place.setdefault((s, e), {})[kind] = (detail, term)
    for (s, e), kinds in sorted(by_place.items()):
        if "relation" in kinds:
            detail, term = kinds["relation"]
            if detail in W.CHILD_RELATIONS or "child" in kinds:
                children.append((s, e, term))
            label = ""
            name = _NAME.match(read, e)
            if name is not None and name.group(1).lower() not in _NOT_NAMES:
                e, label = name.end(), "named person"
            patients.append((s, e, term, label))
        elif "self" in kinds or "child" in kinds:
            term = kinds.get("self", kinds.get("child"))[1]  # type: ignore[index]
            patients.append((s, e, term, ""))
            if "child" in kinds:
                children.append((s, e, term))
        elif "pronoun" in kinds and s > first_relation:
            patients.append((s, e, kinds["pronoun"][1], "after a relation"))
    for m in _CHILD_AGE.finditer(folded) if _DIGIT.search(folded) else ():
        if int(m.group(1)) < 13 or m.group(2) not in ("year", "yr", None):
            term = _AGE_TERMS[m.group(2) or m.group(3)]
            children.append((m.start(), m.end(), term))
            patients.append((m.start(), m.end(), term, "child"))
    return patients, children


def screen(text: str, lexicon: Lexicon, *, post_products: Iterable[str] = (), has_author: bool = True) -> Screening:
    """Screen one comment. `post_products`: the product keys of the post it answers ("this drug" then names
    one of them); `has_author`: the platform gave the comment's author (the reporter)."""
    lex = lexicon
    post_keys = tuple(sorted(set(post_products)))
    too_long = len(text) > MAX_CHARS
    original = text[:MAX_CHARS] if too_long else text
    view = T.view(original)
    read = view.text if view is not None else original
    folded = fold(T.mask_urls(read))  # a product's name in a link is no mention of it

    def where(start: int, end: int) -> tuple[int, int]:
        return view.span(start, end) if view is not None else (start, end)

    content = lex.content.find(folded)
    _phrases(folded, content)
    people = lex.people.find(folded)
    cues = lex.cues.find(folded)
    spans: list[Span] = []
    reasons: list[str] = []
    doubts: list[str] = []

    def found(kind: str) -> list[_Hit]:
        return content.get(kind, [])

    def cue(role: str) -> list[_Hit]:
        return cues.get(role, [])

    # Products: named ones, near spellings, and references to the post's product.
    named = found("product")
    taken = _Covered([(s, e) for hits in content.values() for s, e, *_ in hits]) if content else _NOTHING
    near = _near_products(folded, lex, taken) if lex.near else []
    named = sorted(named + near)
    references = found("reference") if post_keys else []
    for s, e, _, key, name in named:
        spans.append(Span("product", *where(s, e), name, key))
    for s, e, _, _, term in references:
        spans.append(Span("product", *where(s, e), term, ",".join(post_keys)))
    if named:
        reasons.append("product " + ", ".join(_quote(n) for n in sorted({h[4] for h in named}))
                       + (" (a near spelling)" if near else ""))
    elif references:
        reasons.append(f"product {_quote(references[0][4])} on a post about {', '.join(post_keys)}")
    strong_reference = [r for r in references if r[4] != "it"]
    product_context = bool(named or post_keys)
    sentences = _Text(folded, (s for s, *_ in cue("break")), [h[0] for h in named])

    # A negation inside a listed phrase ("won't open", "didn't work", "can't sleep") denies nothing after it.
    places = _PlacesOf(cues)  # of each cue, and (as "negation") of the negations no listed phrase holds
    content_places = _PlacesOf(content)

    def negated(start: int, end: int) -> bool:
        """Whether a negation before the words, in their clause and close by, or one right after them ("side
        effects: none") denies them."""
        if "negation" not in places:
            places["negation"] = _Places([n for n in cue("neg") if not taken.holds(n[0])])
        nearest = places["negation"].last_ending_by(start)
        if nearest is not None and start - nearest[1] <= 40:
            if nearest[0] >= sentences.clause_start(start, sentences.sentence(start)[0]):
                return True
        if cue("neg_after"):
            window = folded[end:end + 25]
            cut = _AFTER_CUT.search(window)
            return places["neg_after"].first_from(end, end + (cut.start() if cut else len(window))) is not None
        return False

    def asked(start: int) -> bool:
        """Whether the words at `start` are asked about or supposed rather than told: the last cue before them
        in their sentence says which ("what if I get", "I got… is that normal?"); without one, a question asks
        unless it tells a first-hand experience ("anyone else get dizzy on it?")."""
        s_start, s_end, _ = sentences.sentence(start)
        hyp = places["hyp"].last_ending_by(start)
        exp = places["exp"].last_ending_by(start)
        last_hyp = hyp[0] if hyp is not None and hyp[0] >= s_start else -1
        last_exp = exp[0] if exp is not None and exp[0] >= s_start else -1
        if cue("conditional") and last_exp > last_hyp:  # "if I'm having a reaction": the "if" governs its clause
            condition = places["conditional"].last_ending_by(last_exp)
            if condition is not None and condition[0] >= sentences.clause_start(start, s_start):
                return True
        if last_hyp >= 0 or last_exp >= 0:
            return last_hyp > last_exp
        if sentences.asks(start):
            return places["exp"].first_from(s_start, s_end) is None
        return False

    # Who: the writer, a relation (with a name after it), a pronoun after a relation, a child.
    patients, children = _people(people, read, folded)
    for s, e, term, label in patients:
        spans.append(Span("patient", *where(s, e), term, label))

    # Events and special situations: told, asked about, denied, about the ad, or about another product.
    jokes = cue("joke")
    told: list[tuple[int, int, str]] = []
    situations: list[str] = []
    asked_about: list[str] = []
    denied: list[tuple[int, int]] = []
    history: list[_Hit] = []
    for s, e, kind, situation, term in sorted(found("event") + found("situation")):
        if situation == "child_exposure":
            continue  # decided below, from the child and what happened
        if situation == "pregnancy" and _LOOKS_PREGNANT.search(folded, max(0, s - 40), e):
            continue  # "so bloated I look 6 months pregnant": a figure of speech
        listed = bool(denied) and _LIST_GAP.fullmatch(folded, denied[-1][1], s) is not None  # "no rash, fever or…"
        if situation != "lack_of_effect" and (listed or negated(s, e)):
            if not _comes_back(folded, e, sentences.sentence(s)[1]):
                reasons.append(f"denied {_quote(term)}")
                denied.append((s, e))
                continue
            reasons.append(f"denied {_quote(term)}, then told of again")
        later = places["history"].first_from(e, e + 41) if cue("history") else None
        if later is not None and sentences.clause_start(later[0], s) <= s:
            history.append((s, e, kind, situation, term))  # "I've had depression for years": a condition
            continue
        if asked(s):
            spans.append(Span(kind, *where(s, e), term, "asked"))
            asked_about.append(term)
            continue
        s_start, s_end, _ = sentences.sentence(s)
        if not named and not strong_reference:
            about = next((h[4] for h in [places["not_medicine"].first_from(s_start, s_end)] if h), None)
            if about is not None:  # "this ad gave me a headache"
                spans.append(Span(kind, *where(s, e), term, "joke"))
                if jokes:
                    reasons.append(f"a joke about {_quote(about)}: {_quote(term)} ({_quote(jokes[0][4])})")
                else:
                    doubts.append(f"{_quote(term)} said of {_quote(about)}, not of a medicine")
                continue
            other = next((h[4] for h in [content_places["other_product"].first_from(s_start, s_end)] if h), None)
            if other is not None:  # "Advil gave me a headache"
                spans.append(Span(kind, *where(s, e), term, "other product"))
                doubts.append(f"{_quote(term)} with another product, {_quote(other)}")
                continue
        spans.append(Span(kind, *where(s, e), term, situation))
        if situation and situation not in situations:
            situations.append(situation)
        told.append((s, e, term))
    if found("body") and (patients or named or strong_reference) and product_context:
        # A part of the body and a word of change in one sentence: "my periods are all over the place since".
        covered = _Covered([(h[0], h[1]) for k in ("event", "situation", "condition") for h in found(k)])
        changes = places["change"]
        for s, e, _, _, term in found("body"):
            if covered.overlaps(s, e) or negated(s, e) or asked(s):
                continue
            s_start, s_end, _ = sentences.sentence(s)
            change = next((t for cs, ce, _, _, t in changes.within(s_start, s_end) if not cs <= s < ce), None)
            if change is not None and (named or strong_reference or not (
                    places["not_medicine"].first_from(s_start, s_end)
                    or content_places["other_product"].first_from(s_start, s_end))):
                spans.append(Span("event", *where(s, e), term, "body"))
                told.append((s, e, term))
                reasons.append(f"a change in the body: {_quote(term)}, {_quote(change)}")
                break
    if children and product_context:
        # The child came to the medicine: an event told, or the medicine in the child's sentence with a word of
        # exposure ("my toddler swallowed one of the pills"; "her doctor mentioned zyntrava" is none).
        medicine = [h[0] for h in (*named, *references)] if cue("exposure") or cue("onset") else []
        exposed = bool(told) or not {sentences.sentence(c)[:2] for c, _, _ in children}.isdisjoint(
            sentences.sentence(m)[:2] for m in medicine)
        if exposed and not all(negated(s, e) or asked(s) for s, e, _ in children):
            s, e, term = children[0]
            spans.append(Span("situation", *where(s, e), term, "child_exposure"))
            situations.append("child_exposure")
            told.append((s, e, term))

    complaints = [h for h in found("complaint") if not negated(h[0], h[1])]
    conditions = [h for h in found("condition") if not negated(h[0], h[1]) and not asked(h[0])] + history
    if history:
        reasons.append("a history: " + ", ".join(_quote(h[4]) for h in history[:3]))

    # What kind of comment it is.
    denials = _Covered(denied) if denied else _NOTHING
    # A question about the product (named, "this drug", "it" on a post about it) or with words of medicine.
    medical_question = bool(asked_about) or bool(
        (named or references or any(not denials.holds(s) for s, *_ in cue("medq")))
        and sentences.any_question())
    if told:
        who = f" + patient {_quote(patients[0][2])}" if patients else ""
        what = ", ".join(_quote(t) for t in dict.fromkeys(t for _, _, t in told))
        reasons.append(f"told {what}{who}" + (f"; situations: {', '.join(situations)}" if situations else ""))
    if told and product_context:
        category = "ae"
    elif told and patients:
        category = "phi"
        reasons.append("no product named or referred to")
    elif complaints and (product_context or references):
        category = "complaint"
        reasons.append("complaint " + ", ".join(_quote(h[4]) for h in complaints[:3]))
    elif medical_question:
        category = "inquiry"
        reasons.append("asks" + (" about " + ", ".join(_quote(t) for t in asked_about) if asked_about else ""))
    elif (patients or cue("history") or any(h[4] == "diagnosed" for h in conditions)) and (
            conditions or (named and cue("use"))):
        category = "phi"
        reasons.append("health information: " + ", ".join(_quote(h[4]) for h in conditions[:3]) if conditions
                       else "health information: someone takes the product")
    else:
        category = "other"
        if told:
            doubts.append("an event without a product or a patient")
        if complaints:
            doubts.append("a complaint word without a product")
    if category == "ae" and complaints:
        reasons.append("also a complaint: " + ", ".join(_quote(h[4]) for h in complaints[:3]))
    if category == "other" and patients and not denied and (
            ((named or references) and cue("exp")) or ((named or strong_reference) and (cue("change") or cue("use")))):
        doubts.append("someone, the product and an experience or a change in one comment")
    if category == "other" and product_context and cue("onset") and not denied:
        doubts.append(f"something began with the medicine ({_quote(cue('onset')[0][4])})")
    if category == "other" and named and _unknown_language(folded):
        doubts.append("a product named in a language screening does not read")
    if too_long:
        doubts.append(f"longer than {MAX_CHARS} characters: only the start was screened")
    reasons += doubts

    elements = {s.element for s in spans if s.element in ("product", "patient")}
    if told:
        elements.add("event")
    if has_author:
        elements.add("reporter")
        reasons.append("reporter: the author")
    spans.sort(key=lambda s: (s.start, s.end, s.element, s.term))
    return Screening(category, category != "other" or bool(doubts), frozenset(elements), tuple(situations),
                     tuple(spans), tuple(dict.fromkeys(reasons)))


# Capitalised words after a relation that are no name ("my mom Said", "my son I think…").
_NOT_NAMES = frozenset(("i", "the", "and", "but", "she", "he", "it", "is", "was", "has", "had", "got", "took",
                        "just", "also", "who", "said", "says", "too"))


def _unknown_language(folded: str) -> bool:
    """Whether the text is in a language screening does not read: mostly letters outside Latin, or few of the
    frequent words of English, Spanish, French and German (W.KNOWN_LANGUAGE)."""
    letters = [c for c in folded if c.isalpha()]
    if not letters:
        return False
    if sum(1 for c in letters if not c.isascii()) * 3 > len(letters):
        return True
    words = _WORD.findall(folded)
    if len(words) < 3:
        return False
    return sum(1 for w in words if w in W.KNOWN_LANGUAGE) * 5 < len(words)
