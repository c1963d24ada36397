"""The throughput work on `check` changes no result: each faster path equals the plain one it replaces.

- approval codes are matched on their UTF-8 bytes (rules/meta.py `_date_groups`): the same match and the same
  groups as RE2 searching the str;
- the engine compiles each rule's declared word lists once per configuration (`engine._plan`) and skips the rule
  in a context where none can match (`Context.may_match_any`): with several configurations in one process, each
  post gets the findings it gets when no rule is skipped.
"""

from __future__ import annotations

from typing import Any

import pytest
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
PIECES = ["3001314", " ", "  ", "\t", "\n", "Last Updated", "last updated", "LAST UPDATED", "6", "12", "/", "14",
          "2014", "0", "é", "Zöl", "ſ", "K", "İ", "١٢", "²", "🎗️", "\u200b", "e\u0301", "ＡＢ", "US-", "-", "."]


@st.composite
def codes(draw: Any) -> str:
    return "".join(draw(st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=3)), max_size=10)))


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(CODE_PATTERNS), codes())
def test_date_groups_equal_searching_the_str(pattern: str, code: str) -> None:
    regex = compile_code_regex(pattern)
    match = regex.search(code)
    expected = None if match is None else (match.groupdict().get("month"), match.groupdict().get("yy"))
    assert _date_groups(regex, code) == expected


def test_the_default_code_parses() -> None:
    regex = compile_code_regex(DEFAULT_CODE_REGEX)
    assert _date_groups(regex, "3001314 Last Updated 6/14") == ("6", "14")
    assert _date_groups(regex, "3001314 Last Updated 13/14 x") is None


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
