"""The rules' speed-ups change no finding.

- `T.Matcher`, the one pre-checked matcher of every word list, finds exactly what the list's whole pattern
  finds (search, finditer, sub, blank, with pos/endpos, and on texts derived by blanking);
- the facts its pre-check relies on hold (only four characters fold to ASCII differently under
  `re.IGNORECASE` and `str.lower`; the fast word, URL and digit helpers equal the plain ones);
- every rule reads its word lists through that matcher (no second pre-check mechanism);
- a rule's `when` precondition is false only where the rule finds nothing.
"""

from __future__ import annotations

import dataclasses
import random
import re
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from socialpub.config import load_config
from socialpub.rules import balance, engine, registry
from socialpub.rules import text as T
from socialpub.rules.lexicon import BUILTIN
from tests.helpers import Repo, check_text, toml_value
from tests.test_text import whole_text_spans

RULES = registry()  # the catalogue (socialpub.rules loads it on first call)

# Lists with every shape of term: wildcards, hashtags, terms without a word, non-ASCII words, quotes, dashes.
ODD_TERMS = (
    "prolong*", "outperform*", "head-to-head*", "vs.*", "#1", "#ONCAVIX", "100%", "!!", "vs.", "[ad]", "ad:",
    "Zöltris", "ſafe", "İstanbul", "don't", "no side effects", "ONCAVIX", "hr+/her2-", "K9", "x_y", "café",
    "best-in-class", "works for everyone", "é",
)
LISTS = [*(BUILTIN[name] for name in sorted(BUILTIN)), BUILTIN["comparative"] + BUILTIN["comparative_needs_context"],
         ODD_TERMS, BUILTIN["hype"] + ODD_TERMS]
# The characters that IGNORECASE and lower() read differently, and look-alikes of the lists' punctuation.
NOISE = [" ", "  ", "\n", "\t", "\u2003", ".", ",", "!", "?", ":", ";", "(", ")", "-", "‐", "‑", "–", "'", "’", "#",
         "@", "/", "_", "%", "+", "1", "12", "2014", "ſ", "K", "İ", "ı", "é", "ß", "🎗️", "x", "ed", "s",
         "https://www.cure.example/best", "www.", ".com", "e.g.", "U.S.", "no cure for", "not proven"]


def _cased(word: str, how: int) -> str:
    return (word, word.upper(), word.title(), word.swapcase())[how]


@st.composite
def texts_of(draw: Any, terms: tuple[str, ...]) -> str:
    """Texts made of a list's terms and their words (in any case, glued to noise or not) and noise."""
    words = sorted({w for t in terms for w in re.findall(r"\w+|\W", t.rstrip("*"))})
    piece = st.one_of(
        st.sampled_from([t.rstrip("*") for t in terms if t.strip()]),
        st.sampled_from(words or ["x"]),
        st.sampled_from(NOISE),
    )
    parts = draw(st.lists(st.tuples(piece, st.integers(0, 3)), max_size=24))
    return "".join(_cased(p, how) for p, how in parts)


@st.composite
def list_and_text(draw: Any) -> tuple[tuple[str, ...], str]:
    terms = draw(st.sampled_from(LISTS))
    return terms, draw(texts_of(terms))


def _spans(matches: Any) -> list[tuple[int, int]]:
    return [m.span() for m in matches]


