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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from socialpub.rules import text as T
from socialpub.safety import words as W

CATEGORIES = ("ae", "complaint", "inquiry", "phi", "other")
ELEMENTS = ("product", "event", "patient", "reporter")
SITUATIONS = tuple(W.SITUATIONS)
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
    reasons: tuple[str, ...]  # short words a triager reads ("event 'dizzy' + patient 'my husband'")


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
    return re.sub(r"[\-\u2010\u2011\u2013]", "-", " ".join(found.split())).replace("\u2019", "'")


# --- the lexicon -------------------------------------------------------------------------------------------


class _Scan:
    """Several word lists matched by one pattern: each term keyed to the roles it has ("event", "hyp"…)."""

    __slots__ = ("roles", "wildcards", "pattern")

    def __init__(self, entries: Iterable[tuple[str, str]]) -> None:
        self.roles: dict[str, dict[str, str]] = {}  # folded term -> role -> the term as listed
        self.wildcards: list[tuple[str, dict[str, str]]] = []
        for role, term in entries:
            folded = _key(fold(T.normalised(term.strip())))
            if not folded.rstrip("*").strip():
                continue
            self.roles.setdefault(folded, {}).setdefault(role, term.strip())
        for folded, roles in self.roles.items():
            if folded.endswith("*"):
                self.wildcards.append((folded.rstrip("*").strip(), roles))
        self.wildcards.sort(key=lambda w: -len(w[0]))
        self.pattern = T.word_pattern(tuple(sorted(self.roles)))

    def find(self, folded: str) -> list[tuple[int, int, dict[str, str]]]:
        found = []
        for m in self.pattern.finditer(folded):
            key = _key(m.group())
            roles = self.roles.get(key)
            if roles is None:
                roles = next((r for prefix, r in self.wildcards if key.startswith(prefix)), None)
            if roles is not None and m.end() > m.start():
                found.append((m.start(), m.end(), roles))
        return found


def _product_entries(products: Mapping[str, Any]) -> tuple[list[tuple[str, str]], dict[str, tuple[str, str]]]:
    """("product:KEY", name) for every name of every product (brand, established name, aliases), with their
    plurals and possessives; and the names of six letters or more, folded, for near spellings."""
    entries: list[tuple[str, str]] = []
    near: dict[str, tuple[str, str]] = {}
    for key, product in sorted(products.items()):
        if isinstance(product, str):
            names: list[str] = [product]
        elif isinstance(product, Mapping):
            names = [product.get("brand", ""), product.get("established", ""), *product.get("aliases", ())]
        else:
            names = [getattr(product, "brand", ""), getattr(product, "established", ""),
                     *getattr(product, "aliases", ())]
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


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1:] for i in range(len(word))}


@dataclass(frozen=True, slots=True)
class Lexicon:
    """The compiled word lists: the product names of the configuration, the shipped lists and the extra words
    of `[safety]`. Build it once (`lexicon()`) and screen many comments with it."""

    content: _Scan  # products, events, situations, complaints, conditions, other products, references
    people: _Scan  # the patient
    cues: _Scan  # negations, questions, hypotheticals, experience, jokes
    near: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # folded name -> (key, name)
    near_index: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # a deletion -> folded names


def lexicon(products: Mapping[str, Any] = {}, *, event_words: Iterable[str] = (),  # noqa: B006 (read only)
            situation_words: Mapping[str, Iterable[str]] = {}) -> Lexicon:  # noqa: B006
    """The lexicon for these products (`Config.products`: objects or tables with brand, established and
    aliases) and the extra words of `[safety]`. An unknown situation name is an error (ValueError)."""
    unknown = sorted(set(situation_words) - set(W.SITUATIONS))
    if unknown:
        raise ValueError(f"unknown situation {unknown[0]!r}: the situations are {', '.join(SITUATIONS)}")
    product_entries, near = _product_entries(products)
    content = [*product_entries]
    content += [("event", t) for t in (*W.EVENT, *event_words)]
    for name, terms in W.SITUATIONS.items():
        content += [(f"situation:{name}", t) for t in (*terms, *situation_words.get(name, ()))]
    for product in products.values():  # what a product is used for off its label is an off-label use
        content += [("situation:off_label", t) for t in getattr(product, "offlabel_terms", ())]
    content += [("complaint", t) for t in W.COMPLAINT]
    content += [("condition", t) for t in W.CONDITION]
    content += [("other_product", t) for t in W.OTHER_PRODUCTS]
    content += [("reference", t) for t in W.PRODUCT_REFERENCE]
    people = [("self", t) for t in W.PATIENT_SELF]
    people += [(f"relation:{r}", f"{o} {r}") for o in W.OWNERS for r in W.RELATIONS]
    people += [(f"relation:{t}", t) for t in W.SITUATIONS["child_exposure"] if " " in t]
    people += [("child", t) for t in W.SITUATIONS["child_exposure"]]
    people += [("pronoun", t) for t in W.PRONOUNS]
    cues = [("neg", t) for t in W.NEGATION] + [("neg_after", t) for t in W.NEGATION_AFTER]
    cues += [("break", t) for t in W.CLAUSE_BREAK] + [("hyp", t) for t in W.HYPOTHETICAL]
    cues += [("exp", t) for t in W.EXPERIENCE] + [("medq", t) for t in W.MEDICAL_QUESTION]
    cues += [("joke", t) for t in W.JOKE] + [("not_medicine", t) for t in W.NOT_A_MEDICINE]
    cues += [("use", t) for t in W.USE] + [("exposure", t) for t in W.EXPOSURE]
    cues += [("neutral", t) for t in W.NOT_NEGATION]
    index: dict[str, list[str]] = {}
    for name in near:
        for variant in {name} | _deletions(name):
            index.setdefault(variant, []).append(name)
    return Lexicon(_Scan(content), _Scan(people), _Scan(cues), near,
                   {k: tuple(sorted(v)) for k, v in index.items()})


