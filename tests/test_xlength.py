"""Tests for socialpub.xlength: the fast path must equal twitter-text's parse_tweet exactly."""

from __future__ import annotations

import re
import subprocess
import sys
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from twitter_text.extract_emojis import extract_emojis_with_indices
from twitter_text.parse_tweet import convert_line_ending, parse_tweet
from twitter_text.regexp import emoji as emoji_module
from twitter_text.regexp.emoji import emoji as EMOJI_REGEX

from socialpub import xlength
from socialpub.xlength import (
    _EMOJI_CANDIDATE,
    _MAYBE_EMOJI,
    MAX_WEIGHTED_LENGTH,
    URL_WEIGHT,
    _emoji_end,
    _emoji_rule_holds,
    _fast_weighted_length,
    _find_emoji,
    _parse_emoji_test,
    _read_emoji_data,
    _split_emoji_regex,
    is_valid_tweet,
    weighted_length,
)

SPEC = Path(__file__).resolve().parent / "data" / "twitter-text-validate.yml"
# The sections of the conformance file that use config v3 (emoji counted as 2).
V3_SECTIONS = ("WeightedTweetsWithDiscountedEmojiCounterTest", "UnicodeDirectionalMarkerCounterTest")
WEIGHT1_RANGES = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))
PROJECT_ROOT = Path(__file__).resolve().parents[1]
EMOJI_TEST_FILE = Path(emoji_module.__file__).with_name("emoji-test.txt")


def _emoji_test_sequences() -> list[str]:
    """Every code point sequence listed in twitter-text's emoji-test.txt (all groups and statuses)."""
    sequences = []
    for line in EMOJI_TEST_FILE.read_text(encoding="utf-8").splitlines():
        found = re.match(r"([0-9A-F]{4,6}(?: [0-9A-F]{4,6})*)\s*;", line)
        if found:
            sequences.append("".join(chr(int(h, 16)) for h in found[1].split()))
    return sequences


EMOJI_TEST_SEQUENCES = _emoji_test_sequences()
EMOJI_TEST_CODE_POINTS = sorted({ch for seq in EMOJI_TEST_SEQUENCES for ch in seq})


def _v3_cases() -> list[Any]:
    import yaml

    # yaml.safe_load decodes the double-quoted escapes (\u202A, \U0001f431) itself.
    tests = yaml.safe_load(SPEC.read_text(encoding="utf-8"))["tests"]
    return [
        pytest.param(case, id=f"{section}: {case['description']}")
        for section in V3_SECTIONS
        for case in tests[section]
    ]


@pytest.mark.parametrize("case", _v3_cases())
def test_conformance_v3(case: dict[str, Any]) -> None:
    text, expected = case["text"], case["expected"]
    assert weighted_length(text) == expected["weightedLength"]
    assert is_valid_tweet(text) == expected["valid"]
    # The fast path applies to every conformance case and agrees with parse_tweet.
    assert _fast_weighted_length(text) == parse_tweet(text).weightedLength == expected["weightedLength"]


def test_conformance_yaml_escapes_decoded() -> None:
    import yaml

    tests = yaml.safe_load(SPEC.read_text(encoding="utf-8"))["tests"]
    texts = [case["text"] for section in V3_SECTIONS for case in tests[section]]
    assert "ABC\u202a\uffffABC\ufffe" in texts
    assert "\u2066\u202ahttp://foobar.\u067e\u0627\u06a9\u0633\u062a\u0627\u0646/\u202c\u2069" in texts
    assert any("\U0001f431" in text for text in texts)  # the cat face from "\U0001f431"
    assert not any(0xD800 <= ord(ch) <= 0xDFFF for text in texts for ch in text)  # no lone surrogates