def _star(m: re.Match[str]) -> str:
    return "*" * len(m.group(0))


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(list_and_text(), st.integers(0, 40), st.integers(0, 60))
def test_matcher_finds_what_the_whole_pattern_finds(case: tuple[tuple[str, ...], str], pos: int, end: int) -> None:
    terms, text = case
    matcher, whole = T.matcher(terms), T.word_pattern(terms)
    assert _spans(matcher.finditer(text)) == _spans(whole.finditer(text))
    assert matcher.sub(_star, text) == whole.sub(_star, text)
    assert matcher.blank(text) == T.blank(text, whole) == T.blank(text, matcher)
    got, want = matcher.search(text, pos, end), whole.search(text, pos, end)
    assert (got and got.span()) == (want and want.span())
    assert _spans(matcher.finditer(text, pos, end)) == _spans(whole.finditer(text, pos, end))
    if whole.search(text):  # the pre-check alone never says "nothing here" where something is
        words = T.words_of(text)
        assert matcher.may_match(text)
        assert matcher.may_match_words(words) and matcher.may_match_words(words, (text.lower(),))
        assert matcher.candidates(words) is not None
    # A text with parts blanked out, scanned with the words of the text it came from (as the rules do).
    exceptions = T.word_pattern(BUILTIN["absolute_exceptions"] + ("no cure for", "not proven"))
    blanked = T.blank(text, exceptions)
    assert _spans(matcher.finditer(blanked, words=T.words_of(text))) == _spans(whole.finditer(blanked))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(LISTS).flatmap(texts_of))
def test_lists_answer_each_matchers_pre_check(text: str) -> None:
    """`T.Lists` (every list's pre-check at once, per text) says what each list's own pre-check says."""
    lists = T.Lists()
    matchers = [T.matcher(terms) for terms in LISTS]
    for matcher in matchers:
        lists.add(matcher)
    facts = T.Facts(text)
    found = facts.matchable(lists)
    for matcher in matchers:
        assert (matcher in found) == matcher.may_match_words(facts.words, (facts.masked_lower,))


@pytest.mark.parametrize("name", sorted(BUILTIN))
def test_matcher_on_the_lexicon_itself(name: str) -> None:
    """Each list's own terms, in several cases and glued to neighbours, through its own matcher."""
    terms = BUILTIN[name]
    matcher, whole = T.matcher(terms), T.word_pattern(terms)
    text = " ".join(f"{_cased(t, i % 4)}{'.,!x'[i % 4]}" for i, t in enumerate(terms))
    for sample in (text, text.replace(" ", "\n"), text.replace("-", "–"), text.replace("'", "’"), text + " ſ"):
        assert _spans(matcher.finditer(sample)) == _spans(whole.finditer(sample))


def test_only_four_characters_fold_to_ascii_words_otherwise() -> None:
    """What `T.words_of` relies on: outside `_FOLD_UNSAFE`, lower() keeps every character one character and
    keeps whether it is a word character, and IGNORECASE matches an ASCII word character only with itself
    and its other case."""
    unsafe = set(T._FOLD_UNSAFE.pattern.strip("[]"))
    every = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF and chr(c) not in unsafe)
    lower = every.lower()
    assert len(lower) == len(every)
    assert re.sub(r"\W", "0", re.sub(r"\w", "1", every)) == re.sub(r"\W", "0", re.sub(r"\w", "1", lower))
    ascii_words = "abcdefghijklmnopqrstuvwxyz0123456789_"
    folding = {m.group(0) for m in re.finditer(f"[{ascii_words}]", every, re.IGNORECASE)}
    assert folding == set(ascii_words + ascii_words.upper())


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(NOISE + ["http://", "ftp://", "a", "b.c", "fda.gov/medwatch", ")", "bit.ly/x"]),
                max_size=30).map("".join))
def test_helpers_equal_the_plain_versions(text: str) -> None:
    assert T.tokens(text) == frozenset(re.findall(r"\w+", text.lower()))
    assert T.has_digit(text) == (re.search(r"\d", text) is not None)
    # URL_RE over the whole text, as url_spans did before scanning word by word
    assert T.url_spans(text) == whole_text_spans(text) == list(T.spans(text))
    masked = T.mask_urls(text)
    facts = engine.Field("text", text, None).facts  # what every rule reads of a field's text
    assert facts.masked == masked and facts.urls == tuple(T.find_urls(text))
    assert facts.masked_tokens == frozenset(re.findall(r"\w+", masked.lower()))
    assert facts.words == T.words_of(masked) and facts.value_words == T.words_of(text)
    assert facts.has_digit == (re.search(r"\d", masked) is not None)
    assert facts.lower == text.lower() and facts.masked_lower == masked.lower()


