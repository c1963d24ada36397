"""Tests for socialpub.xlength: the fast path must equal twitter-text's parse_tweet exactly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from twitter_text.parse_tweet import parse_tweet

from socialpub import xlength
from socialpub.xlength import (
    MAX_WEIGHTED_LENGTH,
    URL_WEIGHT,
    _fast_weighted_length,
    is_valid_tweet,
    weighted_length,
)

SPEC = Path(__file__).resolve().parents[2] / "shared/specs/twitter-text-validate.yml"
# The sections of the conformance file that use config v3 (emoji counted as 2).
V3_SECTIONS = ("WeightedTweetsWithDiscountedEmojiCounterTest", "UnicodeDirectionalMarkerCounterTest")
WEIGHT1_RANGES = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))
PROJECT_ROOT = Path(__file__).resolve().parents[1]


def _v3_cases() -> list[Any]:
    if not SPEC.is_file():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"conformance file not found: {SPEC}"))]
    yaml = pytest.importorskip("yaml")
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
    # The fast path, where it applies, must agree with parse_tweet too.
    fast = _fast_weighted_length(text)
    assert fast is None or fast == parse_tweet(text).weightedLength


def test_conformance_yaml_escapes_decoded() -> None:
    if not SPEC.is_file():
        pytest.skip(f"conformance file not found: {SPEC}")
    yaml = pytest.importorskip("yaml")
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
    ],
)
def test_fast_path_examples(text: str) -> None:
    fast = _fast_weighted_length(text)
    assert fast is not None
    assert fast == weighted_length(text) == parse_tweet(text).weightedLength


@pytest.mark.parametrize(
    "text",
    [
        "hello \U0001f600",
        "\u00a9 2025 Example Inc.",  # (c) is an emoji to twitter-text
        "Brand\u00ae",
        "\u65e5\u672c\u8a9e example.com",
        "https://foo\x1fexample.com",  # U+001F: a domain character to twitter-text, whitespace to str.split
        "1\ufe0f\u20e3 keycap",
        "ABC\u202a\uffffABC\ufffe",
    ],
)
def test_slow_path_examples(text: str) -> None:
    assert _fast_weighted_length(text) is None
    assert weighted_length(text) == parse_tweet(text).weightedLength
    assert is_valid_tweet(text) == parse_tweet(text).valid


def test_fast_path_is_used_for_ascii_with_urls() -> None:
    before = dict(xlength.stats)
    text = "FDA: report side effects at https://www.fda.gov/medwatch or example.com/report today."
    assert (
        _fast_weighted_length(text)
        == len(text) - len("https://www.fda.gov/medwatch") - len("example.com/report") + 2 * URL_WEIGHT
    )
    weighted_length(text)
    assert xlength.stats["fast"] == before["fast"] + 1
    assert xlength.stats["slow"] == before["slow"]
    assert _fast_weighted_length("launch day \U0001f680 https://example.com") is None


def test_is_valid_tweet_bounds() -> None:
    assert not is_valid_tweet("")
    assert is_valid_tweet("x" * MAX_WEIGHTED_LENGTH)
    assert not is_valid_tweet("x" * (MAX_WEIGHTED_LENGTH + 1))
    assert is_valid_tweet("x" * (MAX_WEIGHTED_LENGTH - URL_WEIGHT - 1) + " https://example.com/" + "p" * 500)


def test_in_range_emoji_are_only_copyright_and_registered() -> None:
    """The fast path's premise: within the weight-1 ranges, only U+00A9/U+00AE can be emoji."""
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


def test_first_call_does_not_compile_emoji_regex() -> None:
    code = (
        "import socialpub.xlength as x; x.weighted_length('hello https://www.fda.gov world'); "
        "import sys; print('twitter_text.regexp.emoji' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


def test_import_hack_leaves_twitter_text_usable() -> None:
    """After the fast path, the slow path and a plain ``import twitter_text`` still work."""
    code = (
        "import socialpub.xlength as x; import sys\n"
        "assert x.weighted_length('hello https://www.fda.gov world') == 35\n"
        "assert 'twitter_text' not in sys.modules\n"
        "assert x.weighted_length('hi \\U0001f600 https://www.fda.gov') == 29\n"
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
