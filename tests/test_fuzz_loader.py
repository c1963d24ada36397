"""Property tests of the loader: no post file, however broken, makes `check` raise; no channels.toml, however
broken, raises anything but ConfigError. Broken post files become SP-FILE-001/002 findings naming the file.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socialpub.check import CheckResult
from socialpub.config import load_config
from socialpub.errors import ConfigError
from socialpub.rules import Finding, registry
from tests.helpers import BASE_CONFIG, MP4, PNG, Repo

RULES = registry()  # the catalogue (socialpub.rules loads it on first call)

FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

VALID_MD = """\
+++
id = "fuzz-post"
title = "A title"
channels = ["tw", "fb", "yt", "pin"]
post_type = "corporate"
campaign = "mbc"
publish_at = 2014-09-15T10:00:00
approval_code = "3001314  Last Updated 6/14"
approval_status = "approved"
form_2253 = false
claims_refs = ["REF-1"]
link = "https://www.astrazeneca-us.com/x"
media = [{ path = "media/a.png", alt = "An image", depicts_patient = false }]
suppress = [{ rule = "SP-CHANNEL-001", reason = "MLR accepted", mlr_ref = "MLR-1" }]

[twitter]
text = "Short text for X"
thread = ["second", "third"]

[yt]
media = [{ path = "media/v.mp4", alt = "A video" }]
tags = ["a", "b"]
privacy = "public"

[pinterest]
board = "Internships and Students"
+++
The body of the post.
Second line.
"""

VALID_TOML = """\
title = "A title"
channels = ["tw", "pin"]
post_type = "careers"
publish_at = 2014-09-15T10:00:00-04:00
media = [
  { path = "media/a.png", alt = "An image" },
]
text = \"\"\"
A multi-line text
with [brackets] and = signs.\"\"\"

