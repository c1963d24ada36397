"""Markdown bodies become the plain text platforms show: the syntax goes, the words and line breaks stay."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from socialpub.plaintext import _DEEP, _convert, markdown_to_text

CASES = [
    ("**bold** and __strong__, *it* and _it_", "bold and strong, it and it"),
    ("read [the story](https://example.org/a) now", "read the story https://example.org/a now"),
    ("[https://example.org](https://example.org)", "https://example.org"),
    ("see <https://example.org/x>", "see https://example.org/x"),
    ("write to <info@example.org>", "write to info@example.org"),
    ("# A heading\nand a line", "A heading\nand a line"),
    ("Setext heading\n==============\nafter", "Setext heading\nafter"),
    ("- one\n- two\n* three", "• one\n• two\n• three"),  # lines as written, whatever the bullet
    ("1. first\n2. second", "1. first\n2. second"),
    ("3) third", "3) third"),
    ("- item\n  - nested", "• item\n  • nested"),
    ("> quoted\n> words", "> quoted\n> words"),
    ("a line\nthe next line", "a line\nthe next line"),  # a single newline stays a newline
    ("para one\n\npara two", "para one\n\npara two"),
    ("para one\n\n\n\npara two", "para one\n\n\n\npara two"),  # blank lines as written
    ("ends with newline\n", "ends with newline"),
    ("\n\nleading blank lines", "leading blank lines"),
    ("#hashtag #AZcareers @AstraZenecaUS", "#hashtag #AZcareers @AstraZenecaUS"),
    ("snake_case_name and 2*3 = 6", "snake_case_name and 2*3 = 6"),
    (r"\*literal stars\* and \_under\_", "*literal stars* and _under_"),
    ("`code` stays", "code stays"),
    ("AT&amp;T and <b>tags</b> as written", "AT&amp;T and <b>tags</b> as written"),
    ("HR+/HER2- breast cancer, COVID-19", "HR+/HER2- breast cancer, COVID-19"),
    ("![a chart](chart.png)", "a chart chart.png"),
    ("[ü link](https://example.org/ä ö)", "[ü link](https://example.org/ä ö)"),  # not a link: spaces in URL
    ("[ü link](https://example.org/ä)", "ü link https://example.org/ä"),  # the URL as written, not encoded
    ("line with hard break  \nnext", "line with hard break\nnext"),
    ("", ""),
]


@pytest.mark.parametrize(("source", "expected"), CASES)
def test_markdown_becomes_plain_text(source: str, expected: str) -> None:
    assert markdown_to_text(source) == expected


# Characters that matter to Markdown, with plain words, spaces and line breaks around them.
_PIECES = st.sampled_from(
    ["word", "Word", " ", " ", "\n", "\n\n", "  ", "\t", "*", "_", "**", "[", "]", "(", ")", "<", ">", "#", "# ",
     "- ", "+ ", "1. ", "2) ", "`", "\\", "&", "!", "~", "=", "---", "https://example.org", "@handle", "é", "😀"]
)


@pytest.mark.slow
@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, max_size=30).map("".join))
def test_the_fast_path_agrees_with_the_parser(source: str) -> None:
    """Plain text skips the parser; whenever it does, the parser would have said the same (but for quotes and
    lists nested past the parser's limit, sent as written: the next test)."""
    assume(not _DEEP.search(source))
    assert markdown_to_text(source) == _convert(source)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_any_text_converts_without_error_and_keeps_no_final_newline(source: str) -> None:
    out = markdown_to_text(source)
    assert isinstance(out, str)
    assert not out.endswith("\n") and not out.startswith("\n")
    assert markdown_to_text(source) == out  # deterministic (and cached)


_NESTING = st.sampled_from(["> ", ">", "- ", "* ", "+ ", "1. ", "2) ", "  ", " "])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.lists(_NESTING, max_size=30).map("".join),
                          st.lists(st.sampled_from(["alpha", "beta", "gamma"]), min_size=1, max_size=3)),
                min_size=1, max_size=5))
def test_no_word_is_lost_however_deep_quotes_and_lists_nest(lines: list[tuple[str, list[str]]]) -> None:
    """markdown-it stops at its nesting limit and drops what is deeper: such a body is sent as written."""
    source = "\n".join(markers + " ".join(words) for markers, words in lines)
    out = markdown_to_text(source)
    for word in ("alpha", "beta", "gamma"):
        assert out.count(word) == source.count(word)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=" \t\n\r\x0b\x0c\x85\u2028ab#-", max_size=40))
def test_a_line_ending_in_a_blank_is_found_as_the_multiline_pattern_finds_it(source: str) -> None:
    """The fast path's test for a line that ends in a space or tab (a hard break) is `[ \\t]$` in MULTILINE mode,
    written without a pattern; line ends other than \\n (\\r, \\x85, U+2028) are no line ends to either."""
    import re

    from socialpub.plaintext import _ends_a_line_blank

    assert _ends_a_line_blank(source) == bool(re.search(r"[ \t]$", source, re.MULTILINE))


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=" \t\n\r\x85\u2028ab#-+*>=~_`19.)", max_size=40))
def test_a_block_marker_at_a_line_start_is_found_as_the_multiline_pattern_finds_it(source: str) -> None:
    """The fast path looks for a block marker at the start and after each "\\n", not with `^` in MULTILINE mode
    (tried at every position); both find the same lines."""
    import re

    from socialpub.plaintext import _BLOCK_MARKER, _FIRST_LINE_START, _LINE_START

    expected = re.search("^" + _BLOCK_MARKER, source, re.MULTILINE) is not None
    assert bool(_FIRST_LINE_START.match(source) or _LINE_START.search(source)) == expected