def test_constants() -> None:
    assert MAX_WEIGHTED_LENGTH == 280
    assert URL_WEIGHT == 23


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello https://www.fda.gov world",
        "Report side effects: https://www.fda.gov/medwatch or call 1-800-FDA-1088.",
        "line one\r\nline two\rthree\n",
        "see example.com, bit.ly/x and t.co/abc; U.S. e.g. a.b",
        "https://t.co/abc123 and http://t.co/" + "a" * 41,
        "caf\u00e9 cafe\u0301 \u201cquoted\u201d \u2014 dash \u2032",
        "www.example.com.\u0440\u0444/x",  # Cyrillic TLD: url shorter than its index span
        "\u00fcexample.com",  # a token at index 0 may lose its first letter to the regex
        "  \u00fc\u0130.com\u201c",  # ... but not after whitespace
        "x\u00a0\u00f1example.com\u2009\u00e9foo.co.uk",
        "\u0915\u094d\u200d\u0937 ZWJ inside Devanagari",
        "hello \U0001f600",
        "\u00a9 2025 Example Inc.",  # (c) is an emoji to twitter-text
        "Brand\u00ae, Brand\u00ae\ufe0f, Name\u2122",
        "\u65e5\u672c\u8a9e example.com",
        "1\ufe0f\u20e3 keycap, 1\u20e3, #\ufe0f\u20e3, 1\ufe0f alone, 12\u20e3",
        "ABC\u202a\uffffABC\ufffe",
        "Wear a ribbon \U0001f397\ufe0f, stay strong \U0001f4aa\U0001f3fd \u2764\ufe0f https://example.org/x",
        "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466 \U0001f469\U0001f3fe\u200d\U0001f4bb",
        "\U0001f1fa\U0001f1f8\U0001f1ec\U0001f1e7\U0001f1fa odd regional indicators",
        "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f England",
        "\u203c\ufe0f \u2049 \u2194 \u2194\ufe0f \u27a1\ufe0f \u2192 \u2605 \u20ac \u2022 \u2026",
        "\U0001f3fd lone skin tone, lone \u200d and \ufe0f and \u20e3",
        "\u2764\ufe0fexample.com and example.com\U0001f389 and https://\u2764.com/\U0001f600",
        "end. of. sentences. with dots. \U0001f44d",
        "\u3000ideographic\u3000space\u2028line\u2029para\u202fnarrow\u205fmath\u1680ogham\u180emongolian",
        "\u3030\ufe0f \u303d \u3297\ufe0f \u3299",
        "caf\u00e9 \u0915\u094d\u0937 \u00fcexample.com\U0001f600",
    ],
)
def test_fast_path_examples(text: str) -> None:
    fast = _fast_weighted_length(text)
    assert fast is not None
    assert fast == weighted_length(text) == parse_tweet(text).weightedLength


@pytest.mark.parametrize(
    "text",
    [
        "https://foo\x1fexample.com",  # U+001F: a domain character to twitter-text, whitespace to str.split
        "a\x1cb \U0001f600",
    ],
)
def test_slow_path_examples(text: str) -> None:
    assert _fast_weighted_length(text) is None
    assert weighted_length(text) == parse_tweet(text).weightedLength
    assert is_valid_tweet(text) == parse_tweet(text).valid


def test_lone_surrogate_raises_like_parse_tweet() -> None:
    text = "bad \ud83d text"
    assert _fast_weighted_length(text) is None
    with pytest.raises(UnicodeEncodeError):
        parse_tweet(text)
    with pytest.raises(UnicodeEncodeError):
        weighted_length(text)


def test_fast_path_is_used_for_ascii_with_urls() -> None:
    weighted_length.cache_clear()  # a cached text is not counted again
    before = dict(xlength.stats)
    text = "FDA: report side effects at https://www.fda.gov/medwatch or example.com/report today."
    assert (
        _fast_weighted_length(text)
        == len(text) - len("https://www.fda.gov/medwatch") - len("example.com/report") + 2 * URL_WEIGHT
    )
    weighted_length(text)
    assert xlength.stats["fast"] == before["fast"] + 1
    assert xlength.stats["slow"] == before["slow"]


def test_fast_path_is_used_for_emoji() -> None:
    weighted_length.cache_clear()  # a cached text is not counted again
    before = dict(xlength.stats)
    text = (
        "launch \U0001f680\U0001f389 https://example.com \u2764\ufe0f\U0001f1fa\U0001f1f8 #\ufe0f\u20e3 \xa9"
    )
    # "launch " + 2 emoji + " " + URL + " " + 2 emoji + " " + keycap + " " + (c)
    assert weighted_length(text) == parse_tweet(text).weightedLength == 7 + 4 + 1 + 23 + 1 + 4 + 1 + 2 + 1 + 2
    assert xlength.stats["fast"] == before["fast"] + 1
    assert xlength.stats["slow"] == before["slow"]


def test_is_valid_tweet_bounds() -> None:
    assert not is_valid_tweet("")
    assert is_valid_tweet("x" * MAX_WEIGHTED_LENGTH)
    assert not is_valid_tweet("x" * (MAX_WEIGHTED_LENGTH + 1))
    assert is_valid_tweet("x" * (MAX_WEIGHTED_LENGTH - URL_WEIGHT - 1) + " https://example.com/" + "p" * 500)


def test_in_range_emoji_are_only_copyright_and_registered() -> None:
    """Within the weight-1 ranges, only U+00A9/U+00AE are emoji on their own."""
    from twitter_text.regexp.emoji import emoji, emoji_list

    def in_ranges(cp: int) -> bool:
        return any(lo <= cp <= hi for lo, hi in WEIGHT1_RANGES)

    matching = [
        cp
        for lo, hi in WEIGHT1_RANGES
        for cp in range(lo, hi + 1)
        if not 0xD800 <= cp <= 0xDFFF and emoji.search(chr(cp))
    ]
    assert matching == [0xA9, 0xAE]
    # Every multi-code-point emoji has a code point outside the ranges, so text
    # made only of in-range code points cannot contain one.
    for entry in emoji_list:
        code_points = [int(cp, 16) for cp in entry.codepoint.split()]
        assert len(code_points) == 1 or not all(map(in_ranges, code_points)), entry
    # twitter-text's invalid characters are outside the ranges as well.
    assert not any(in_ranges(cp) for cp in (0xFFFE, 0xFEFF, 0xFFFF))


