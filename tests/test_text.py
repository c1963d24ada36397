"""Matching helpers of the rules: URL finding and masking, word lists on word boundaries."""

from __future__ import annotations

import re
import subprocess
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from socialpub.rules import text as T

FRAGMENTS = st.sampled_from(
    ["http://", "https://", "www.", ".com", ".gov/medwatch", "fda", " ", ". ", "\u2003", "(", ")", ",", "a", "1",
     "-", "/", ":", "@", "\n", "bit.ly/x", "U.S.", "e.g.", "…", "’", "[::1]", "[", "]"]
)


def whole_text_spans(text: str) -> list[tuple[str, int, int]]:
    """The straightforward scan over the whole text, which the word-by-word scan must equal."""
    out = []
    for match in T.URL_RE.finditer(text):
        url = match.group(0)
        while url and url[-1] in T._TRAILING:
            if url[-1] == ")" and url.count("(") >= url.count(")"):
                break
            url = url[:-1]
        if T.is_link(url):
            out.append((url, match.start(), match.start() + len(url)))
    return out


@settings(max_examples=400)
@given(st.lists(FRAGMENTS, max_size=30).map("".join))
def test_word_by_word_url_scan_equals_whole_text_scan(text: str) -> None:
    assert T.url_spans(text) == whole_text_spans(text)


@settings(max_examples=200)
@given(st.lists(FRAGMENTS, max_size=30).map("".join))
def test_masking_keeps_length_and_removes_urls(text: str) -> None:
    masked = T.mask_urls(text)
    assert len(masked) == len(text)
    assert T.find_urls(masked) == []


def test_urls_lose_trailing_punctuation_but_keep_balanced_parens() -> None:
    assert T.find_urls("See www.fda.gov/medwatch.") == ["www.fda.gov/medwatch"]
    assert T.find_urls("(https://en.wikipedia.org/wiki/Foo_(bar))") == ["https://en.wikipedia.org/wiki/Foo_(bar)"]
    assert T.find_urls("U.S. e.g. Oct. 13") == []


def test_word_pattern_boundaries_hashtags_and_case() -> None:
    brand = T.word_pattern(("ONCAVIX",))
    assert brand.search("Ask about #oncavix today")
    assert brand.search("ONCAVIX®")
    assert not brand.search("ONCAVIXplus") and not brand.search("preONCAVIX")
    cure = T.word_pattern(("cure",))
    assert not cure.search("cured") and cure.search("a CURE!")
    assert T.word_pattern(("outperform*",)).search("it outperforms")
    assert T.word_pattern(("no side effects",)).search("no\n side   effects")
    assert T.word_pattern(("don't",)).search("don’t")
    assert not T.word_pattern(()).search("anything")


def test_blank_removes_exceptions_in_place() -> None:
    text = "There is no cure for MBC yet"
    blanked = T.blank(text, T.word_pattern(("no cure for",)))
    assert len(blanked) == len(text) and "cure" not in blanked


def test_host() -> None:
    assert T.host("https://WWW.FDA.gov/medwatch") == "www.fda.gov"
    assert T.host("bit.ly/abc") == "bit.ly"


def test_internationalised_top_level_domains_are_never_looked_up() -> None:
    """`top_level_domains()` holds only ASCII ones: a bare domain's top-level domain, as URL_RE reads it, is
    letters only, and no internationalised one is, in Unicode or in its punycode form ("xn--p1ai")."""
    from publicsuffixlist import PSLFILE

    with open(PSLFILE, encoding="utf-8") as source:
        idn = [line.strip() for line in source if line.strip() and not line.isascii() and "." not in line.strip()
               and not line.startswith("//")]
    assert len(idn) > 50
    for tld in idn + [t.encode("idna").decode("ascii") for t in idn]:
        for text in (f"see example.{tld} now", f"example.{tld}/path", f"www.a-b.{tld}."):
            assert not any(T.is_link(url) for url, _, _ in T.url_spans(text)), text
            assert all(not m.group(0).split("/")[0].endswith(tld) for m in T.URL_RE.finditer(text)), text


def test_lazy_patterns_compile_at_first_use_and_act_as_compiled() -> None:
    """`T.lazy` (the rule modules' patterns): nothing compiled by loading the catalogue, then the compiled
    pattern's own methods, with its results."""
    code = (
        "from socialpub.rules import registry, text as T\n"
        "from socialpub.rules import privacy, views\n"
        "registry()\n"
        "assert 'search' not in vars(privacy._BIRTH_DATE) and 'search' not in vars(views._PURPOSE)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    lazy, compiled = T.lazy(r"(\w+)@(\w+)", re.IGNORECASE), re.compile(r"(\w+)@(\w+)", re.IGNORECASE)
    text = "write to A@B or c@d"
    assert lazy.search(text).span() == compiled.search(text).span()  # type: ignore[union-attr]
    assert [m.groups() for m in lazy.finditer(text)] == [m.groups() for m in compiled.finditer(text)]
    assert lazy.sub("x", text) == compiled.sub("x", text) and lazy.groups == 2
    assert isinstance(vars(lazy)["search"].__self__, re.Pattern)  # the compiled pattern's own method from now on