def test_one_matcher_for_every_word_list() -> None:
    """No rule module has a pre-check of its own (balance.py's Matcher is T's); every list a check reads is a
    T.Matcher."""
    from pathlib import Path

    from socialpub.check import run_check

    assert balance.Matcher is T.Matcher
    modules = {sys.modules[r.check.__module__] for r in RULES.values()} | {sys.modules["socialpub.rules.common"]}
    assert len(modules) > 10
    for module in modules:
        assert not hasattr(module, "_may_match") and not hasattr(module, "_key_word"), module.__name__
    config = load_config(Path(__file__).resolve().parent.parent / "channels.toml")
    run_check(config)
    cache = config.compliance.cache
    lists = [*cache.word_lists.values(), *cache.term_lists.values()]
    assert lists and all(isinstance(v, T.Matcher) for v in lists)
    kept = [getattr(cache, f.name) for f in dataclasses.fields(cache)]
    kept += [v for d in kept if isinstance(d, dict) for v in d.values()]
    assert not [v for v in kept if isinstance(v, re.Pattern)]


# --- `when` preconditions ---------------------------------------------------------------------------

_BITS = [*sorted({t for terms in BUILTIN.values() for t in terms}), "ONCAVIX", "tivaranib", "#ONCAVIX", "EXP-4172",
         "ZELTRIS", "zeltris.example", "metastatic breast cancer", "early-stage", "pneumonitis",
         "https://www.oncavix.example/risk", "https://bit.ly/x", "302-555-0147", "dana@gmail.com", "Meet Dana",
         "Hi Janet,", "Stay strong, Janet!", "John D.", "@someone", "I'm", "my mom", "MRN: 12345678",
         "DOB: 01/02/1960", "1-800-FDA-1089", "#ad", "#sp", "thanks AstraZeneca", "ſide effects", "Kure"]
_FILLER = ["the", "and", "our", "team", "today", "people", "#MBCStrength", "💪", "“quoted”", "—"]


def _body(rng: random.Random) -> str:
    out = []
    for _ in range(rng.randint(2, 30)):
        word = rng.choice(_BITS) if rng.random() < 0.3 else rng.choice(_FILLER)
        out.append(_cased(word, rng.randrange(4)) + rng.choice([" ", " ", ". ", ", ", "! ", "\n", " - "]))
    return "".join(out).strip()


def test_when_is_false_only_where_the_rule_finds_nothing(repo: Repo) -> None:
    rng = random.Random(20141013)
    kinds = ["branded", "unbranded_awareness", "corporate", "careers", "reply", "correction"]
    for i in range(40):
        channels = rng.sample(["tw", "fb", "yt", "pin"], rng.randint(1, 3))
        tables = '[pinterest]\nboard = "Internships and Students"\n' if "pin" in channels else ""
        if "tw" in channels and rng.random() < 0.4:
            replies = ", ".join(f'"{_body(rng)}"'.replace("\n", " ") for _ in range(2))
            tables += "[twitter]\nthread = [" + replies + "]\n"
        front: dict[str, Any] = {"channels": channels, "post_type": rng.choice(kinds)}
        if rng.random() < 0.3:
            front["sponsored"] = True
        if rng.random() < 0.3:
            front["in_reply_to_text"] = _body(rng)
        if rng.random() < 0.2:
            front["claims_refs"] = ["PI 14.1"]
        repo.post(_body(rng), name=f"p{i:02d}", tables=tables, **front)
    config = load_config(repo.root / "channels.toml")
    result = repo.check()
    assert len(result.reports) == 40
    skipped = 0
    for report in result.reports:
        post_ctx = engine.Context(report.post, config.compliance, None, report.at, None, report.all_renders)
        channel_ctxs = [engine.Context(report.post, config.compliance, r, report.at, None, report.all_renders)
                        for r in report.renders]
        for r in RULES.values():
            if r.when is None or r.body is None:
                continue
            for ctx in [post_ctx] if r.scope == "post" else channel_ctxs:
                if r.when(ctx):
                    continue
                skipped += 1
                try:
                    found = list(r.body(ctx))
                except AssertionError:  # the body asserts the structural part of its precondition
                    continue
                assert found == [], (r.id, report.post.id, ctx.channel)
    assert skipped > 100


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(LISTS).flatmap(texts_of))
def test_view_matches_kept_per_text_equal_a_fresh_scan(text: str) -> None:
    """`balance.View.find` keeps each field's matches with the text's facts (shared by every field of that
    text): what a second field of the same text gets is what scanning it finds, blanked or not."""
    exceptions = T.matcher(BUILTIN["absolute_exceptions"])
    claims, hype = T.matcher(BUILTIN["absolute_claims"]), T.matcher(BUILTIN["hype"])
    for source in (None, "another"):  # the same text in two contexts (its Source differs)
        f = engine.Field("text", text, source)  # type: ignore[arg-type]
        view = balance.View((f,), exceptions)
        masked = T.mask_urls(text)
        for matcher in (claims, hype):
            whole = T.word_pattern(matcher.terms)
            assert [(s, e) for _, s, e in view.find(matcher)] == _spans(whole.finditer(masked))
            blanked = T.blank(masked, T.word_pattern(exceptions.terms))
            assert [(s, e) for _, s, e in view.find(matcher, blanked=True)] == _spans(whole.finditer(blanked))
            assert all(g is f for g, _, _ in view.find(matcher))