def test_emoji_regex_is_literal_sequences_and_one_class() -> None:
    """The regex source splits into sequences and single code points, matching the emoji data."""
    split = _split_emoji_regex(EMOJI_REGEX)
    assert split is not None
    sequences, singles = split

    # Rebuilt from the pieces, the source is the same: nothing was skipped.
    def escape(text: str) -> str:
        return "".join(f"\\U{ord(ch):08x}" for ch in text)

    assert "|".join(map(escape, sequences)).lower() == EMOJI_REGEX.pattern.rsplit("|", 1)[0].lower()
    assert all(len(seq) >= 2 for seq in sequences)
    # The same as the data the regex is built from (emoji-test.txt without its Component group).
    listed = [entry.codepoint.split() for entry in emoji_module.emoji_list]
    assert sorted(sequences) == sorted(
        "".join(chr(int(h, 16)) for h in cps) for cps in listed if len(cps) > 1
    )
    assert sorted(singles) == sorted({chr(int(cps[0], 16)) for cps in listed if len(cps) == 1})
    assert len(singles) == len(set(singles))
    # Brute force: the single code points the regex matches (planes 0 and 1 and the tags here;
    # all 1,114,112 code points in the offline check) are exactly the class.
    code_points = [*range(0xD800), *range(0xE000, 0x20000), *range(0xE0000, 0xE0080)]
    matched = [chr(cp) for cp in code_points if EMOJI_REGEX.match(chr(cp))]
    assert matched == sorted(singles)


def test_emoji_candidate_rule() -> None:
    """Every emoji regex match starts where _EMOJI_CANDIDATE matches, and contains no whitespace."""
    sequences, singles = _split_emoji_regex(EMOJI_REGEX)  # type: ignore[misc]
    assert _emoji_rule_holds(sequences, singles)
    # The candidate rule, spelled out: the first code points of sequences and the single
    # code points are (c), (r), keycap bases [0-9#*] (whose sequences go on with U+FE0F or
    # U+20E3) and code points of the _EMOJI_CODE_POINTS blocks.
    firsts = {seq[0] for seq in sequences} | set(singles)
    assert {ch for ch in firsts if ord(ch) < 0x2000} == set("#*0123456789\xa9\xae")
    assert {seq[1] for seq in sequences if seq[0] in "#*0123456789"} == {"\ufe0f", "\u20e3"}
    assert all(re.fullmatch(f"[{xlength._EMOJI_CODE_POINTS}]", ch) for ch in firsts if ord(ch) >= 0xA9)
    # Brute force over the sequences of emoji-test.txt (components too) and each of their
    # suffixes: wherever the regex matches, the candidate rule does.
    for seq in EMOJI_TEST_SEQUENCES:
        for pos in range(len(seq)):
            if EMOJI_REGEX.match(seq, pos):
                assert _EMOJI_CANDIDATE.match(seq, pos), (seq, pos)
    # _MAYBE_EMOJI, the quick test for a whole text, finds every candidate: each code point a
    # candidate can start with (here followed by U+FE0F) is in _MAYBE_EMOJI, or is a keycap
    # base, which only is a candidate before U+FE0F or U+20E3, both in _MAYBE_EMOJI.
    every = "\ufe0f".join(map(chr, range(0x110000))) + "\ufe0f"
    starts = {match[0] for match in _EMOJI_CANDIDATE.finditer(every)}
    assert {ch for ch in starts if not _MAYBE_EMOJI.match(ch)} == set("#*0123456789")
    assert _MAYBE_EMOJI.match("\ufe0f") and _MAYBE_EMOJI.match("\u20e3")


def test_emoji_rule_check_rejects_other_regexes() -> None:
    def rule_holds(source: str) -> bool:
        split = _split_emoji_regex(re.compile(source))
        assert split is not None
        return _emoji_rule_holds(*split)

    assert _split_emoji_regex(re.compile(r"\U0001f600")) is None  # no class
    assert _split_emoji_regex(re.compile(r"\U0001f600\U0000fe0f|[a]")) is None
    assert _split_emoji_regex(re.compile(r"\U0001f600\U0000fe0f|[\U00000041]", re.I)) is None
    # Not longest first: the regex would not take the longest sequence.
    assert _split_emoji_regex(re.compile(r"\U0001f600\U0000fe0f|\U0001f600\U0000fe0f\U0001f601|[\U00000041]")) is None
    assert rule_holds(r"\U0001f600\U0000fe0f|[\U0001f601-\U0001f603]")
    assert not rule_holds(r"\U0001f600\U0000fe0f|[\U00000041]")  # "A" is no candidate
    assert not rule_holds(r"\U00000031\U00000032|[\U0001f601]")  # "1" then "2"
    assert not rule_holds(r"\U0001f600\U00003000|[\U0001f601]")  # a space inside


