"""Screening comments for potential adverse events (socialpub.safety.screening): a table of realistic comments
(tests/data/screening_cases.toml) with the class and the elements a triager would give them, and properties
that hold for any text."""

from __future__ import annotations

import tomllib
from collections import Counter
from pathlib import Path

import pytest

from socialpub.config import Product
from socialpub.safety.screening import CATEGORIES, Screening, fold, lexicon, screen

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

from hypothesis import HealthCheck, example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from socialpub.rules import text as T  # noqa: E402
from socialpub.safety import words as W  # noqa: E402
from socialpub.safety.screening import SITUATIONS, _edit_distance, _key  # noqa: E402

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
    if span.element == "product" and span.label in PRODUCTS:  # a plural, a possessive or a near spelling
        return read in (term + "s", term + "'s", term + "es") or _edit_distance(read, term) <= 2
    if span.label == "named person" or span.label == "child":  # "my friend Anna", "3 year old"
        return read.startswith(term) or read.endswith(term)
    if span.label == "lack_of_effect" and " … " in span.term:  # "doesn't really work"
        first, last = span.term.split(" … ")
        return first in read and read.endswith(last)
    return False


@PROPERTY
@given(TEXT, POSTS, st.booleans())
@example("Z\u200byntrava gave me a r\u0430sh", ("zyntrava",), True)
@example("İ" * 50 + " headache", (), True)
@example("", (), False)
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
    phrases that are its evidence), leave it queued as something a person must see."""
    text = case["text"]
    spans = screen(text, LEX, post_products=case.get("post", ["zyntrava"])).spans
    spaces = [i for i, c in enumerate(text) if c == " " and not any(s.start < i < s.end for s in spans)]
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
