"""The throughput work on `check` changes no result: each faster path equals the plain one it replaces.

- approval codes are matched on their UTF-8 bytes (rules/meta.py `_date_groups`): the same match and the same
  groups as RE2 searching the str; the built-in pattern, read by Python's `re` (config.py `_DEFAULT_AS_RE`),
  reads every code one or two parts off a right one as RE2 does;
- the engine compiles each rule's declared word lists once per configuration (`engine._plan`) and skips the rule
  in a context where none can match (`Context.may_match_any`): with several configurations in one process, each
  post gets the findings it gets when no rule is skipped.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
import re2
from hypothesis import given, settings
from hypothesis import strategies as st

from socialpub.config import DEFAULT_CODE_REGEX, Config, compile_code_regex
from socialpub.rules import engine
from socialpub.rules.meta import _date_groups
from tests.helpers import Repo, check_text, rules_of

# Patterns as teams write them, and ones whose classes and case folding reach beyond ASCII.
CODE_PATTERNS = [
    DEFAULT_CODE_REGEX,
    r"(?P<id>[A-Z]{2,4}-\d+)\s*(?P<month>\d{1,2})/(?P<yy>\d{2,4})",
    r"(?i)^(?P<id>\w+)\s+last\s+updated\s+(?P<month>\d+)[/.](?P<yy>\d+)$",
    r"(?P<id>[^\s]+)(?:\s+(?P<month>\d+)/(?P<yy>\d+))?",
    r"Zöl(?P<month>.)(?P<yy>..)é",
    r"^\S+$",
    r"(?P<month>\pL+)|(?P<yy>\pN+)",
    r"(\d+)(?:-(?P<yy>\d\d))?",  # an unnamed group first, and no month
    r"(?P<yy>\d+)/(?P<month>\d+)",  # year before month
    r"",
]
PIECES = ["3001314", " ", "  ", "\t", "\n", "\r", "\x0b", "\x0c", "\x85", "\xa0",
          "Last Updated", "last updated", "LAST UPDATED", "6", "12", "/", "14",
          "2014", "0", "é", "Zöl", "ſ", "K", "İ", "١٢", "²", "🎗️", "\u200b", "e\u0301", "ＡＢ", "US-", "-", "."]


@st.composite
def codes(draw: Any) -> str:
    return "".join(draw(st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=3)), max_size=10)))


@settings(max_examples=600, deadline=None)
@given(st.sampled_from(CODE_PATTERNS), codes())
def test_date_groups_equal_what_re2_finds_in_the_str(pattern: str, code: str) -> None:
    """Read from the code's bytes (and for the built-in pattern with Python's `re`), the groups are what RE2
    finds searching the code itself."""
    match = re2.compile(pattern).search(code)
    expected = None if match is None else (match.groupdict().get("month"), match.groupdict().get("yy"))
    assert _date_groups(compile_code_regex(pattern), code) == expected


# Codes shaped like the built-in pattern's, part by part: the right one first, then slightly wrong ones (whitespace
# RE2 does and does not take for \s, digits of other scripts, months and years out of range, a line end after).
_CODE_PARTS = [
    ["", " ", "x", "\n"],
    ["3001314", "300131", "30013145", "３００１３１４", "300131٤"],
    [" ", "  ", "\t", "\n", "\r", "\x0b", "\x0c", "\x1c", "\x85", "\xa0", "\u2003", "", " \x0b"],
    ["Last Updated ", "Last  Updated ", "last updated ", "Last Updated\t"],
    ["6", "0", "1", "06", "10", "12", "13", "00", "٦", ""],
    ["/", "//", "-"],
    ["14", "2014", "1", "٤١", ""],
    ["", "\n", " ", "\r\n", "x", "\x0b"],
]


def _codes_one_or_two_parts_off() -> list[str]:
    right = [choices[0] for choices in _CODE_PARTS]
    found = {"".join(right)}
    for i, j in itertools.combinations_with_replacement(range(len(_CODE_PARTS)), 2):
        for a, b in itertools.product(_CODE_PARTS[i], _CODE_PARTS[j]):
            code = list(right)
            code[i], code[j] = a, b if i != j else a
            found.add("".join(code))
    return sorted(found)


def test_the_built_in_pattern_reads_a_code_as_re2_does() -> None:
    """The built-in pattern goes to Python's `re`: matched or not, and every group's place, as with RE2, for every
    code one or two parts away from a right one."""
    fast = compile_code_regex(DEFAULT_CODE_REGEX)
    assert fast.compiled.__class__.__module__ == "re"
    slow = re2.compile(DEFAULT_CODE_REGEX)
    codes = _codes_one_or_two_parts_off()
    assert len(codes) > 700
    for code in codes:
        data = code.encode("utf-8")
        mine, theirs = fast.compiled.search(data), slow.search(data)
        assert (mine is None) == (theirs is None), code
        if mine is not None:
            assert [mine.span(i) for i in range(4)] == [theirs.span(i) for i in range(4)], code


def test_the_default_code_parses() -> None:
    regex = compile_code_regex(DEFAULT_CODE_REGEX)
    assert _date_groups(regex, "3001314 Last Updated 6/14") == ("6", "14")
    assert _date_groups(regex, "3001314 Last Updated 13/14 x") is None
    assert _date_groups(regex, "3001314\x0bLast Updated 6/14") is None  # RE2's \s is no vertical tab
    assert _date_groups(regex, "3001314 Last Updated 6/14\n") is None  # RE2's $ is the very end


# --- word lists compiled once per configuration ------------------------------------------------------------

# A word only the second configuration's lexicon lists as hype, the same hidden or disguised, and prose around it.
WORDS = ["zorbly", "Zorbly", "ZORBLY", "zor\u200bbly", "zоrbly", "ｚｏｒｂｌｙ", "zorblyness", "miracle", "cure",
         "best", "Oncavix", "oncavixine", "tell", "your", "doctor", "today", "our", "team", "met", "stop", "taking",
         "#zorbly"]


@pytest.fixture(scope="module")
def configs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Config, Config]:
    plain = Repo(tmp_path_factory.mktemp("plain")).config()
    extended = Repo(tmp_path_factory.mktemp("extended"))
    extended.write_config('[compliance.lexicon]\nhype = ["zorbly"]\n')
    return plain, extended.config()


def _unskipped(config: Config, body: str, channels: list[str], **tables: str) -> list[Any]:
    """The findings with no rule skipped for its word lists."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(engine.Context, "may_match", lambda self, matcher: True)
        patch.setattr(engine.Context, "may_match_any", lambda self, matchers: True)
        return check_text(config, body, channels=channels, **tables)


@settings(max_examples=120, deadline=None)
@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=12).map(" ".join),
       st.lists(st.sampled_from(["tw", "fb", "yt", "pin"]), min_size=1, max_size=3, unique=True),
       st.permutations([0, 1, 0, 1]))
def test_lists_compiled_per_configuration_skip_nothing_that_matches(
    configs: tuple[Config, Config], body: str, channels: list[str], order: list[int]
) -> None:
    tables = {"tables": '[pinterest]\nboard = "Internships and Students"\n'} if "pin" in channels else {}
    for index in order:  # the configurations take turns in one process: each keeps its own plans and lists
        found = check_text(configs[index], body, channels=channels, **tables)
        assert found == _unskipped(configs[index], body, channels, **tables)
        if index == 1 and "zorbly" in body.split():
            assert "SP-CLAIM-002" in rules_of(found)  # the word only this configuration's lexicon adds