# --- screening -----------------------------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"[.!?\n\u2026]+")
_CLAUSE_END = re.compile(r"[,;:()\"\u201c\u201d]|\s[-\u2013\u2014]\s")
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_CHILD_AGE = re.compile(r"(?<!\w)(\d{1,2})\s*-?\s*(year|yr|month|mo|week|wk)s?\s*-?\s*olds?(?!\w)")
_NAME = re.compile(r"\s+([A-Z][a-z]{1,20})\b")


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


def _near_products(folded: str, lex: Lexicon, taken: list[tuple[int, int]]) -> list[tuple[int, int, str, str]]:
    """Words one edit (two for names of nine letters or more) from a product name: (start, end, key, name)."""
    found = []
    for m in _WORD.finditer(folded):
        word = m.group().removesuffix("'s")
        if len(word) < 5 or any(s <= m.start() < e for s, e in taken):
            continue
        candidates = {n for variant in {word} | _deletions(word) for n in lex.near_index.get(variant, ())}
        for name in sorted(candidates):
            if word != name and _edit_distance(word, name) <= (1 if len(name) < 9 else 2):
                key, listed = lex.near[name]
                found.append((m.start(), m.start() + len(word), key, listed))
                break
    return found


class _Text:
    """The sentences and clauses of the folded text, for the questions asked about each event."""

    def __init__(self, folded: str) -> None:
        self.folded = folded
        self.sentence_ends = [m.start() for m in _SENTENCE_END.finditer(folded)]

    def sentence(self, at: int) -> tuple[int, int, bool]:
        """(start, end, whether it is a question) of the sentence around `at`."""
        start, end = 0, len(self.folded)
        for e in self.sentence_ends:
            if e < at:
                start = e + 1
            else:
                end = e
                break
        tail = _SENTENCE_END.match(self.folded, end)
        question = (tail is not None and "?" in tail.group()) or _OPENING.match(self.folded, start) is not None
        return start, end, question


# A sentence that opens with a question word and a subject asks, with or without its question mark.
_OPENING = re.compile(r"\s*(?:" + "|".join(map(re.escape, W.QUESTION_OPENERS)) + r")\s+(?:it|i|you|this|that|these|"
                      r"anyone|anybody|they|he|she|we|there|my|the|your|ur|u)\b")


def _quote(term: str) -> str:
    return "'" + term.replace("'", "\u2019") + "'"