def test_failed_rule_check_uses_parse_tweet(monkeypatch: pytest.MonkeyPatch) -> None:
    xlength._load_emoji()
    monkeypatch.setattr(xlength, "_emoji_ok", False)
    assert _fast_weighted_length("hi \U0001f600") is None
    assert weighted_length("hi \U0001f600") == 5
    text = "hi caf\u00e9 \u65e5\u672c"  # no emoji candidate: the fast path still applies
    assert _fast_weighted_length(text) == parse_tweet(text).weightedLength == 12


def test_url_longer_than_its_span_uses_parse_tweet(monkeypatch: pytest.MonkeyPatch) -> None:
    """parse_tweet would skip past the token; the fast path does not follow it there."""
    xlength._chunk_extra.cache_clear()
    monkeypatch.setattr(xlength, "_extract_urls", lambda chunk: [{"url": "x" * 30, "indices": [1, 8]}])
    try:
        assert _fast_weighted_length("see a.bc/de now") is None
    finally:
        xlength._chunk_extra.cache_clear()


def test_whitespace_agrees_with_twitter_text() -> None:
    """str.split splits only at twitter-text spaces (but U+001C..U+001F, which go slow),
    and each of those is a valid character before a URL."""
    from twitter_text.regexp.spaces_group import spaces_group
    from twitter_text.regexp.valid_url_preceding_chars import valid_url_preceding_chars

    every = "".join(map(chr, range(0x110000)))
    split_at = [ch for ch in every if ch.isspace()]
    not_spaces = [ch for ch in split_at if not re.match(f"[{spaces_group}]", ch)]
    assert not_spaces == ["\x1c", "\x1d", "\x1e", "\x1f"]
    assert all(xlength._SLOW.match(ch) for ch in "\x1c\x1d\x1e\x1f")
    assert all(valid_url_preceding_chars.fullmatch(ch) for ch in split_at)
    # \s in a regex is what str.split splits at (used by the rule check).
    assert re.findall(r"\s", every) == split_at


def test_candidate_scan_equals_finditer() -> None:
    """Scanning candidates with _emoji_end gives finditer's matches, overlaps and all."""
    xlength._load_emoji()
    texts = ["".join(EMOJI_TEST_SEQUENCES[i : i + 7]) for i in range(0, len(EMOJI_TEST_SEQUENCES), 7)] + [
        "\U0001f1fa\U0001f1f8\U0001f1fa\U0001f1f8\U0001f1fa",
        "11\ufe0f\u20e3\u20e3#*\ufe0f\ufe0f\u20e3",
    ]
    for text in texts:
        assert list(_find_emoji(text)) == [tuple(e["indices"]) for e in extract_emojis_with_indices(text)]


def test_emoji_data_equals_the_regex() -> None:
    """The emoji read from emoji-test.txt are exactly the compiled regex's, which then is not needed."""
    data = _read_emoji_data()
    assert data is not None, "twitter-text's emoji files are not the pinned ones: check and update the digests"
    sequences, singles = _split_emoji_regex(EMOJI_REGEX)  # type: ignore[misc]
    assert sorted(data[0]) == sorted(sequences)
    assert sorted(data[1]) == sorted(singles)
    assert len(data[1]) == len(set(data[1]))
    # Read by twitter-text's own parser as well.
    listed = ["".join(chr(int(h, 16)) for h in e.codepoint.split()) for e in emoji_module.emoji_list]
    parsed = _parse_emoji_test(EMOJI_TEST_FILE.read_text(encoding="utf-8"))
    assert parsed == ([e for e in listed if len(e) > 1], [e for e in listed if len(e) == 1])


def _regex_end(text: str, start: int) -> int | None:
    match = EMOJI_REGEX.match(text, start)
    return match.end() if match else None


def test_emoji_end_equals_regex_match() -> None:
    """_emoji_end is EMOJI_REGEX.match, exhaustively: every single code point (planes 0 and 1
    and the tags), every emoji-test.txt sequence (components too) at each of its positions,
    alone, cut short, and followed by the next sequences (longer matches win)."""
    assert xlength._load_emoji()
    code_points = [*range(0xD800), *range(0xE000, 0x20000), *range(0xE0000, 0xE0080)]
    assert [cp for cp in code_points if _emoji_end(chr(cp), 0) != _regex_end(chr(cp), 0)] == []
    sequences = EMOJI_TEST_SEQUENCES
    for i, seq in enumerate(sequences):
        for text in (seq, seq[:-1], seq + seq, "".join(sequences[i : i + 3]), seq + seq[:-1]):
            for pos in range(len(text)):
                assert _emoji_end(text, pos) == _regex_end(text, pos), (text, pos)
    everything = "".join(sequences) + "".join(reversed(sequences))
    assert list(_find_emoji(everything)) == [m.span() for m in EMOJI_REGEX.finditer(everything)]


