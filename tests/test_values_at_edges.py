"""Values at the edges: dates near year 1 or 9999, approval codes and code_regex of every shape, durations
huge, negative, zero or malformed, IPv6-looking links. Each is a clear configuration error (exit 2, naming
file, line and key, with a hint) or a finding; never a traceback. Property tests generate the values.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from socialpub.config import load_config
from socialpub.errors import ConfigError
from tests import helpers
from tests.helpers import BASE_CONFIG, Repo

PROPERTY = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
YEAR_REGEX = r"^MLR-(?P<yy>\d{4}|\d{6,})-(?P<month>\d{2}|\d{6,})$"


def config_text(replace: dict[str, str] | None = None, approval: str = "") -> str:
    text = BASE_CONFIG
    for old, new in (replace or {}).items():
        assert old in text, old
        text = text.replace(old, new)
    return text.replace("[compliance.approval]\n", "[compliance.approval]\n" + approval, 1)


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.split("\n"), start=1) if needle in line)


def cli(root: Path, *args: str) -> tuple[int, str]:
    code, out, err = helpers.cli(root, *args)
    return code, out + err


# --- configuration: each bad value is exit 2 naming file, line and key, with a hint --------------------

BAD_CONFIG = [
    # (replacements, approval lines, key, written line to point at, what the message says)
    ({"start = 2014-09-01": "start = 0001-01-01"}, "", "compliance.campaigns.mbc.start", "start = 0001", "years"),
    ({"end = 2014-10-13": "end = 9999-12-31"}, "", "compliance.campaigns.mbc.end", "end = 9999", "years"),
    ({"start = 2014-09-01": "start = 1899-12-31"}, "", "compliance.campaigns.mbc.start", "start = 1899", "years"),
    ({'max_lateness = "24h"': 'max_lateness = "99999999d"'}, "", "defaults.max_lateness", "max_lateness",
     "longer than 366 days"),
    ({'max_lateness = "24h"': 'max_lateness = "367d"'}, "", "defaults.max_lateness", "max_lateness", "longer"),
    ({'max_lateness = "24h"': 'max_lateness = "' + "9" * 5000 + 'd"'}, "", "defaults.max_lateness",
     "max_lateness", "not a duration"),
    ({'max_lateness = "24h"': 'max_lateness = "-1h"'}, "", "defaults.max_lateness", "max_lateness",
     "not a duration"),
    ({'max_lateness = "24h"': 'max_lateness = "0m"'}, "", "defaults.max_lateness", "max_lateness", "zero"),
    ({'max_lateness = "24h"': 'max_lateness = "0d0h"'}, "", "defaults.max_lateness", "max_lateness", "zero"),
    ({'max_lateness = "24h"': 'max_lateness = "1.5h"'}, "", "defaults.max_lateness", "max_lateness",
     "not a duration"),
    ({'max_lateness = "24h"': 'max_lateness = "24 hours"'}, "", "defaults.max_lateness", "max_lateness",
     "not a duration"),
    ({'max_lateness = "24h"': 'max_lateness = "24h"\nmin_gap = "400d"'}, "", "defaults.min_gap", "min_gap",
     "longer"),
    ({"[compliance.disclosure]\n": "[compliance.disclosure]\nfold_chars = -3\n"}, "",
     "compliance.disclosure.fold_chars", "fold_chars = -3", "between 0 and"),
    ({"[compliance.disclosure]\n": "[compliance.disclosure]\nmax_trailing_hashtags = 99999999999999999\n"}, "",
     "compliance.disclosure.max_trailing_hashtags", "max_trailing_hashtags", "between 0 and"),
    ({"[compliance.pipeline]\n": "[compliance.limits.twitter]\ntext = -1\n\n[compliance.pipeline]\n"}, "",
     "compliance.limits.twitter.text", "text = -1", "between 0 and"),
    ({}, "code_regex = '(unclosed'\n", "compliance.approval.code_regex", "code_regex", "regular expression"),
    ({}, "code_regex = '(?<=MLR-)\\d+'\n", "compliance.approval.code_regex", "code_regex", "regular expression"),
    ({}, "code_regex = '(a)\\1'\n", "compliance.approval.code_regex", "code_regex", "regular expression"),
    ({}, "code_regex = 'a{99999999999}'\n", "compliance.approval.code_regex", "code_regex", "regular expression"),
    ({}, "code_regex = 'x{1001}'\n", "compliance.approval.code_regex", "code_regex", "regular expression"),
    ({}, "code_regex = ''\n", "compliance.approval.code_regex", "code_regex", "empty string"),
    ({}, "code_regex = '.*'\n", "compliance.approval.code_regex", "code_regex", "empty string"),
    ({}, "code_regex = '\\d*'\n", "compliance.approval.code_regex", "code_regex", "empty string"),
    ({}, "code_regex = '(?P<id>\\d{7})?'\n", "compliance.approval.code_regex", "code_regex", "empty string"),
]


@pytest.mark.parametrize(("replace", "approval", "key", "needle", "says"), BAD_CONFIG)
def test_bad_values_are_config_errors_naming_file_line_key_and_hint(
    tmp_path: Path, replace: dict[str, str], approval: str, key: str, needle: str, says: str
) -> None:
    text = config_text(replace, approval)
    (tmp_path / "channels.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "channels.toml")
    error = caught.value
    assert error.exit_code == 2 and error.file and error.file.endswith("channels.toml")
    assert error.key == key and error.line == line_of(text, needle)
    assert says in error.message and error.hint
    assert len(str(error)) < 1000  # a 5,000-digit value is not echoed whole


@pytest.mark.parametrize(("replace", "approval", "key", "needle", "says"), BAD_CONFIG[:4] + BAD_CONFIG[12:17])
def test_bad_values_exit_2_without_traceback(
    tmp_path: Path, replace: dict[str, str], approval: str, key: str, needle: str, says: str
) -> None:
    (tmp_path / "channels.toml").write_text(config_text(replace, approval), encoding="utf-8")
    (tmp_path / "posts").mkdir()
    code, out = cli(tmp_path, "check")
    assert code == 2 and key in out and "hint:" in out and "Traceback" not in out


@pytest.mark.parametrize(
    ("replace", "approval"),
    [
        ({"start = 2014-09-01": "start = 1900-01-01", "end = 2014-10-13": "end = 2999-12-31"}, ""),
        ({'max_lateness = "24h"': 'max_lateness = "366d"\nmin_gap = "0m"'}, ""),
        ({'max_lateness = "24h"': 'max_lateness = "1s"'}, ""),
        ({}, "code_regex = '(a+)+$'\n"),  # valid, and harmless with RE2 (below)
        ({}, f"code_regex = '{YEAR_REGEX}'\n"),
    ],
)
def test_values_at_the_edge_of_the_range_load(tmp_path: Path, replace: dict[str, str], approval: str) -> None:
    (tmp_path / "channels.toml").write_text(config_text(replace, approval), encoding="utf-8")
    load_config(tmp_path / "channels.toml")


def test_max_lateness_is_the_value_written_not_a_default(tmp_path: Path) -> None:
    (tmp_path / "channels.toml").write_text(config_text({'max_lateness = "24h"': 'max_lateness = "1s"'}))
    assert load_config(tmp_path / "channels.toml").defaults.max_lateness.total_seconds() == 1


# --- approval codes and code_regex at run time ---------------------------------------------------------


def test_catastrophic_backtracking_regex_is_bounded(repo: Repo) -> None:
    # With Python's re, (a+)+$ on this code backtracks 2**60 times: the check would never end.
    repo.write_config(base=config_text(approval="code_regex = '(a+)+$'\n"))
    repo.post("Our science blog LabTalk is live.", approval_code="a" * 60 + "!")
    started = time.monotonic()
    [finding] = repo.findings("SP-META-001")
    assert "does not match" in finding.message
    assert time.monotonic() - started < 60  # seconds, on a loaded machine; the old engine takes years
    repo.post("Our science blog LabTalk is live.", approval_code="a" * 100_000)
    assert repo.findings("SP-META-001") == []


@pytest.mark.parametrize(
    ("code", "says"),
    [("MLR-0001-01", "year 0001"), ("MLR-9999-12", "year 9999"), ("MLR-0000-06", "year 0000"),
     ("MLR-1899-12", "year 1899"), ("MLR-2014-00", "month 00"), ("MLR-2014-13", "month 13"),
     ("MLR-2014-" + "1" * 5000, "is not a month"), ("MLR-" + "2" * 5000 + "-06", "is not a year")],
)
@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago", "UTC"])
def test_approval_years_near_the_calendar_ends_are_findings(repo: Repo, code: str, says: str, zone: str) -> None:
    text = config_text({'timezone = "America/New_York"': f'timezone = "{zone}"'}, f"code_regex = '{YEAR_REGEX}'\n")
    repo.write_config(base=text)
    repo.post("Our science blog LabTalk is live.", approval_code=code, campaign="mbc")
    for at in (None, datetime(2999, 12, 31, tzinfo=UTC), datetime(1900, 1, 1, tzinfo=UTC)):
        findings = repo.findings(at=at)
        [meta] = [f for f in findings if f.rule == "SP-META-001"]
        assert says in meta.message and meta.excerpt == code
        assert not [f for f in findings if f.rule in ("SP-META-002", "SP-META-003")]
    # --at at the calendar's ends: judged where it exists in the zone, a usage error where it does not.
    for at in ("9999-12-31T23:00:00Z", "0001-01-01T00:00:00+05:00", "9999-12-31T09:00:00Z", "0001-01-01T12:00Z"):
        code_, out = cli(repo.root, "check", "--at", at)
        assert code_ in (1, 2) and "Traceback" not in out, out
        assert ("out of range" in out) == (code_ == 2), out


@pytest.mark.parametrize("year", ["2999", "1900"])
def test_approval_years_at_the_edge_of_the_range_are_judged(repo: Repo, year: str) -> None:
    repo.write_config(base=config_text(approval=f"code_regex = '{YEAR_REGEX}'\n"))
    repo.post("Our science blog LabTalk is live.", approval_code=f"MLR-{year}-12", campaign=None)
    assert repo.findings("SP-META-001") == []
    [expiry] = repo.findings("SP-META-002")  # future-dated (2999) or long expired (1900)
    assert ("future-dated" in expiry.message) == (year == "2999")


def test_unicode_digits_in_an_approval_code_are_read_or_refused_clearly(repo: Repo) -> None:
    # Python's \d takes "٠٦" (Arabic-Indic digits); RE2's takes ASCII only: no match, a clear finding.
    repo.write_config(base=config_text(approval=f"code_regex = '{YEAR_REGEX}'\n"))
    for code in ("MLR-٢٠١٤-٠٦", "MLR-2014-²²", "MLR-２０１４-06"):
        repo.post("Our science blog LabTalk is live.", approval_code=code, campaign=None)
        [finding] = repo.findings("SP-META-001")
        assert "does not match" in finding.message


# --- links that look like IPv6 ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ("See http://[::1]/ for details.", "::1 is not in [compliance.links] allow_hosts"),
        ("See http://[bad/ for details.", "cannot tell the host"),
        ("See https://[::ffff:127.0.0.1]:8080/x now", "not in [compliance.links] allow_hosts"),
        ("See http://[1:2:3:4:5:6:7:8:9]/ now", "link http://[1:2:3:4:5:6:7:8:9]/: "),
        ("See https://www.fda.gov]/x now", "cannot tell the host"),
        ("See https://[www.fda.gov]/x now", "cannot tell the host"),
    ],
)
def test_ipv6_looking_links_are_findings(repo: Repo, body: str, says: str) -> None:
    repo.post(body, channels=["tw", "fb"])
    findings = repo.findings("SP-META-005")
    assert findings and all(says in f.message for f in findings)


# --- property tests: nothing but the project's own errors ----------------------------------------------

DURATIONS = st.one_of(
    st.from_regex(r"\A-?[0-9]{0,12}(?:\.[0-9])?[dhms]?(?:[0-9]{0,5}[dhms])?\Z"),
    st.text(alphabet="0123456789dhms -+.e_", max_size=20),
    st.text(max_size=10),
)
DATES = st.dates(min_value=datetime(1, 1, 1).date()).map(lambda d: d.isoformat())
REGEXES = st.one_of(
    st.text(alphabet=r"()[]{}?*+|^$\.dws<>=!:P0123456789aMLR-", max_size=25),
    st.sampled_from([r"(a+)+$", r"(?P<yy>\d{4})-(?P<month>\d{2})", r"(?P<month>\d+)/(?P<yy>\d+)", r"\d{7}",
                     r"(?P<yy>.*)(?P<month>.*)"]),
)
CODES = st.one_of(st.from_regex(r"\A[A-Z]{0,3}-?[0-9]{0,5}[-/ ]?[0-9]{0,5}\Z"), st.text(max_size=20),
                  st.sampled_from(["1/" + "2" * 5000, "1" * 5000 + "/14", "2014-" + "0" * 4400 + "6"]))


def _toml_string(value: str) -> str:
    return '"' + "".join(ch if ch.isprintable() and ch not in '"\\' else f"\\U{ord(ch):08x}"
                         for ch in value if not 0xD800 <= ord(ch) <= 0xDFFF) + '"'


@PROPERTY
@given(lateness=DURATIONS, gap=DURATIONS, start=DATES, end=DATES, regex=REGEXES, code=CODES)
@example(lateness="1d", gap="0d", start="2000-01-01", end="2000-01-01", regex="0", code="")  # a campaign day at year 1
def test_generated_config_values_load_or_fail_clearly_and_check_never_raises(
    tmp_path_factory: pytest.TempPathFactory, lateness: str, gap: str, start: str, end: str, regex: str,
    code: str,
) -> None:
    root = tmp_path_factory.mktemp("edge")
    text = config_text(
        {'max_lateness = "24h"': f"max_lateness = {_toml_string(lateness)}\nmin_gap = {_toml_string(gap)}",
         "start = 2014-09-01": f"start = {start}", "end = 2014-10-13": f"end = {end}"},
        f"code_regex = {_toml_string(regex)}\n",
    )
    repo = Repo(root)
    repo.write_config(base=text)
    repo.post("Our science blog LabTalk is live.", approval_code=code, campaign="mbc")
    try:
        load_config(root / "channels.toml")
    except ConfigError as error:
        assert error.exit_code == 2 and error.key and error.line
        return
    for at in (None, "0001-01-01T00:00:00+00:00", "9999-12-31T23:59:59+00:00"):
        repo.check(**({} if at is None else {"at": datetime.fromisoformat(at)}))


URLISH = st.sampled_from([
    "http://", "https://", "[", "]", "::1", ":", "/", ".", "@", "www.", "example.com", ".org", "%", "?#", "v1.2",
    "2.5mg", "e.g.", "U.S.", "first.last@astrazeneca.com", "report.pdf", "@handle", " ", "\n", "\u0130", "٣",
])


@PROPERTY
@given(text=st.lists(st.one_of(URLISH, st.text(max_size=5)), max_size=25).map("".join))
def test_generated_post_texts_give_findings_never_errors(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    repo = Repo(tmp_path_factory.mktemp("text"))
    repo.post(text.replace("+++", "+ ++"), channels=["tw", "fb", "yt", "pin"], link=text[:50] or None,
              tables='[pinterest]\nboard = "Internships and Students"\n')
    repo.check()


@pytest.mark.parametrize("unit", ["a.bb.", "aa.aa.", "a.b-", "x%."])
def test_a_long_word_of_labels_before_an_at_sign_is_scanned_in_linear_time(unit: str) -> None:
    from socialpub.rules import text as T

    word = unit * (320_000 // len(unit)) + "cc@example.com"
    started = time.monotonic()
    assert T.find_urls(word) == []
    # Linear: a fraction of a second. The scan that retried each shorter domain took minutes (quadratic).
    assert time.monotonic() - started < 30
