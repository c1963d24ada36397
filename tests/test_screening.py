"""Screening comments for potential adverse events (socialpub.safety.screening): a table of realistic comments
(tests/data/screening_cases.toml) with the class and the elements a triager would give them, and properties
that hold for any text."""

from __future__ import annotations

import tomllib
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from socialpub.config import Product
from socialpub.rules import text as T
from socialpub.safety import words as W
from socialpub.safety.screening import (
    _PHRASES,
    CATEGORIES,
    SITUATIONS,
    Screening,
    _edit_distance,
    _key,
    fold,
    lexicon,
    screen,
)

CASES = tomllib.loads((Path(__file__).parent / "data" / "screening_cases.toml").read_text(encoding="utf-8"))["case"]
PRODUCTS = {
    "zyntrava": {"brand": "Zyntrava", "established": "velotinib", "aliases": ["ZYN"]},
    "oncavix": Product(key="oncavix", brand="Oncavix", established="tivaranib"),
}
LEX = lexicon(PRODUCTS)


def _screen(case: dict) -> Screening:
    return screen(case["text"], LEX, post_products=case.get("post", ["zyntrava"]))


def _shown(case: dict, found: Screening) -> str:
    text = case["text"]
    return f"{text!r}: {found.category} {sorted(found.elements)} {found.situations} " \
        f"{[(s.element, text[s.start:s.end], s.label) for s in found.spans]} {found.reasons}"


@pytest.mark.parametrize("case", CASES, ids=[f"{i}-{c['category']}" for i, c in enumerate(CASES)])
def test_each_comment_of_the_table_is_classified_as_a_triager_would(case: dict) -> None:
    found = _screen(case)
    assert found.category == case["category"], _shown(case, found)
    assert found.elements == {*case["elements"], "reporter"}, _shown(case, found)
    assert set(found.situations) == set(case.get("situations", ())), _shown(case, found)
    if "needs_person" in case:
        assert found.needs_person is case["needs_person"], _shown(case, found)
    elif case["category"] != "other":
        assert found.needs_person, _shown(case, found)


def test_every_adverse_event_of_the_table_is_queued(capsys: pytest.CaptureFixture[str]) -> None:
    """Recall on adverse events is what matters: each AE of the table reaches a person. The figures (how many
    AEs, how many queued, the accuracy per class) are printed for the record (`pytest -s`)."""
    aes = [c for c in CASES if c["category"] == "ae"]
    missed = [c["text"] for c in aes if not _screen(c).needs_person]
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for case in CASES:
        total[case["category"]] += 1
        right[case["category"]] += _screen(case).category == case["category"]
    with capsys.disabled():
        print(f"\nscreening table: {len(aes) - len(missed)} of {len(aes)} adverse events queued; accuracy "
              + ", ".join(f"{c} {right[c]}/{total[c]}" for c in CATEGORIES if total[c]))
    assert len(aes) >= 60 and missed == []
    assert len(CASES) >= 150


# --- properties that hold for any text ----------------------------------------------------------------------


# Words screening knows, and what hides or garbles them: invisible characters, look-alike letters, accents,
# marks, emoji, punctuation, newlines.
KNOWN = sorted({*W.EVENT[:80], *W.NEGATION[:30], *W.HYPOTHETICAL[:30], *W.EXPERIENCE[:30], *W.PATIENT_SELF,
                *W.PRODUCT_REFERENCE[:20], "Zyntrava", "velotinib", "ZYN", "zintrava", "my mom", "she",
                "pregnant", "took two by mistake", "didn't work", "lol", "this ad", "Advil", "?", "!", ".", ","})
NOISE = st.sampled_from(["\u200b", "\u00ad", "\u202e", "\u0430", "\u0435", "\u0455", "\u0301", "\u0336", "😂",
                         "🤕", "\n", "  ", "’", "-", "#", "@", "é", "ß", "İ", "ı", "ſ", "K", "ﬁ", "ｈ", "\t"])
TEXT = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(st.sampled_from(KNOWN), NOISE, st.text(max_size=6)), max_size=40).map(" ".join),
    st.lists(st.one_of(st.sampled_from(KNOWN), NOISE), max_size=40).map("".join),
)
POSTS = st.sampled_from([(), ("zyntrava",), ("zyntrava", "oncavix"), ("unknown-key",)])
PROPERTY = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _matches_term(span, text: str) -> bool:
    """Whether the span's text, read as screening reads it, is the term it names."""
    read = _key(fold(T.normalised(text[span.start:span.end])))
    term = _key(fold(T.normalised(span.term)))
    if read in (term, term + "s", term + "es"):  # a listed term, or its plural
        return True
    if term.endswith("*"):  # a configured word with any ending
        return read.startswith(term.rstrip("*").strip())
    if span.element == "product" and span.label in PRODUCTS:  # a plural, a possessive or a near spelling
        return read in (term + "s", term + "'s", term + "es") or _edit_distance(read, term) <= 2
    if span.label == "named person":  # "my friend Anna"
        return read.startswith(term)
    if span.label == "child":  # "3 year old", "8 yrs old", "4yo"
        return read.replace("/", "").endswith(term.split()[-1])
    if span.label == "lack_of_effect" and " … " in span.term:  # "doesn't really work"
        first, last = span.term.split(" … ")
        return first in read and read.endswith(last)
    return False