def test_emoji_from_the_regex_when_the_files_differ(monkeypatch: pytest.MonkeyPatch) -> None:
    """Other twitter-text files: the emoji come from its compiled regex, the same here."""
    assert xlength._load_emoji()
    tables = (xlength._emoji_sequences, xlength._emoji_lengths, xlength._emoji_singles)
    for name in ("_emoji_ok", "_emoji_sequences", "_emoji_lengths", "_emoji_singles"):
        monkeypatch.setattr(xlength, name, None if name == "_emoji_ok" else getattr(xlength, name))
    monkeypatch.setattr(xlength, "_EMOJI_FILES_SHA256", {**xlength._EMOJI_FILES_SHA256, "emoji.py": "0" * 64})
    assert _read_emoji_data() is None
    assert xlength._load_emoji()
    assert (xlength._emoji_sequences, xlength._emoji_lengths, xlength._emoji_singles) == tables


# fmt: off
FRAGMENTS = [
    "a", "b", "Z", "q", "0", "7", " ", "  ", "\n", "\r\n", "\r", "\t", "\xa0", "\u2009",
    ".", ",", ";", ":", "!", "?", "/", "-", "_", "(", ")", "'", '"', "&", "=", "%", "+", "*",
    "\u2018", "\u2019", "\u201c", "\u201d", "\u2013", "\u2014", "\u2026",
    "\u00e9", "e\u0301", "\u00fc", "\u00df", "\u00f1", "\u00c0", "\u0130", "\u0434",
    "\u65e5\u672c", "\u4e2d\u6587", "\u3042",
    "\U0001f600", "\U0001f680", "\u2764\ufe0f", "\U0001f44d\U0001f3fd",
    "\U0001f468\u200d\U0001f469\u200d\U0001f467", "\u200d", "\u00a9", "\u00ae", "1\ufe0f\u20e3",
    "example.com", "https://www.fda.gov/medwatch", "t.co/abc", "https://t.co/abc123", "a.b", "U.S.",
    "bit.ly/x", "@user", "#tag", "$TSLA", "http://", "www.", "foo.co.uk", "x.com/a?b=c", "e.g.",
    "1.2", "example.com/path?q=1&r=2", "foo@bar.com", "a.\u0440\u0444", "m\u00fcnchen.de",
    # A latin-accented letter right before a domain: the URL regex treats it
    # differently at the start of a string than after whitespace.
    "\u00fcexample.com", "\u00f1t.co/abc",
]
# fmt: on


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=40).map("".join))
def test_matches_parse_tweet(text: str) -> None:
    expected = parse_tweet(text)
    assert weighted_length(text) == expected.weightedLength
    assert is_valid_tweet(text) == expected.valid


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from([f for f in FRAGMENTS if _fast_weighted_length(f) is not None]),
        max_size=40,
    ).map("".join)
)
def test_fast_path_matches_parse_tweet(text: str) -> None:
    """Fragments the fast path accepts, so that every example exercises it."""
    fast = _fast_weighted_length(text)
    assert fast is not None
    assert fast == parse_tweet(text).weightedLength


# fmt: off
EMOJI_FRAGMENTS = [
    "\U0001f397\ufe0f", "\U0001f397", "\U0001f4aa", "\U0001f4aa\U0001f3fd", "\u2764\ufe0f", "\u2764",
    "\u2764\ufe0e", "\u2122", "\u2122\ufe0f", "\u203c", "\u203c\ufe0f", "\u2049", "\u2194", "\u2194\ufe0f",
    "\u27a1\ufe0f", "\u2192", "\u21d2", "\u2b06\ufe0f", "\u2605", "\u2713", "\u2714\ufe0f", "\u20ac",
    "\u2022", "\xa9\ufe0f", "\xae\ufe0f", "1\ufe0f\u20e3", "1\u20e3", "#\ufe0f\u20e3", "*\u20e3", "9\ufe0f",
    "0", "#", "*", "\u20e3", "\ufe0f", "\ufe0e", "\u200d", "\u200c", "\U0001f3fb", "\U0001f3ff",
    "\U0001f9b0", "\U0001f1fa", "\U0001f1f8", "\U0001f1fa\U0001f1f8", "\U0001f1ec\U0001f1e7", "\U0001f3f4",
    "\U000e0067", "\U000e007f", "\U0001f3f3\ufe0f\u200d\U0001f308", "\U0001f469\u200d\U0001f4bb",
    "\U0001f469\U0001f3fe\u200d\U0001f4bb", "\U0001f468\u200d\U0001f469\u200d\U0001f467",
    "\U0001f9d1\U0001f3fd\u200d\U0001f91d\u200d\U0001f9d1\U0001f3fb", "\U0001f44d\U0001f3fd", "\U0001f600",
    "\u3000", "\u2028", "\u202f", "\u1680", "\u180e", "\u2009", "\r\n", "\r", "\u3030", "\u303d", "\u3297",
    "\xe9", "e\u0301", "\u65e5\u672c\u8a9e", "\ud55c\uad6d\uc5b4", "\u0915\u094d\u0937", "\u0627\u0644",
    "\u202a", "\u202c", "\u200e", "\ufeff", "\ufffe", "\uffff", "https://\u2764.com",
    "\u2764\ufe0fexample.com", "example.com\U0001f389", "https://example.com/\U0001f600",
    "http://\u65e5\u672c.jp/\u2764", "\U0001f600.com", "a.\U0001f600", "end.", "1.5", "U.S.",
]
# fmt: on