# --- declared word lists: the engine skips a rule none of whose lists can match, and that changes nothing ---

# How a word hides from a plain scan while a reader still sees it: zero-width characters inside it, look-alike
# letters of another script (Cyrillic, Greek), fullwidth forms, a soft hyphen.
_CONFUSABLES = str.maketrans("aceopxyiAEOPCHKMTB", "асеорхуіАЕОРСНКМТВ")
_WIDE = {c: chr(ord(c) + 0xFEE0) for c in map(chr, range(0x21, 0x7F))}


def _disguised(word: str, how: int) -> str:
    if how == 0 or len(word) < 2:
        return word
    middle = len(word) // 2
    if how == 1:
        return word[:middle] + "\u200b" + word[middle:]
    if how == 2:
        return word.translate(_CONFUSABLES)
    if how == 3:
        return "".join(_WIDE.get(c, c) for c in word)
    return word[:middle] + "\u00ad" + word[middle:]


_PIECE = st.tuples(st.sampled_from(_BITS + _FILLER), st.integers(0, 3), st.integers(0, 5))
_SEPARATORS = [" ", " ", ". ", ", ", "! ", "\n", " - ", ": "]


@st.composite
def _texts(draw: Any, most: int = 24) -> str:
    pieces = draw(st.lists(st.tuples(_PIECE, st.sampled_from(_SEPARATORS)), min_size=1, max_size=most))
    return "".join(_disguised(_cased(word, case), how) + sep for (word, case, how), sep in pieces).strip()


@st.composite
def _posts(draw: Any) -> tuple[str, str, dict[str, Any]]:
    channels = draw(st.lists(st.sampled_from(["tw", "fb", "yt", "pin"]), min_size=1, max_size=3, unique=True))
    tables = '[pinterest]\nboard = "Internships and Students"\n' if "pin" in channels else ""
    if "tw" in channels and draw(st.booleans()):
        replies = draw(st.lists(_texts(8), min_size=1, max_size=2))
        tables += "[twitter]\nthread = [" + ", ".join(toml_value(r) for r in replies) + "]\n"
    front: dict[str, Any] = {
        "channels": channels,
        "post_type": draw(st.sampled_from(["branded", "unbranded_awareness", "corporate", "careers", "reply",
                                           "correction"])),
        "title": draw(st.one_of(st.none(), _texts(6))),
        "sponsored": draw(st.sampled_from([None, True])),
        "in_reply_to_text": draw(st.one_of(st.none(), _texts(10))),
        "claims_refs": draw(st.sampled_from([None, ["PI 14.1"]])),
        "consent_ref": draw(st.sampled_from([None, "CONSENT-2014-07"])),
        "author_type": draw(st.sampled_from([None, "employee", "influencer"])),
    }
    return draw(_texts()), tables, front