@PROPERTY
@given(TEXT, POSTS, st.booleans())
@example("Z\u200byntrava gave me a r\u0430sh", ("zyntrava",), True)
@example("İ" * 50 + " headache", (), True)
@example("", (), False)
@example("0YO my 4 y/o", ("zyntrava",), True)
def test_screening_never_fails_and_its_evidence_points_into_the_text(text: str, posts: tuple, author: bool) -> None:
    found = screen(text, LEX, post_products=posts, has_author=author)
    assert found.category in CATEGORIES
    assert found.elements <= {"product", "event", "patient", "reporter"}
    assert ("reporter" in found.elements) is author
    assert set(found.situations) <= set(SITUATIONS) and len(set(found.situations)) == len(found.situations)
    assert found.needs_person or found.category == "other"
    assert list(found.spans) == sorted(found.spans, key=lambda s: (s.start, s.end, s.element, s.term))
    for span in found.spans:
        assert 0 <= span.start < span.end <= len(text), span
        assert span.element in ("product", "event", "patient", "situation")
        assert _matches_term(span, text), (span, text[span.start:span.end])


@PROPERTY
@given(TEXT, POSTS)
def test_screening_is_deterministic(text: str, posts: tuple) -> None:
    once = screen(text, LEX, post_products=posts)
    assert screen(text, LEX, post_products=posts) == once
    assert screen(text, lexicon(PRODUCTS), post_products=tuple(reversed(posts))) == once


AES = [c for c in CASES if c["category"] == "ae"]
FILLER = st.sampled_from(["honestly", "today", "really", "seriously", "anyway", "btw", "tbh", "guys", "literally",
                          "😅", "#health", "🙏", "the weather was nice", "at work", "on Monday", "again"])
SENTENCE = st.sampled_from(["Hello everyone.", "Long story short.", "Thanks for posting this.", "Ugh.",
                            "Just saying.", "Have a nice day!", "Love your page.", "Posting from my phone."])


@PROPERTY
@given(st.sampled_from(AES), st.lists(st.tuples(st.integers(0, 10_000), FILLER), max_size=4),
       st.lists(SENTENCE, max_size=2), st.lists(SENTENCE, max_size=2))
def test_unrelated_words_do_not_make_an_adverse_event_other(case: dict, fillers: list, before: list,
                                                           after: list) -> None:
    """Words and sentences about something else, put before, after or between the words of an AE (outside the
    phrases that are its evidence, and the phrases that say how it is told: "shot up", "anyone else"), leave it
    an AE or another class a person must see."""
    text = case["text"]
    phrases = [(s.start, s.end) for s in screen(text, LEX, post_products=case.get("post", ["zyntrava"])).spans]
    if T.view(text) is None:  # (offsets of the folded text are the text's own)
        phrases += [(h[0], h[1]) for hits in LEX.cues.find(fold(text)).values() for h in hits]
    spaces = [i for i, c in enumerate(text) if c == " " and not any(s < i < e for s, e in phrases)]
    if spaces:
        for at, word in sorted(((spaces[where % len(spaces)], word) for where, word in fillers), reverse=True):
            text = f"{text[:at]} {word}{text[at:]}"
    text = " ".join([*before, text, *after])
    found = screen(text, LEX, post_products=case.get("post", ["zyntrava"]))
    assert found.needs_person and found.category != "other", (text, found)


def test_a_configured_word_extends_the_lists_and_an_unknown_situation_is_refused() -> None:
    text = "zyntrava gave me the zoomies"
    assert screen(text, LEX, post_products=["zyntrava"]).category == "other"
    more = lexicon(PRODUCTS, event_words=["zoomies"], situation_words={"misuse": ["zoom party"]})
    assert screen(text, more, post_products=["zyntrava"]).category == "ae"
    assert screen("we had a zoom party with it", more, post_products=["zyntrava"]).situations == ("misuse",)
    with pytest.raises(ValueError, match="unknown situation 'pregnant'"):
        lexicon(PRODUCTS, situation_words={"pregnant": ["x"]})


def test_without_an_author_there_is_no_reporter_and_comment_text_stays_out_of_the_reasons() -> None:
    text = "My friend Anna got a horrible rash from zyntrava, call me at 555-0100"
    found = screen(text, LEX, post_products=["zyntrava"], has_author=False)
    assert found.category == "ae" and "reporter" not in found.elements
    assert not any(word in reason for reason in found.reasons for word in ("Anna", "555", "horrible", "call"))
    assert [s.label for s in found.spans if s.element == "patient"] == ["named person", ""]