[pinterest]
board = "US Military Veterans"
thumbnail = "media/a.png"
"""

# Values of every TOML type, and a few hostile strings, to put where another type belongs.
VALUES = [
    "42",
    "-1",
    "3.5",
    "inf",
    "nan",
    "true",
    "false",
    '""',
    '"x"',
    '"../../../etc/passwd"',
    '"/etc/passwd"',
    '"\\u0000"',
    '"media/a.png"',
    "[]",
    "[1, 2]",
    '["tw"]',
    '["nope"]',
    "[[1], [2]]",
    "{}",
    "{ a = 1 }",
    '{ path = "media/a.png" }',
    '[{ path = "media/a.png" }]',
    "[{ path = 1 }]",
    "[{}]",
    "2014-09-15",
    "2014-09-15T10:00:00",
    "2014-09-15T10:00:00Z",
    "2014-11-02T01:30:00",
    "2014-03-09T02:30:00",
    "10:00:00",
    "0001-01-01T00:00:00",
    "9999-12-31T23:59:59",
    "0001-01-01T00:00:00+05:00",
    "9999-12-31T23:59:59-05:00",
    "'''x'''",
    '"""\nx\n"""',
    '"SP-FILE-001"',
]

TOMLISH = "[]{}=\"'#.,\n\t +-_:TZ0123456789abcxyz\\\r\u2028\x85\ufeff\x00é"


@pytest.fixture(scope="module", autouse=True)
def loader_rules_only() -> Iterator[None]:
    """Judge the loader, not the content rules: those are written in parallel and may be mid-change.

    SOCIALPUB_FUZZ_ALL_RULES=1 runs every rule of the catalogue on the fuzzed posts as well.
    """
    if os.environ.get("SOCIALPUB_FUZZ_ALL_RULES"):
        yield
        return
    saved = dict(RULES)
    for rule_id in list(RULES):
        if not rule_id.startswith(("SP-FILE-", "SP-CHANNEL-")):
            del RULES[rule_id]
    try:
        yield
    finally:
        RULES.clear()
        RULES.update(saved)


@pytest.fixture(scope="module")
def fuzz_repo() -> Iterator[Repo]:
    """One repository for all examples of a test (hypothesis runs many examples per test call)."""
    root = Path(tempfile.mkdtemp(prefix="socialpub-fuzz-"))
    repo = Repo(root / "repo")
    repo.write("posts/media/a.png", PNG)
    repo.write("posts/media/v.mp4", MP4)
    (root / "outside.png").write_bytes(PNG)
    yield repo
    shutil.rmtree(root, ignore_errors=True)


def put(repo: Repo, name: str, content: str | bytes) -> str:
    """Make `name` the only post file of the repository; return its name as findings show it."""
    for old in (repo.root / "posts").glob("*.*"):
        if old.is_file():
            old.unlink()
    repo.write(f"posts/{name}", content)
    return f"posts/{name}"


def line_count(content: str | bytes) -> int:
    raw = content.encode("utf-8", "surrogatepass") if isinstance(content, str) else content
    return raw.count(b"\n") + 1


def file_findings(result: CheckResult) -> list[Finding]:
    return [f for f in result.findings if f.rule.startswith("SP-FILE")]


def assert_loaded_or_reported(result: CheckResult, file: str, content: str | bytes) -> list[Finding]:
    """The file loads, or SP-FILE findings say why; every such finding names the file and a real line."""
    findings = file_findings(result)
    loaded = [r.post for r in result.reports if r.post.file == file]
    assert result.files == 1
    for f in findings:
        assert f.file == file, f
        assert f.severity == "error" and not f.suppressed
        assert f.message
        if f.line is not None:
            assert 1 <= f.line <= line_count(content), (f.line, f.message)
    if not loaded:
        assert any(f.rule == "SP-FILE-001" for f in findings), [f.message for f in findings]
    return findings


def assert_lines_where_toml_gives_them(findings: list[Finding]) -> None:
    """Syntax errors and problems with a key written in the file carry a line."""
    for f in findings:
        whole_file = (
            "is required" in f.message
            or "too large" in f.message
            or "binary" in f.message
            or "nested too deeply" in f.message
        )
        if not whole_file:
            assert f.line is not None, f.message


# --- (1) arbitrary content ------------------------------------------------------------------------------


@FUZZ
@given(content=st.text(max_size=300), suffix=st.sampled_from([".md", ".toml"]))
def test_arbitrary_text_never_raises(fuzz_repo: Repo, content: str, suffix: str) -> None:
    file = put(fuzz_repo, "fuzz" + suffix, content.encode("utf-8", "surrogatepass"))
    assert_loaded_or_reported(fuzz_repo.check(), file, content)


@FUZZ
@given(content=st.binary(max_size=300), suffix=st.sampled_from([".md", ".toml"]))
def test_arbitrary_bytes_never_raise(fuzz_repo: Repo, content: bytes, suffix: str) -> None:
    file = put(fuzz_repo, "fuzz" + suffix, content)
    assert_loaded_or_reported(fuzz_repo.check(), file, content)


@pytest.mark.slow
@FUZZ
@given(front=st.text(alphabet=TOMLISH, max_size=200), body=st.text(max_size=50))
def test_arbitrary_front_matter_never_raises(fuzz_repo: Repo, front: str, body: str) -> None:
    content = "+++\n" + front + "\n+++\n" + body
    file = put(fuzz_repo, "fuzz.md", content.encode("utf-8", "surrogatepass"))
    findings = assert_loaded_or_reported(fuzz_repo.check(), file, content)
    assert_lines_where_toml_gives_them(findings)


@FUZZ
@given(
    lines=st.lists(
        st.tuples(
            st.sampled_from(
                [
                    "id",
                    "title",
                    "channels",
                    "post_type",
                    "publish_at",
                    "media",
                    "suppress",
                    "link",
                    "campaign",
                    "twitter",
                    "tw",
                    "pinterest",
                    "publsh_at",
                    "text",
                    "sponsored",
                ]
            ),
            st.sampled_from(VALUES),
        ),
        max_size=8,
    ),
    suffix=st.sampled_from([".md", ".toml"]),
)
def test_arbitrary_known_keys_with_arbitrary_values_never_raise(
    fuzz_repo: Repo, lines: list[tuple[str, str]], suffix: str
) -> None:
    front = "\n".join(f"{key} = {value}" for key, value in lines)
    content = f"+++\n{front}\n+++\nbody\n" if suffix == ".md" else front + "\n"
    file = put(fuzz_repo, "fuzz" + suffix, content)
    findings = assert_loaded_or_reported(fuzz_repo.check(), file, content)
    assert_lines_where_toml_gives_them(findings)


# --- (2) mutations of a valid post ----------------------------------------------------------------------


@st.composite
def mutated(draw: st.DrawFn, source: str) -> str:
    lines = source.split("\n")
    for _ in range(draw(st.integers(1, 3))):
        op = draw(
            st.sampled_from(["delete", "duplicate", "swap", "insert", "truncate", "retype", "retype", "char"])
        )
        i = draw(st.integers(0, len(lines) - 1))
        if op == "delete" and len(lines) > 1:
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "insert":
            at = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:at] + draw(st.text(alphabet=TOMLISH, min_size=1, max_size=4)) + lines[i][at:]
        elif op == "truncate":
            text = "\n".join(lines)
            lines = text[: draw(st.integers(0, len(text)))].split("\n")
        elif op == "retype":
            candidates = [n for n, line in enumerate(lines) if " = " in line]
            if candidates:
                n = draw(st.sampled_from(candidates))
                key = lines[n].split(" = ", 1)[0]
                lines[n] = f"{key} = {draw(st.sampled_from(VALUES))}"
        elif op == "char" and lines[i]:
            at = draw(st.integers(0, len(lines[i]) - 1))
            lines[i] = lines[i][:at] + draw(st.characters()) + lines[i][at + 1 :]
    return "\n".join(lines)


def test_the_valid_posts_are_valid(fuzz_repo: Repo) -> None:
    for name, content in (("valid.md", VALID_MD), ("valid.toml", VALID_TOML)):
        file = put(fuzz_repo, name, content)
        result = fuzz_repo.check()
        assert file_findings(result) == []
        assert [r.post.file for r in result.reports] == [file]


@pytest.mark.slow
@FUZZ
@given(content=mutated(VALID_MD))
def test_mutations_of_a_valid_md_post_never_raise(fuzz_repo: Repo, content: str) -> None:
    file = put(fuzz_repo, "mutant.md", content.encode("utf-8", "surrogatepass"))
    findings = assert_loaded_or_reported(fuzz_repo.check(), file, content)
    assert_lines_where_toml_gives_them(findings)


@pytest.mark.slow
@FUZZ
@given(content=mutated(VALID_TOML))
def test_mutations_of_a_valid_toml_post_never_raise(fuzz_repo: Repo, content: str) -> None:
    file = put(fuzz_repo, "mutant.toml", content.encode("utf-8", "surrogatepass"))
    findings = assert_loaded_or_reported(fuzz_repo.check(), file, content)
    assert_lines_where_toml_gives_them(findings)


@settings(FUZZ, max_examples=75)  # two checks per example
@given(content=mutated(VALID_MD))
def test_mutations_keep_crlf_and_lf_equivalent(fuzz_repo: Repo, content: str) -> None:
    """A file checked out with Windows line ends gives the same findings, on the same lines."""

    def summary(raw: bytes) -> list[tuple[str, int, str]]:
        put(fuzz_repo, "mutant.md", raw)
        return sorted((f.rule, f.line or 0, f.message) for f in file_findings(fuzz_repo.check()))

    if "\r" in content:
        return
    lf = content.encode("utf-8", "surrogatepass")
    assert summary(lf.replace(b"\n", b"\r\n")) == summary(lf)


# --- (3) channels.toml --------------------------------------------------------------------------------


def _load_config_text(content: str | bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "channels.toml"
        if isinstance(content, str):
            content = content.encode("utf-8", "surrogatepass")
        path.write_bytes(content)
        try:
            load_config(path)
        except ConfigError as exc:
            assert exc.file and exc.file.endswith("channels.toml")
            assert exc.exit_code == 2
            assert str(exc)


@FUZZ
@given(content=mutated(BASE_CONFIG))
def test_mutations_of_channels_toml_raise_only_config_error(content: str) -> None:
    _load_config_text(content)


@FUZZ
@given(
    table=st.sampled_from(
        [
            "defaults",
            "channels.tw",
            "channels.pin",
            "channels.pin.boards",
            "compliance",
            "compliance.approval",
            "compliance.links",
            "compliance.campaigns.x",
            "compliance.products.p",
            'compliance.rules."SP-CHANNEL-001"',
            'compliance.rules."SP-FILE-001"',
            "compliance.limits",
            "compliance.limits.twitter",
            "compliance.lexicon",
            "channels.x",
            "compliance.campaigns",
        ]
    ),
    entries=st.lists(
        st.tuples(
            st.sampled_from(
                [
                    "kind",
                    "timezone",
                    "max_lateness",
                    "min_gap",
                    "code_regex",
                    "level",
                    "channels",
                    "text",
                    "start",
                    "end",
                    "brand",
                    "allow_hosts",
                    "api_key",
                    "refresh_token",
                    "endpoint",
                    "boards",
                    "twitter",
                    "x",
                    "hype",
                    "established",
                ]
            ),
            st.sampled_from(
                [
                    *VALUES,
                    '"env:X"',
                    '"file:~/x"',
                    '"file:x"',
                    '"file:/x\\u0000"',
                    '"off"',
                    '"("',
                    '"America"',
                    '"99999999999d"',
                    '"a{99999999999}"',
                    '"twitter"',
                    '"pinterest"',
                ]
            ),
        ),
        min_size=1,
        max_size=4,
        unique_by=lambda e: e[0],
    ),
)
def test_arbitrary_tables_in_channels_toml_raise_only_config_error(
    table: str, entries: list[tuple[str, str]]
) -> None:
    body = "\n".join(f"{k} = {v}" for k, v in entries)
    _load_config_text(f"[{table}]\n{body}\n")


@FUZZ
@given(
    content=st.text(alphabet=TOMLISH, max_size=200)
    | st.binary(max_size=200).map(lambda b: b.decode("latin-1"))
)
def test_arbitrary_channels_toml_raises_only_config_error(content: str) -> None:
    _load_config_text(content)


# --- files the loader must refuse clearly -------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".md", ".toml"])
def test_huge_post_file_is_a_clear_error(repo: Repo, suffix: str) -> None:
    head = "+++\n" if suffix == ".md" else ""
    content = head + 'title = "' + "x" * 600_000 + '"\n'
    repo.write(f"posts/huge{suffix}", content)
    result = repo.check()
    (finding,) = file_findings(result)
    assert finding.rule == "SP-FILE-001" and finding.file == f"posts/huge{suffix}"
    assert "too large" in finding.message and "512,000" in finding.message
    assert finding.hint
    assert result.reports == []


@pytest.mark.parametrize("suffix", [".md", ".toml"])
def test_binary_post_file_is_a_clear_error(repo: Repo, suffix: str) -> None:
    repo.write(f"posts/binary{suffix}", b"+++\n\x00\x01\x02" + PNG)
    (finding,) = file_findings(repo.check())
    assert finding.rule == "SP-FILE-001" and finding.file == f"posts/binary{suffix}"
    assert "binary" in finding.message and finding.hint


def test_an_image_renamed_to_md_is_a_clear_error(repo: Repo) -> None:
    repo.write("posts/photo.md", PNG)
    (finding,) = file_findings(repo.check())
    assert finding.rule == "SP-FILE-001" and finding.file == "posts/photo.md"


@pytest.mark.parametrize("depth", [200, 5000])
def test_deeply_nested_values_are_a_clear_error(repo: Repo, depth: int) -> None:
    repo.write(
        "posts/deep.md", "+++\nchannels = " + "[" * depth + "]" * depth + '\npost_type = "corporate"\n+++\n'
    )
    (finding,) = file_findings(repo.check())
    assert finding.rule == "SP-FILE-001" and finding.line == 2


def test_a_long_line_of_spaces_is_read_in_linear_time(repo: Repo) -> None:
    """A line starting with '[' inside an array used to backtrack quadratically (minutes for 200 KB)."""
    import time

    front = 'channels = ["tw"]\npost_type = "corporate"\nclaims_refs = [\n  [1,' + " " * 200_000 + "2],\n]\n"
    repo.write("posts/spaces.md", "+++\n" + front + "+++\nbody\n")
    started = time.monotonic()
    (finding,) = file_findings(repo.check())
    assert time.monotonic() - started < 10
    assert finding.message.startswith("claims_refs:") and finding.line == 4