def _always(self: engine.Context, matcher: T.Matcher | frozenset[T.Matcher]) -> bool:
    return True


@settings(max_examples=150, deadline=None)
@given(_posts())
def test_skipping_by_word_lists_changes_no_finding(base_config: Any, post: tuple[str, str, dict[str, Any]]) -> None:
    """The findings of a post with every list pre-check in place equal those with none (every list "may
    match", so no rule is skipped for its lists and no body takes its shortcut), words hidden by zero-width
    characters, look-alike letters or fullwidth forms included."""
    body, tables, front = post
    skipping = check_text(base_config, body, tables=tables, **front)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(engine.Context, "may_match", _always)
        patch.setattr(engine.Context, "may_match_any", _always)  # the engine's pre-check of declared lists
        everything = check_text(base_config, body, tables=tables, **front)
    assert skipping == everything


def test_rules_that_need_word_lists_declare_them(base_config: Any) -> None:
    """The rules whose findings need a word list declare it, and the engine does not call such a rule's body for
    a post without any of its words; it does where one occurs, hidden or not."""
    declared = {r.id: r for r in RULES.values() if r.lists is not None}
    assert {"SP-RESPECT-001", "SP-VIEWS-001", "SP-PRIVACY-002", "SP-CLAIM-001", "SP-CLAIM-002", "SP-CLAIM-003",
            "SP-OFFLABEL-001", "SP-OFFLABEL-002", "SP-BALANCE-001", "SP-BALANCE-004"} <= set(declared)
    called: list[str] = []

    def spy(r: engine.Rule) -> engine.Rule:
        def body(ctx: engine.Context) -> Any:
            called.append(r.id)
            return r.body(ctx)  # type: ignore[misc]

        return dataclasses.replace(r, body=body)

    with pytest.MonkeyPatch.context() as patch:
        for id, r in declared.items():
            patch.setitem(engine.RULES, id, spy(r))
        assert check_text(base_config, "Our team met today. Thank you all!", channels=["tw", "fb"]) == []
        assert called == []
        for advice in ("Stop taking your medication now.", "St\u200bop taking your medicаtion now."):
            found = check_text(base_config, advice, channels=["fb"])
            assert "SP-RESPECT-001" in called and "SP-RESPECT-001" in {f.rule for f in found}
            called.clear()


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["1", "23", "456", "7890", " ", ".", "-", "–", ")", "(", "+", "a", "x1", "٣", "\n",
                                 "’", "é", "💙", "555-0147", "(800) 555", "1-800-FDA-1088", "12 345 6789", "123456"]),
                max_size=12).map("".join))
def test_phone_pre_check_lets_every_candidate_through(text: str) -> None:
    """SP-PRIVACY-001 looks for phone and Social Security numbers only where `_may_hold_phone` says they may be:
    wherever the pattern every such number holds matches (or a "+" starts an international one), it must."""
    from socialpub.rules import privacy

    if "+" in text or privacy._PHONE_HINT.search(text):
        assert privacy._may_hold_phone(text)
    if not privacy._may_hold_phone(text):
        for pattern in (privacy.PHONE_NANP, privacy.PHONE_VANITY, privacy.PHONE_INTL, privacy._SSN):
            assert pattern.search(text) is None


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from([".", "://", ":/", "a", "Z", "1", " ", "\u0130", "\u212a", "é", "..", "www.x", "\n"]),
                max_size=20).map("".join))
def test_url_hints_are_where_the_hint_pattern_matches(text: str) -> None:
    """url_spans reads only the words around `T._url_hints`: the places `T._URL_HINT` matches."""
    assert T._url_hints(text) == [m.start() for m in T._URL_HINT.finditer(text)]