def _piece(seq: str) -> st.SearchStrategy[str]:
    """A run of code points cut out of an emoji sequence (a broken ZWJ sequence, a lone tag...)."""
    bounds = st.tuples(st.integers(0, len(seq)), st.integers(0, len(seq)))
    return bounds.map(lambda ij: seq[min(ij) : max(ij)])


EMOJI_TEXT = st.lists(
    st.one_of(
        st.sampled_from(FRAGMENTS + EMOJI_FRAGMENTS),
        st.sampled_from(EMOJI_TEST_SEQUENCES),
        st.sampled_from(EMOJI_TEST_CODE_POINTS),
        st.sampled_from(EMOJI_TEST_SEQUENCES).flatmap(_piece),
        st.characters(exclude_categories=("Cs",)),  # any code point, U+001C..U+001F included
    ),
    max_size=40,
).map("".join)


@settings(max_examples=700, deadline=None)
@given(EMOJI_TEXT)
def test_emoji_texts_match_parse_tweet(text: str) -> None:
    """Texts full of emoji, pieces of emoji and random code points take the fast path and match."""
    expected = parse_tweet(text)
    fast = _fast_weighted_length(text)
    if xlength._SLOW.search(unicodedata.normalize("NFC", text)):
        assert fast is None
    else:
        assert fast == expected.weightedLength
    assert weighted_length(text) == expected.weightedLength
    assert is_valid_tweet(text) == expected.valid
    # The candidate scan gives the very emoji entities parse_tweet walks.
    normalized = convert_line_ending(unicodedata.normalize("NFC", text))
    if _MAYBE_EMOJI.search(normalized):
        assert xlength._load_emoji()
    found = list(_find_emoji(normalized))
    assert found == [tuple(e["indices"]) for e in extract_emojis_with_indices(normalized)]
    assert found == [m.span() for m in EMOJI_REGEX.finditer(normalized)]


