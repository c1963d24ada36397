"""The throughput work on `check` changes no result: each faster path equals the plain one it replaces.

- approval codes are matched on their UTF-8 bytes (rules/meta.py `_code_groups`): the same match and the same
  groups as RE2 searching the str.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from socialpub.config import DEFAULT_CODE_REGEX, compile_code_regex
from socialpub.rules.meta import _code_groups

# Patterns as teams write them, and ones whose classes and case folding reach beyond ASCII.
CODE_PATTERNS = [
    DEFAULT_CODE_REGEX,
    r"(?P<id>[A-Z]{2,4}-\d+)\s*(?P<month>\d{1,2})/(?P<yy>\d{2,4})",
    r"(?i)^(?P<id>\w+)\s+last\s+updated\s+(?P<month>\d+)[/.](?P<yy>\d+)$",
    r"(?P<id>[^\s]+)(?:\s+(?P<month>\d+)/(?P<yy>\d+))?",
    r"Zöl(?P<month>.)(?P<yy>..)é",
    r"^\S+$",
    r"(?P<month>\pL+)|(?P<yy>\pN+)",
    r"",
]
PIECES = ["3001314", " ", "  ", "\t", "\n", "Last Updated", "last updated", "LAST UPDATED", "6", "12", "/", "14",
          "2014", "0", "é", "Zöl", "ſ", "K", "İ", "١٢", "²", "🎗️", "\u200b", "e\u0301", "ＡＢ", "US-", "-", "."]


@st.composite
def codes(draw: Any) -> str:
    return "".join(draw(st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=3)), max_size=10)))


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(CODE_PATTERNS), codes())
def test_code_groups_equal_searching_the_str(pattern: str, code: str) -> None:
    regex = compile_code_regex(pattern)
    match = regex.search(code)
    expected = None if match is None else match.groupdict()
    assert _code_groups(regex, code) == expected


def test_the_default_code_parses() -> None:
    regex = compile_code_regex(DEFAULT_CODE_REGEX)
    assert _code_groups(regex, "3001314 Last Updated 6/14") == {"id": "3001314", "month": "6", "yy": "14"}
    assert _code_groups(regex, "3001314 Last Updated 13/14 x") is None