def test_a_very_long_comment_is_screened_on_its_start_and_queued() -> None:
    found = screen("lovely " * 5000 + "headache", LEX, post_products=["zyntrava"])
    assert found.needs_person and found.category == "other"


def _group(source: str, name: str) -> list[str]:
    """The alternatives of the named group `(?P<name>…)` of a pattern's source."""
    start = source.index(f"(?P<{name}>") + len(f"(?P<{name}>")
    depth, at, parts, part = 0, start, [], ""
    while depth or source[at] != ")":
        char = source[at]
        depth += char == "(" and source[at - 1] != "\\"
        depth -= char == ")" and source[at - 1] != "\\"
        if char == "|" and not depth:
            parts.append(part)
            part = ""
        else:
            part += char
        at += 1
    return [*parts, part]


def test_every_phrase_pattern_is_tried_whenever_it_could_match() -> None:
    """A phrase pattern runs only when the text holds one of its anchor words: every way of writing one of its
    two parts must hold an anchor, or a comment would skip the pattern that describes it."""
    for role, anchors, pattern in _PHRASES:
        source = pattern.pattern
        covered = [all(any(anchor in alternative for anchor in anchors) for alternative in _group(source, name))
                   for name in ("a", "b") if f"(?P<{name}>" in source]
        assert any(covered), (role, anchors, source[:80])


def test_a_configured_word_with_a_star_matches_any_ending() -> None:
    more = lexicon(PRODUCTS, event_words=["zoom*"])
    found = screen("zyntrava gave me the zoomies", more, post_products=["zyntrava"])
    assert found.category == "ae" and [s.term for s in found.spans if s.element == "event"] == ["zoom*"]


@PROPERTY
@given(st.sampled_from(CASES), st.lists(st.tuples(st.integers(0, 10_000), st.sampled_from(
    ["Qzanna", "qzbrutal", "qzxyrash", "Qzmedica", "qz9981", "QZNAUSEA"])), min_size=1, max_size=3), POSTS)
def test_no_word_of_the_comment_outside_the_lists_reaches_the_reasons_or_terms(case: dict, canaries: list,
                                                                               posts: tuple) -> None:
    """Reasons, terms and labels may be stored and shown where comment text must not go: they hold words of
    the lists and the configuration only, never a word the commenter wrote (a name, a number, a new word)."""
    text = case["text"]
    for where, word in sorted(canaries, reverse=True):
        at = where % (len(text) + 1)
        text = f"{text[:at]} {word} {text[at:]}"
    for glued in (text, text.replace(" Qzanna", " my friend Qzanna")):
        found = screen(glued, LEX, post_products=posts)
        said = " ".join([*found.reasons, *(f"{s.term} {s.label}" for s in found.spans)]).lower()
        assert "qz" not in said, (glued, said)


def test_a_products_serious_risks_are_events_and_its_off_label_terms_off_label_use() -> None:
    product = Product(key="oncavix", brand="ONCAVIX", established="tivaranib",
                      offlabel_terms=("early-stage",), serious_risk_terms=("pneumonitis",))
    lex = lexicon({"oncavix": product})
    found = screen("my aunt got pneumonitis on ONCAVIX", lex, post_products=["oncavix"])
    assert found.category == "ae" and [s.term for s in found.spans if s.element == "event"] == ["pneumonitis"]
    found = screen("my doctor gave me oncavix for early-stage disease", lex, post_products=["oncavix"])
    assert found.situations == ("off_label",)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])  # a lexicon: 0.3 s each
@given(st.lists(st.one_of(st.text(max_size=12), NOISE, st.sampled_from(["(", "a+b", "ÉTOURDI*", "*", " ", "it"])),
                max_size=6),
       st.dictionaries(st.sampled_from(SITUATIONS), st.lists(st.text(max_size=10), max_size=3), max_size=3),
       st.dictionaries(st.text(max_size=8), st.one_of(st.text(max_size=12), st.fixed_dictionaries(
           {"brand": st.text(max_size=12), "established": st.text(max_size=12)})), max_size=3),
       TEXT)
def test_any_configured_words_and_products_make_a_lexicon_that_screens(events: list, situations: dict,
                                                                      products: dict, text: str) -> None:
    """Words from `[safety]` and product names are whatever a configuration holds: regex characters, stars,
    invisible characters, empty strings. The lexicon is built and screens without failing."""
    lex = lexicon(products, event_words=events, situation_words=situations)
    found = screen(text, lex, post_products=tuple(products)[:1])
    assert found.category in CATEGORIES
    assert all(0 <= s.start < s.end <= len(text) for s in found.spans)