def test_first_call_does_not_compile_emoji_regex() -> None:
    code = (
        "import socialpub.xlength as x; x.weighted_length('hello https://www.fda.gov world'); "
        "x.weighted_length('caf\\u00e9 \\u65e5\\u672c\\u8a9e \\u2192 \\u20ac 1.5 end.'); "
        "import sys; print('twitter_text.regexp.emoji' in sys.modules, x._emoji_ok, x.stats)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False None {'fast': 2, 'slow': 0}"


def test_first_emoji_loads_only_the_emoji_regex() -> None:
    code = (
        "import socialpub.xlength as x; import sys\n"
        "assert x.weighted_length('hi \\U0001f600 \\u2764\\ufe0f') == 8\n"
        "assert x._emoji_ok is True and x._extract_urls is None\n"
        "assert not any(m == 'twitter_text' or m.startswith('twitter_text.') for m in sys.modules)\n"
        "assert 'pkg_resources' not in sys.modules\n"
        "print(x.stats)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "{'fast': 1, 'slow': 0}"


def test_import_hack_leaves_twitter_text_usable() -> None:
    """After the fast path, the slow path and a plain ``import twitter_text`` still work."""
    code = (
        "import socialpub.xlength as x; import sys\n"
        "assert x.weighted_length('hello https://www.fda.gov world') == 35\n"
        "assert 'twitter_text' not in sys.modules\n"
        "assert x.weighted_length('hi \\U0001f600 https://www.fda.gov') == 29\n"
        "assert 'twitter_text' not in sys.modules and x.stats == {'fast': 2, 'slow': 0}\n"
        "import twitter_text\n"
        "from twitter_text import parse_tweet, extract_urls\n"
        "assert parse_tweet('hi \\U0001f600').weightedLength == 5\n"
        "assert extract_urls('see example.com') == ['example.com']\n"
        "print('ok')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "ok"


# --- plain web addresses: one URL for twitter-text, without its URL regex -----------------------------

_LABEL = st.text("abcxyzABCXYZ0189-", min_size=1, max_size=8) | st.sampled_from(
    ["www", "fda", "astrazeneca-us", "a" * 63, "b" * 64, "-a", "a-", "x_y", "é", "xn--bcher-kva"]
)
_TLD = st.sampled_from(["com", "org", "net", "gov", "edu", "int", "info", "io", "us", "uk", "ca", "de", "fr", "COM",
                        "ly", "health", "Jp", "app", "mx", "Gov", "co", "example", "community", "c0m", "xyz", "рф"])
_PATH = st.text("abcXYZ019/_-.?=#()~%'!,", max_size=12)


@st.composite
def _web_addresses(draw: Any) -> str:
    scheme = draw(st.sampled_from(["https://", "http://", "HTTPS://", "", "ftp://", "https:/"]))
    host = ".".join(draw(st.lists(_LABEL, min_size=1, max_size=4))) + "." + draw(_TLD)
    path = draw(st.one_of(st.just(""), _PATH.map(lambda p: "/" + p)))
    return scheme + host + path


def test_plain_url_domains_are_twitter_text_domains() -> None:
    from twitter_text.regexp.valid_cctld import valid_cctld
    from twitter_text.regexp.valid_gtld import valid_gtld

    listed = re.search(r"\(\?:([a-z|]+)\)", xlength._PLAIN_URL.pattern.split("\\.)+")[1])
    assert listed is not None
    for tld in listed[1].split("|"):
        assert valid_gtld.fullmatch(tld) or valid_cctld.fullmatch(tld), tld


@settings(max_examples=500, deadline=None)
@given(_web_addresses(), st.sampled_from(["", " ", "see ", "(", "\u00fc"]), st.sampled_from(["", " ", ".", "!"]))
def test_plain_urls_are_what_twitter_text_extracts(address: str, before: str, after: str) -> None:
    """Where _PLAIN_URL takes a token for one URL, twitter-text's extractor finds exactly that URL in it, at the
    start of a text or after a space; and the weighted length of texts with such tokens equals parse_tweet's."""
    from twitter_text.extract_urls import extract_urls_with_indices

    if xlength._PLAIN_URL.fullmatch(address):
        for chunk in (address, " " + address):
            start = len(chunk) - len(address)
            assert extract_urls_with_indices(chunk) == [{"url": address, "indices": [start, len(chunk)]}]
    text = before + address + after
    assert weighted_length(text) == parse_tweet(text).weightedLength


def test_plain_url_needs_no_url_regex() -> None:
    """A post whose only dotted word is a plain web address is counted without compiling twitter-text's URL
    patterns (the point of _PLAIN_URL: `check` of one post file does not pay for them)."""
    assert _twitter_text_loaded_by(
        "assert weighted_length('Learn more: https://www.astrazeneca-us.com/mbcstrength today') == 12 + 23 + 6\n"
    ) == "[] None None"


def _twitter_text_loaded_by(code: str) -> str:
    """What of twitter-text a fresh interpreter has loaded after running `code` (with weighted_length imported):
    its modules, and xlength's URL extractor and parse_tweet. Loading twitter-text's parts leaves no module
    behind, so xlength is asked too; "[] None None" is nothing."""
    probe = (
        "import sys\nfrom socialpub.xlength import weighted_length\n" + code + "import socialpub.xlength as X\n"
        "print(sorted(m for m in sys.modules if m.startswith('twitter_text')), X._extract_urls, X._parse_tweet)\n"
    )
    return subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.strip()


# --- tokens that cannot hold a URL: no URL regex for "e.g.", "U.S." or "2.5mg" --------------------------------


def _top_level_domains() -> list[str]:
    """The alternatives of twitter-text's gTLD and ccTLD patterns, and punycode's fixed start."""
    from twitter_text.regexp.valid_cctld import valid_cctld
    from twitter_text.regexp.valid_gtld import valid_gtld

    found = ["xn--"]
    for pattern in (valid_gtld.pattern, valid_cctld.pattern):
        assert pattern.startswith("(?:(?:") and ")(?=" in pattern, "the lists' shape changed: rethink _MAY_HOLD_URL"
        found += pattern[len("(?:(?:") : pattern.index(")(?=")].split("|")
    return found


def test_every_top_level_domain_starts_as_may_hold_url_expects() -> None:
    """_MAY_HOLD_URL's premise: a domain ends in a literal "." and a listed top-level domain (or punycode), and
    the case-insensitive URL regex matches each of a domain's first two code points only with an ASCII letter or
    a non-ASCII character (so an ASCII digit, "." or "-" there rules a URL out)."""
    from twitter_text.regexp.valid_domain import valid_domain
    from twitter_text.regexp.valid_domain_name import valid_domain_name
    from twitter_text.regexp.valid_punycode import valid_punycode

    assert valid_domain_name.pattern.endswith("\\.)")
    assert valid_punycode.pattern == "(?:xn--[\\-0-9a-z]+)"
    assert valid_domain.pattern.endswith(
        "(?:" + "|".join(p.pattern for p in _top_level_patterns()) + "))"
    )
    tlds = _top_level_domains()
    assert len(tlds) > 1000
    ascii_non_letters = [chr(c) for c in range(128) if not chr(c).isalpha()]
    for tld in tlds:
        assert len(tld) >= 2, tld
        for char in tld[:2]:
            assert not [a for a in ascii_non_letters if re.fullmatch(re.escape(char), a, re.IGNORECASE)], tld
    assert all(xlength._MAY_HOLD_URL.search("a." + tld) for tld in tlds)
    takes = [chr(c) for c in range(0x800) if xlength._MAY_HOLD_URL.fullmatch("." + chr(c) * 2)]
    assert takes == [c for c in map(chr, range(0x800)) if c.isascii() and c.isalpha() or not c.isascii()]
    assert xlength._MAY_HOLD_URL.fullmatch(".\U0010ffff\u4e2d")


def _top_level_patterns() -> list[re.Pattern[str]]:
    from twitter_text.regexp.valid_cctld import valid_cctld
    from twitter_text.regexp.valid_gtld import valid_gtld
    from twitter_text.regexp.valid_punycode import valid_punycode

    return [valid_gtld, valid_cctld, valid_punycode]


_URLISH = st.lists(
    st.sampled_from(
        [".", "..", "a", "b", "x", "n", "-", "--", "_", "/", ":", "@", "#", "$", "?", "=", "0", "9", "2.5", "e.g.",
         "U.S.", "com", "COM", "co", "uk", "ly", "xn--p1ai", "xn--", "https://", "http://", "www", "\u017f", "\u212a",
         "\u0131", "\u0130", "\u00e9", "\u0440\u0444", "\u4e2d\u56fd", "\U0001f600", "\ufe0f", "(", ")", "'", "!"]
    ),
    max_size=12,
).map("".join)


@settings(max_examples=1500, deadline=None)
@given(_URLISH)
def test_a_token_without_may_hold_url_holds_no_url(token: str) -> None:
    from twitter_text.extract_urls import extract_urls_with_indices

    if not xlength._MAY_HOLD_URL.search(token):
        assert extract_urls_with_indices(token) == []
        assert extract_urls_with_indices(" " + token) == []
    text = "see " + token + " and " + token
    assert weighted_length(text) == parse_tweet(text).weightedLength


# E-mail addresses and near misses: the part before the "@" from the pieces above, the part after it from those
# of a domain, and now and then something that is no domain (a path, a port, another "@", a protocol).
_ADDRESSES = st.tuples(
    _URLISH,
    st.sampled_from(["@", "@", "@", "＠"]),
    st.lists(st.sampled_from(["gmail", "com", "co", "uk", "example", ".", "-", "a", "0", "9", "xn--p1ai", "US",
                              "/", ":8080", "@", "http://", "é", "_"]), max_size=8).map("".join),
    st.sampled_from(["", ".", ",", ")", "!"]),
).map("".join)


@settings(max_examples=1500, deadline=None)
@given(_ADDRESSES)
def test_the_domain_of_an_email_address_holds_no_url(token: str) -> None:
    """Where _may_hold_url says no (looking before the "@" of an address only), twitter-text finds no URL in
    the token, at the start of a text or after a space; and the length is twitter-text's either way."""
    from twitter_text.extract_urls import extract_urls_with_indices

    if not xlength._may_hold_url(token):
        assert extract_urls_with_indices(token) == []
        assert extract_urls_with_indices(" " + token) == []
    for text in (token, "write to " + token + " today", token + " " + token):
        assert weighted_length(text) == parse_tweet(text).weightedLength


def test_the_rule_for_addresses_reaches_no_further_than_it_should() -> None:
    """The part before the "@" is still read, and a token that only looks like an address is read whole."""
    assert not xlength._may_hold_url("dana.m1962@gmail.com.")
    assert not xlength._may_hold_url("drugsafety@us.example-pharma.com")
    assert xlength._may_hold_url("visit.us@x.com")  # "visit.us" before the "@" may be one
    assert xlength._may_hold_url("a@b.com/path") and xlength._may_hold_url("a@b@c.com")
    assert xlength._may_hold_url("a@http://b.com") and xlength._may_hold_url("a@b.com:80")


def test_abbreviations_and_decimals_need_no_url_regex() -> None:
    """Dotted words that cannot be web addresses are counted without compiling twitter-text's URL patterns."""
    assert _twitter_text_loaded_by(
        "text = 'Take 2.5 mg, e.g. at 8 a.m., in the U.S. (see end.) https://bit.ly/3xYz'\n"
        "assert weighted_length(text) == len(text) - len('https://bit.ly/3xYz') + 23\n"
        "text = 'Report side effects to drugsafety@example-pharma.com or dana.m1962@gmail.com.'\n"
        "assert weighted_length(text) == len(text)\n"
    ) == "[] None None"