def screen(text: str, lexicon: Lexicon, *, post_products: Iterable[str] = (), has_author: bool = True) -> Screening:
    """Screen one comment. `post_products`: the product keys of the post it answers ("this drug" then names
    one of them); `has_author`: the platform gave the comment's author (the reporter)."""
    lex = lexicon
    post_keys = tuple(sorted(set(post_products)))
    too_long = len(text) > MAX_CHARS
    original = text[:MAX_CHARS] if too_long else text
    view = T.view(original)
    read = view.text if view is not None else original
    folded = fold(read)

    def where(start: int, end: int) -> tuple[int, int]:
        return view.span(start, end) if view is not None else (start, end)

    content = lex.content.find(folded)
    people = lex.people.find(folded)
    cues = lex.cues.find(folded)
    sentences = _Text(folded)
    reasons: list[str] = []
    doubts: list[str] = []

    # Clause breaks: punctuation, and words such as "but" and "except".
    breaks = sorted({m.start() for m in _CLAUSE_END.finditer(folded)}
                    | {s for s, _, roles in cues if "break" in roles})

    def cue_spans(role: str) -> list[tuple[int, int, str]]:
        return [(s, e, roles[role]) for s, e, roles in cues if role in roles]

    # A negation inside a listed phrase ("won't open", "didn't work", "can't sleep") denies nothing after it.
    inside = [(s, e) for s, e, _ in content]
    negations = [n for n in cue_spans("neg") if not any(s <= n[0] < e for s, e in inside)]
    after_negations = cue_spans("neg_after")
    hypotheticals = cue_spans("hyp")
    experiences = cue_spans("exp")

    def clause_start(at: int, floor: int) -> int:
        return max([b for b in breaks if floor <= b < at], default=floor)

    def negated(start: int, end: int) -> bool:
        s_start, s_end, _ = sentences.sentence(start)
        lo = clause_start(start, s_start)
        if any(lo <= ns and ne <= start and start - ne <= 40 for ns, ne, _ in negations):
            return True
        # "side effects: none", "side effects? none so far"
        window = folded[end:end + 25]
        cut = re.search(r"[.!\n,;]|\bbut\b", window)
        limit = end + (cut.start() if cut else len(window))
        return any(end <= ns < limit for ns, _, _ in after_negations)

    def asked(start: int) -> bool:
        s_start, s_end, question = sentences.sentence(start)
        before = [(cs, "hyp") for cs, ce, _ in hypotheticals if s_start <= cs and ce <= start]
        before += [(cs, "exp") for cs, ce, _ in experiences if s_start <= cs and ce <= start]
        if before:
            return max(before)[1] == "hyp"
        if question:
            return not any(s_start <= cs < s_end for cs, _, _ in experiences)
        return False

    # Products: named ones, near spellings, and references to the post's product.
    spans: list[Span] = []
    named: list[tuple[int, int, str, str]] = []  # (start, end, key, name)
    references: list[tuple[int, int, str]] = []
    taken = [(s, e) for s, e, _ in content]
    for s, e, roles in content:
        for role, term in roles.items():
            if role.startswith("product:"):
                named.append((s, e, role.split(":", 1)[1], term))
            elif role == "reference" and post_keys:
                references.append((s, e, term))
    near = _near_products(folded, lex, taken) if lex.near else []
    named += near
    for s, e, key, name in named:
        spans.append(Span("product", *where(s, e), name, key))
    for s, e, term in references:
        spans.append(Span("product", *where(s, e), term, ",".join(post_keys)))
    if named:
        names = sorted({name for _, _, _, name in named})
        reasons.append("product " + ", ".join(_quote(n) for n in names)
                       + (" (a near spelling)" if near else ""))
    elif references:
        reasons.append(f"product {_quote(references[0][2])} on a post about {', '.join(post_keys)}")
    strong_reference = [r for r in references if r[2] != "it"]
    product_context = bool(named or post_keys)

    # Who: the writer, a relation, a pronoun after a relation, a child.
    patients: list[tuple[int, int, str, str]] = []
    relation_seen = False
    children: list[tuple[int, int, str]] = []
    for s, e, roles in people:
        if "child" in roles:
            children.append((s, e, roles["child"]))
        relation = next((r for r in roles if r.startswith("relation:")), None)
        if relation is not None:
            relation_seen = True
            term = roles[relation]
            label = ""
            name = _NAME.match(read, e)
            if name is not None and name.group(1).lower() not in _NOT_NAMES:
                e, label = name.end(), "named person"
            patients.append((s, e, term, label))
        elif "self" in roles:
            patients.append((s, e, roles["self"], ""))
        elif "pronoun" in roles and relation_seen:
            patients.append((s, e, roles["pronoun"], "after a relation"))
        elif "child" in roles:
            patients.append((s, e, roles["child"], ""))
    for m in _CHILD_AGE.finditer(folded):
        if int(m.group(1)) < 13 or m.group(2) not in ("year", "yr"):
            children.append((m.start(), m.end(), "year old"))
            patients.append((m.start(), m.end(), "year old", "child"))
    for s, e, term, label in patients:
        spans.append(Span("patient", *where(s, e), term, label))

    # Events and special situations: told, asked about, denied, or about the ad.
    jokes = cue_spans("joke")
    not_medicine = cue_spans("not_medicine")
    others = [(s, e, roles["other_product"]) for s, e, roles in content if "other_product" in roles]
    told: list[tuple[int, int, str]] = []
    situations: list[str] = []
    asked_about: list[str] = []
    denied: list[tuple[int, int]] = []
    for s, e, roles in content:
        for role, term in roles.items():
            if role != "event" and not role.startswith("situation:"):
                continue
            situation = role.split(":", 1)[1] if ":" in role else ""
            if situation == "child_exposure":
                continue  # decided below, from the child and what happened
            if situation != "lack_of_effect" and negated(s, e):
                reasons.append(f"denied {_quote(term)}")
                denied.append((s, e))
                continue
            if asked(s):
                spans.append(Span("situation" if situation else "event", *where(s, e), term, "asked"))
                asked_about.append(term)
                continue
            s_start, s_end, _ = sentences.sentence(s)
            if (not named and not strong_reference
                    and any(s_start <= ns < s_end for ns, _, _ in not_medicine)):
                spans.append(Span("event", *where(s, e), term, "joke"))
                about = next(t for ns, _, t in not_medicine if s_start <= ns < s_end)
                if jokes:
                    reasons.append(f"a joke about {_quote(about)}: {_quote(term)} ({_quote(jokes[0][2])})")
                else:
                    doubts.append(f"{_quote(term)} said of {_quote(about)}, not of a medicine")
                continue
            if not named and not strong_reference and any(s_start <= os < s_end for os, _, _ in others):
                other = next(t for os, _, t in others if s_start <= os < s_end)
                spans.append(Span("event", *where(s, e), term, "other product"))
                doubts.append(f"{_quote(term)} with another product, {_quote(other)}")
                continue
            if situation:
                spans.append(Span("situation", *where(s, e), term, situation))
                if situation not in situations:
                    situations.append(situation)
            else:
                spans.append(Span("event", *where(s, e), term, ""))
            told.append((s, e, term))
    if children and product_context:
        exposed = any("exposure" in roles for _, _, roles in cues) or told
        if exposed and not all(negated(s, e) for s, e, _ in children):
            s, e, term = children[0]
            spans.append(Span("situation", *where(s, e), term, "child_exposure"))
            situations.append("child_exposure")
            told.append((s, e, term))

    complaints = [(s, e, roles["complaint"]) for s, e, roles in content
                  if "complaint" in roles and not negated(s, e)]
    conditions = [(s, e, roles["condition"]) for s, e, roles in content
                  if "condition" in roles and not negated(s, e) and not asked(s)]

    # What kind of comment it is.
    is_question = "?" in folded or bool(hypotheticals) or any(
        sentences.sentence(at)[2] for at in [0, *(e + 1 for e in sentences.sentence_ends)] if at < len(folded))
    medical_question = is_question and bool(
        asked_about or named or strong_reference or (post_keys and references)
        or any(("medq" in roles or "hyp" in roles) and not any(ds <= s < de for ds, de in denied)
               for s, _, roles in cues))
    patient_terms = [t for _, _, t, _ in patients]
    event_words = [t for _, _, t in told]
    if told:
        who = f" + patient {_quote(patient_terms[0])}" if patient_terms else ""
        what = ", ".join(_quote(t) for t in dict.fromkeys(event_words))
        reasons.append(f"told {what}{who}" + (f"; situations: {', '.join(situations)}" if situations else ""))
    if told and product_context:
        category = "ae"
    elif told and patients:
        category = "phi"
        reasons.append("no product named or referred to")
    elif complaints and (product_context or references):
        category = "complaint"
        reasons.append("complaint " + ", ".join(_quote(t) for _, _, t in complaints[:3]))
    elif medical_question:
        category = "inquiry"
        reasons.append("asks" + (" about " + ", ".join(_quote(t) for t in asked_about) if asked_about else ""))
    elif patients and (conditions or (named and any("use" in roles for _, _, roles in cues))):
        category = "phi"
        reasons.append("health information: " + ", ".join(_quote(t) for _, _, t in conditions[:3]) if conditions
                       else "health information: someone takes the product")
    else:
        category = "other"
        if told:
            doubts.append("an event without a product or a patient")
        if complaints:
            doubts.append("a complaint word without a product")
    if category == "ae" and complaints:
        reasons.append("also a complaint: " + ", ".join(_quote(t) for _, _, t in complaints[:3]))
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


_NOT_NAMES = frozenset(("i", "the", "and", "but", "she", "he", "it", "is", "was", "has", "had", "got", "took",
                        "just", "also", "who", "said", "says", "too", "got", "took"))


def _unknown_language(folded: str) -> bool:
    """Whether the text is in a language screening does not read: mostly letters outside Latin, or few of the
    frequent words of English, Spanish, French and German."""
    letters = [c for c in folded if c.isalpha()]
    if not letters:
        return False
    if sum(1 for c in letters if not c.isascii()) * 3 > len(letters):
        return True
    words = _WORD.findall(folded)
    if len(words) < 3:
        return False
    return sum(1 for w in words if w in W.KNOWN_LANGUAGE) * 5 < len(words)


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    """The shipped lists without products (for tools and tests)."""
    return lexicon()
