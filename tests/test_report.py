"""The `check` output formats: real results from the real loader and rules, and hostile hand-made findings."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from socialpub import report
from socialpub.check import CheckResult
from socialpub.rules import Finding, registry
from tests.helpers import Repo

RULES = registry()  # the catalogue (socialpub.rules loads it on first call)

LONG_TWEET = "Living with metastatic breast cancer: " + "x" * 300
BROKEN = "+++\nnot toml = = \n+++\n"
# Everything a format could choke on: its own escape characters, markup, quotes, emoji, line ends, controls.
HOSTILE = (
    "Ünïcode 💊 100% \"sure\" & 'quoted' <b>bold</b> </failure> ]]> key: a,b=c :: %0A\r\n"
    "second line\nthird\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x1f \x1b[31mred\x1b[0m \ufffe end"
)
XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def finding(**kw: Any) -> Finding:
    data: dict[str, Any] = {
        "rule": "SP-CHANNEL-001",
        "name": "too-long",
        "severity": "error",
        "post": "p",
        "channel": "tw",
        "file": "posts/p.md",
        "line": 3,
        "column": 5,
        "message": "tweet is too long",
        "excerpt": None,
        "hint": "cut it",
    }
    data.update(kw)
    return Finding(**data)


def made(*findings: Finding, posts: int = 1) -> CheckResult:
    """A result from findings alone (no reports), as a caller of the formats could build it."""
    return CheckResult(reports=[], file_findings=[], files=posts, findings=list(findings))


def hostile_findings() -> list[Finding]:
    return [
        finding(message=HOSTILE, hint=HOSTILE, excerpt=HOSTILE, file="posts/odd, name: 100%.md"),
        finding(
            rule="SP-FILE-001",
            name="invalid-post-file",
            channel=None,
            line=None,
            column=None,
            message="x" * 20_000 + "\n" + HOSTILE,
            hint=None,
            file="posts/b.md",
        ),
        finding(
            severity="warning",
            message="<script>alert('&')</script>",
            channel="tw, fb: 100%",
            file="posts/with space.md",
            line=1,
            column=None,
        ),
        finding(
            suppressed=True,
            suppression={"reason": HOSTILE, "mlr_ref": "MLR-1"},
            file="posts/c.md",
        ),
    ]


@pytest.fixture
def real(repo: Repo) -> CheckResult:
    """A 300-character tweet (SP-CHANNEL-001), a waived one (suppressed) and a broken file (SP-FILE-001)."""
    repo.post(LONG_TWEET, name="long")
    repo.post(
        LONG_TWEET, name="waived", suppress=[{"rule": "SP-CHANNEL-001", "reason": "MLR accepted the length"}]
    )
    repo.write("posts/broken.md", BROKEN)
    result = repo.check()
    assert {f.rule for f in result.findings} >= {"SP-CHANNEL-001", "SP-FILE-001"}
    return result


def only(result: CheckResult, rule: str, *, suppressed: bool = False) -> Finding:
    [found] = [f for f in result.findings if f.rule == rule and f.suppressed == suppressed]
    return found


# --- json ----------------------------------------------------------------------------------------


def test_json_has_exactly_the_documented_envelope(real: CheckResult) -> None:
    data = json.loads(report.check_json(real))
    assert set(data) == {"version", "command", "status", "summary", "findings"}
    assert (data["version"], data["command"], data["status"]) == (1, "check", "failed")
    assert data["summary"] == {
        "posts": real.posts,
        "errors": real.errors,
        "warnings": real.warnings,
        "suppressed": real.suppressed,
    }
    assert (
        data["summary"]["posts"] == 3
        and data["summary"]["errors"] == 2
        and data["summary"]["suppressed"] == 1
    )
    keys = {
        "rule",
        "name",
        "severity",
        "post",
        "channel",
        "file",
        "line",
        "column",
        "message",
        "excerpt",
        "hint",
        "suppressed",
    }
    for item in data["findings"]:
        assert keys <= set(item) <= keys | {"suppression"}
    broken = next(f for f in data["findings"] if f["rule"] == "SP-FILE-001")
    assert broken["file"] == "posts/broken.md" and broken["line"] == 2 and broken["channel"] is None
    long = next(f for f in data["findings"] if f["rule"] == "SP-CHANNEL-001" and not f["suppressed"])
    assert (long["post"], long["channel"], long["severity"]) == ("long", "tw", "error")


def test_json_includes_suppressed_findings_with_their_reason(real: CheckResult) -> None:
    data = json.loads(report.check_json(real))
    waived = [f for f in data["findings"] if f["suppressed"]]
    assert [(f["post"], f["suppression"]["reason"]) for f in waived] == [
        ("waived", "MLR accepted the length")
    ]


def test_json_findings_are_sorted_by_file_line_column_rule() -> None:
    shuffled = [
        finding(file="posts/b.md", line=1, column=1),
        finding(file="posts/a.md", line=10, column=1),
        finding(file="posts/a.md", line=2, column=9, rule="SP-Z"),
        finding(file="posts/a.md", line=2, column=9, rule="SP-A"),
        finding(file="posts/a.md", line=2, column=3),
        finding(file="posts/a.md", line=None, column=None),
    ]
    data = json.loads(report.check_json(made(*shuffled)))
    got = [(f["file"], f["line"], f["column"], f["rule"]) for f in data["findings"]]
    assert got == [
        ("posts/a.md", None, None, "SP-CHANNEL-001"),
        ("posts/a.md", 2, 3, "SP-CHANNEL-001"),
        ("posts/a.md", 2, 9, "SP-A"),
        ("posts/a.md", 2, 9, "SP-Z"),
        ("posts/a.md", 10, 1, "SP-CHANNEL-001"),
        ("posts/b.md", 1, 1, "SP-CHANNEL-001"),
    ]


def test_json_status_is_ok_with_only_warnings_and_suppressed_errors() -> None:
    result = made(
        finding(severity="warning"),
        finding(suppressed=True, suppression={"reason": "waived"}),
    )
    data = json.loads(report.check_json(result))
    assert data["status"] == "ok"
    assert data["summary"] == {"posts": 1, "errors": 0, "warnings": 1, "suppressed": 1}


def test_json_clean_run(repo: Repo) -> None:
    repo.post("A short and harmless tweet.")
    data = json.loads(report.check_json(repo.check()))
    assert data["status"] == "ok" and data["findings"] == [] and data["summary"]["errors"] == 0


def test_json_round_trips_hostile_text() -> None:
    findings = hostile_findings()
    data = json.loads(report.check_json(made(*findings)))
    assert sorted(f["message"] for f in data["findings"]) == sorted(f.message for f in findings)


# --- github --------------------------------------------------------------------------------------

COMMAND = re.compile(r"^::(error|warning|notice)(?: ([^:]*))?::(.*)$")


def unescape(value: str) -> str:
    return re.sub(r"%(25|0D|0A|3A|2C)", lambda m: bytes.fromhex(m.group(1)).decode(), value)


def parse_github(output: str) -> list[tuple[str, dict[str, str], str]]:
    """Parse workflow commands as the runner does: lines end at \\n or \\r only (.NET ReadLine), properties
    are split on ',' and '=' before unescaping."""
    commands = []
    assert output.endswith("\n") and "\r" not in output
    for line in output[:-1].split("\n"):
        match = COMMAND.match(line)
        assert match, line
        props = {}
        for pair in (match.group(2) or "").split(","):
            key, _, value = pair.partition("=")
            props[key] = unescape(value)
        commands.append((match.group(1), props, unescape(match.group(3))))
    return commands


def test_github_annotates_each_real_finding(real: CheckResult) -> None:
    output = report.check_github(real)
    lines = output.splitlines()
    assert len(lines) == len(parse_github(output)) == len(real.findings)
    long = only(real, "SP-CHANNEL-001")
    assert f"::error file=posts/long.md,line={long.line},title=SP-CHANNEL-001 too-long [tw]::" in output
    broken = only(real, "SP-FILE-001")
    assert (
        f"::error file=posts/broken.md,line=2,col={broken.column},title=SP-FILE-001 invalid-post-file::"
        in output
    )
    assert sum(line.startswith("::notice ") for line in lines) == 1  # the waived one


def test_github_levels_and_unknown_positions() -> None:
    result = made(
        finding(severity="warning", line=4, column=None, file="posts/w.md"),
        finding(line=None, column=None, file="posts/x.md"),
        finding(suppressed=True, suppression={"reason": "ok by MLR"}, file="posts/y.md"),
        finding(file="", line=3),
    )
    commands = {
        props.get("file", ""): (kind, props) for kind, props, _ in parse_github(report.check_github(result))
    }
    assert commands["posts/w.md"] == (
        "warning",
        {"file": "posts/w.md", "line": "4", "title": "SP-CHANNEL-001 too-long [tw]"},
    )
    assert commands["posts/x.md"][1].keys() == {"file", "title"}
    assert commands["posts/y.md"][0] == "notice"
    assert commands[""][1].keys() == {"title"}  # no file: a line alone means nothing to GitHub


def test_github_hostile_text_stays_on_one_line_and_unescapes_to_the_original() -> None:
    findings = hostile_findings()
    output = report.check_github(made(*findings))
    commands = parse_github(output)
    assert len(commands) == len(findings)
    parsed = {props["file"]: (props, message) for _, props, message in commands}
    for f in findings:
        props, message = parsed[f.file]
        expected = f.message + (f"\nhint: {f.hint}" if f.hint else "")
        if f.suppressed:
            expected += f"\nsuppressed: {f.suppression['reason']} (MLR MLR-1)"  # type: ignore[index]
        assert message == expected
        assert props["title"] == f"{f.rule} {f.name}" + (f" [{f.channel}]" if f.channel else "")
    assert "file=posts/odd%2C name%3A 100%25.md," in output


@settings(max_examples=200, deadline=None)
@given(st.text(), st.text(min_size=1))
def test_github_escaping_round_trips_any_text(message: str, file: str) -> None:
    [(_, props, data)] = parse_github(
        report.check_github(made(finding(message=message, hint=None, file=file)))
    )
    assert data == message and props["file"] == file


# --- junit ---------------------------------------------------------------------------------------


def junit(result: CheckResult) -> ET.Element:
    output = report.check_junit(result)
    assert output.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    assert not XML_FORBIDDEN.search(output)
    return ET.fromstring(output.encode("utf-8"))


def cases(root: ET.Element) -> dict[str, ET.Element]:
    return {f"{c.get('classname')}::{c.get('name')}": c for c in root.iter("testcase")}


def test_junit_one_testcase_per_post_channel_and_per_broken_file(real: CheckResult) -> None:
    root = junit(real)
    [suite] = root.findall("testsuite")
    assert suite.get("name") == "socialpub check"
    found = cases(root)
    assert set(found) == {
        "posts/broken.md::broken",
        "posts/long.md::long [tw]",
        "posts/waived.md::waived [tw]",
    }
    assert suite.get("tests") == root.get("tests") == "3"
    assert suite.get("failures") == root.get("failures") == "2"
    assert suite.get("errors") == "0"
    [failure] = found["posts/broken.md::broken"].findall("failure")
    assert failure.get("type") == "SP-FILE-001"
    [failure] = found["posts/long.md::long [tw]"].findall("failure")
    assert failure.get("type") == "SP-CHANNEL-001" and "280" in (failure.get("message") or "")
    waived = found["posts/waived.md::waived [tw]"]
    assert waived.find("failure") is None
    assert "MLR accepted the length" in (waived.findtext("system-out") or "")


def test_junit_counts_channels_and_warnings(repo: Repo) -> None:
    repo.post(LONG_TWEET, name="both", channels=["tw", "fb"])  # too long for X only
    repo.post("A short and harmless tweet.", name="fine")
    root = junit(repo.check())
    found = cases(root)
    assert set(found) == {"posts/both.md::both [tw]", "posts/both.md::both [fb]", "posts/fine.md::fine [tw]"}
    assert (root.get("tests"), root.get("failures")) == ("3", "1")
    assert found["posts/both.md::both [fb]"].find("failure") is None

    result = made(finding(severity="warning"), finding(severity="warning", rule="SP-OTHER", line=9))
    root = junit(result)
    [case] = root.iter("testcase")
    assert case.find("failure") is None and (root.get("tests"), root.get("failures")) == ("1", "0")
    assert "SP-OTHER" in (case.findtext("system-out") or "")


def test_junit_several_errors_in_one_testcase() -> None:
    root = junit(made(finding(), finding(rule="SP-META-005", name="link-host", line=7)))
    [case] = root.iter("testcase")
    assert [f.get("type") for f in case.findall("failure")] == ["SP-CHANNEL-001", "SP-META-005"]
    assert (root.get("tests"), root.get("failures")) == ("1", "1")


def test_junit_empty_result_is_valid() -> None:
    root = junit(made(posts=0))
    assert (root.get("tests"), root.get("failures")) == ("0", "0")


def test_junit_stays_well_formed_with_hostile_text() -> None:
    findings = hostile_findings()
    root = junit(made(*findings))
    failures = list(root.iter("failure"))
    assert len(failures) == 2  # the two unsuppressed errors
    text = "\n".join((f.get("message") or "") + (f.text or "") for f in failures)
    for needle in (
        "100% \"sure\" & 'quoted' <b>bold</b> </failure> ]]>",
        "💊",
        "\\x00",
        "\\x08",
        "\\x1b[31mred",
        "\\ufffe",
        "x" * 20_000,
    ):
        assert needle in text, needle
    assert "\x00" not in text and "\x1b" not in text
    outs = "".join(c.findtext("system-out") or "" for c in root.iter("testcase"))
    assert "<script>alert('&')</script>" in outs


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_junit_is_well_formed_for_any_text(text: str) -> None:
    junit(made(finding(message=text, hint=text, post=text, channel=text, file=text or "f")))


# --- sarif ---------------------------------------------------------------------------------------

LEVELS = ["none", "note", "warning", "error"]
# The parts of the SARIF 2.1.0 schema (docs.oasis-open.org/sarif/sarif/v2.1.0) that socialpub relies on.
SARIF_SUBSET: dict[str, Any] = {
    "type": "object",
    "required": ["version", "runs"],
    "properties": {
        "$schema": {"type": "string", "format": "uri"},
        "version": {"const": "2.1.0"},
        "runs": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["tool"],
                "properties": {
                    "tool": {
                        "type": "object",
                        "required": ["driver"],
                        "properties": {
                            "driver": {
                                "type": "object",
                                "required": ["name"],
                                "properties": {
                                    "name": {"type": "string"},
                                    "version": {"type": "string"},
                                    "informationUri": {"type": "string", "format": "uri"},
                                    "rules": {"type": "array", "items": {"$ref": "#/$defs/descriptor"}},
                                },
                            }
                        },
                    },
                    "columnKind": {"enum": ["utf16CodeUnits", "unicodeCodePoints"]},
                    "results": {"type": "array", "items": {"$ref": "#/$defs/result"}},
                },
            },
        },
    },
    "$defs": {
        "message": {"type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}},
        "descriptor": {
            "type": "object",
            "required": ["id"],
            "properties": {
                "id": {"type": "string"},
                "name": {"type": "string"},
                "shortDescription": {"$ref": "#/$defs/message"},
                "fullDescription": {"$ref": "#/$defs/message"},
                "help": {"$ref": "#/$defs/message"},
                "defaultConfiguration": {
                    "type": "object",
                    "properties": {"level": {"enum": LEVELS}},
                },
                "properties": {
                    "type": "object",
                    "properties": {
                        "tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": True}
                    },
                },
            },
        },
        "result": {
            "type": "object",
            "required": ["message"],
            "properties": {
                "ruleId": {"type": "string"},
                "ruleIndex": {"type": "integer", "minimum": -1},
                "level": {"enum": LEVELS},
                "message": {"$ref": "#/$defs/message"},
                "locations": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "physicalLocation": {
                                "type": "object",
                                "properties": {
                                    "artifactLocation": {
                                        "type": "object",
                                        "properties": {
                                            "uri": {"type": "string", "format": "uri-reference"},
                                            "uriBaseId": {"type": "string"},
                                        },
                                    },
                                    "region": {
                                        "type": "object",
                                        "properties": {
                                            "startLine": {"type": "integer", "minimum": 1},
                                            "startColumn": {"type": "integer", "minimum": 1},
                                        },
                                    },
                                },
                            }
                        },
                    },
                },
                "partialFingerprints": {"type": "object", "additionalProperties": {"type": "string"}},
                "suppressions": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["kind"],
                        "properties": {
                            "kind": {"enum": ["inSource", "external"]},
                            "justification": {"type": "string"},
                        },
                    },
                },
            },
        },
    },
}


def sarif(result: CheckResult) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(report.check_sarif(result, "1.2.3"))
    check_sarif_structure(data)
    return data


def check_sarif_structure(data: dict[str, Any]) -> None:
    """The required properties of SARIF 2.1.0, and what GitHub code scanning needs of them."""
    assert data["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert data["version"] == "2.1.0"
    [run] = data["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "socialpub" and driver["version"] == "1.2.3"
    assert driver["informationUri"].startswith("https://")
    ids = [r["id"] for r in driver["rules"]]
    assert len(ids) == len(set(ids))
    for result in run["results"]:
        assert isinstance(result["message"]["text"], str) and result["message"]["text"]
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in ("error", "warning", "note")
        for location in result.get("locations", []):
            physical = location["physicalLocation"]
            uri = physical["artifactLocation"]["uri"]
            assert uri and " " not in uri and "\\" not in uri
            if physical["artifactLocation"].get("uriBaseId") == "%SRCROOT%":
                assert not uri.startswith("/") and ":" not in uri.split("/")[0]
            if "region" in physical:
                assert physical["region"]["startLine"] >= 1
                assert physical["region"].get("startColumn", 1) >= 1
        assert set(result["partialFingerprints"]) == {"socialpub/v1"}


def test_sarif_validates_against_the_schema_subset(real: CheckResult) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    for result in (real, made(*hostile_findings()), made()):
        data = sarif(result)
        jsonschema.Draft202012Validator.check_schema(SARIF_SUBSET)
        jsonschema.Draft202012Validator(SARIF_SUBSET).validate(data)
    # the subset is not vacuous: it rejects what GitHub would
    data = sarif(made(finding()))
    data["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    data["runs"][0]["results"][0]["level"] = "fatal"
    errors = list(jsonschema.Draft202012Validator(SARIF_SUBSET).iter_errors(data))
    assert {e.validator for e in errors} == {"minimum", "enum"}


def test_sarif_describes_every_rule_of_the_catalogue(real: CheckResult) -> None:
    driver = sarif(real)["runs"][0]["tool"]["driver"]
    by_id = {r["id"]: r for r in driver["rules"]}
    assert set(by_id) == set(RULES)
    for rule in RULES.values():
        descriptor = by_id[rule.id]
        assert descriptor["name"] == rule.name
        assert descriptor["shortDescription"]["text"] == rule.summary
        assert descriptor["fullDescription"]["text"].startswith(rule.summary)
        assert descriptor["help"]["text"] == rule.help
        assert descriptor["defaultConfiguration"]["level"] == rule.level
        tags = descriptor["properties"]["tags"]
        assert all(p.strip() in tags for p in rule.principle.split(",") if p.strip() not in ("", "—"))


def test_sarif_results_of_a_real_check(real: CheckResult) -> None:
    run = sarif(real)["runs"][0]
    results = run["results"]
    assert len(results) == len(real.findings)
    assert run["columnKind"] == "unicodeCodePoints"
    broken = next(r for r in results if r["ruleId"] == "SP-FILE-001")
    physical = broken["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"] == {"uri": "posts/broken.md", "uriBaseId": "%SRCROOT%"}
    assert physical["region"] == {"startLine": 2, "startColumn": only(real, "SP-FILE-001").column}
    long = only(real, "SP-CHANNEL-001")
    [mine] = [r for r in results if r["ruleId"] == "SP-CHANNEL-001" and "suppressions" not in r]
    assert mine["level"] == "error"
    assert mine["partialFingerprints"] == {"socialpub/v1": long.fingerprint}
    assert mine["locations"][0]["physicalLocation"]["region"] == {"startLine": long.line}  # column unknown
    assert mine["message"]["text"].startswith(long.message)
    [waived] = [r for r in results if "suppressions" in r]
    assert waived["suppressions"] == [{"kind": "inSource", "justification": "MLR accepted the length"}]


def test_sarif_positions_paths_and_rules_outside_the_catalogue() -> None:
    result = made(
        finding(line=None, column=None, file="posts/no line.md"),
        finding(line=0, column=0, file="posts\\windows.md"),
        finding(rule="SP-PLUGIN-009", name="plugin-rule", severity="note", file="posts/ü#1.md"),
        finding(file=""),
    )
    results = sarif(result)["runs"][0]["results"]
    locations = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: r["locations"][0][
            "physicalLocation"
        ]
        for r in results
        if "locations" in r
    }
    assert "region" not in locations["posts/no%20line.md"]
    assert "region" not in locations["posts/windows.md"]
    assert locations["posts/%C3%BC%231.md"]["region"] == {"startLine": 3, "startColumn": 5}
    plugin = next(r for r in results if r["ruleId"] == "SP-PLUGIN-009")
    assert plugin["level"] == "note"
    assert sum("locations" not in r for r in results) == 1


def test_sarif_keeps_hostile_text_intact() -> None:
    findings = hostile_findings()
    results = sarif(made(*findings))["runs"][0]["results"]
    texts = "\n".join(r["message"]["text"] for r in results)
    assert HOSTILE in texts and "x" * 20_000 in texts
    [waived] = [r for r in results if "suppressions" in r]
    assert waived["suppressions"][0]["justification"] == f"{HOSTILE} (MLR MLR-1)"


# --- text ----------------------------------------------------------------------------------------


def test_text_lists_findings_by_file_and_summarizes(real: CheckResult) -> None:
    output = report.check_text(real, color=False)
    assert "\x1b" not in output
    long = only(real, "SP-CHANNEL-001")
    assert f"posts/long.md:{long.line}  error  SP-CHANNEL-001 too-long  [tw]  {long.message}\n" in output
    assert f"    hint: {long.hint}\n" in output
    broken = only(real, "SP-FILE-001")
    assert (
        f"posts/broken.md:2:{broken.column}  error  SP-FILE-001 invalid-post-file  {broken.message}" in output
    )
    assert "suppressed: MLR accepted the length" in output
    assert output.endswith("\n3 posts checked: 2 errors, 1 suppressed\n")
    blocks = output.split("\n\n")
    assert [b.split(":")[0] for b in blocks[:-1]] == ["posts/broken.md", "posts/long.md", "posts/waived.md"]


def test_text_clean_run_and_plurals(repo: Repo) -> None:
    repo.post("A short and harmless tweet.")
    assert report.check_text(repo.check(), color=False) == "1 post checked: ✓ no findings\n"
    one_each = made(finding(), finding(severity="warning", line=9), posts=1)
    assert report.check_text(one_each, color=False).endswith("\n1 post checked: 1 error, 1 warning\n")
    two_each = made(
        finding(),
        finding(line=8),
        finding(severity="warning", line=9),
        finding(severity="warning", line=10),
        posts=12,
    )
    assert report.check_text(two_each, color=False).endswith("\n12 posts checked: 2 errors, 2 warnings\n")


def test_text_color_only_when_asked(real: CheckResult) -> None:
    plain = report.check_text(real, color=False)
    colored = report.check_text(real, color=True)
    assert "\x1b[" in colored and "\x1b[" not in plain
    assert ANSI.sub("", colored) == plain


def test_text_shows_control_characters_instead_of_obeying_them() -> None:
    findings = hostile_findings()
    for color in (False, True):
        output = ANSI.sub("", report.check_text(made(*findings), color=color))
        assert "\x1b" not in output and "\x00" not in output and "\r" not in output
        assert "\\x1b[31mred" in output and "\\x00" in output and "💊" in output
    excerpt_lines = [
        line
        for line in report.check_text(made(*findings), color=False).splitlines()
        if line.startswith("    > ")
    ]
    assert excerpt_lines and all(len(line) < 140 for line in excerpt_lines)  # long excerpts are cut


# --- markdown ------------------------------------------------------------------------------------


def test_markdown_job_summary(real: CheckResult) -> None:
    output = report.check_markdown(real)
    assert "3 posts checked: 2 errors, 1 suppressed" in output
    long = only(real, "SP-CHANNEL-001")
    link = f"[posts/long.md:{long.line}](posts/long.md#L{long.line})"
    assert f"- **error** `SP-CHANNEL-001` {link} — {long.message} (tw)\n" in output
    items = [line for line in output.splitlines() if line.startswith("- ")]
    assert len(items) == 2  # the suppressed finding is counted, not listed
    assert "posts/waived.md" not in output


def test_markdown_neutralizes_hostile_text_and_caps_the_list() -> None:
    findings = hostile_findings()
    output = report.check_markdown(made(*findings))
    items = [line for line in output.splitlines() if line.startswith("- ")]
    assert len(items) == 3
    assert "<script>" not in output and "<b>" not in output and "&lt;script&gt;" in output
    assert "[posts/with space.md:1](posts/with%20space.md#L1)" in output
    many = made(*(finding(line=n) for n in range(1, 13)))
    capped = report.check_markdown(many, limit=10)
    assert len([line for line in capped.splitlines() if line.startswith("- ")]) == 11
    assert "2 more" in capped


# --- the module itself ---------------------------------------------------------------------------


def test_report_imports_neither_typer_nor_rich() -> None:
    code = "import sys, socialpub.report; print(sorted(m for m in ('typer', 'rich') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# --- a problem shared by several channels is read once ----------------------------------------------------


def test_a_finding_shared_by_channels_is_shown_once_where_people_read_it(repo: Repo) -> None:
    repo.post("The best treatment for everyone.", name="shared", channels=["tw", "fb", "pin"],
              tables='[pinterest]\nboard = "US Military Veterans"\n')
    result = repo.check()
    per_channel = [f for f in result.findings if f.rule == "SP-CLAIM-001"]
    assert {f.channel for f in per_channel} == {"tw", "fb", "pin"}
    text = report.check_text(result, color=False)
    lines = [line for line in text.splitlines() if "SP-CLAIM-001" in line]
    assert len(lines) == 1 and "[fb, pin, tw]" in lines[0]
    github = [line for line in report.check_github(result).splitlines() if "SP-CLAIM-001" in line]
    assert len(github) == 1 and "[fb%2C pin%2C tw]" in github[0]  # the title property escapes commas
    markdown = [line for line in report.check_markdown(result).splitlines() if "SP-CLAIM-001" in line]
    assert len(markdown) == 1 and "(fb, pin, tw)" in markdown[0]
    # The summary counts it once; the machine formats keep one record per (finding, channel).
    groups = report.merged(result.findings)
    errors = sum(1 for f, _ in groups if f.blocking)
    assert errors < result.errors and f"{errors} error" in text.splitlines()[-1]
    data = json.loads(report.check_json(result))
    assert sum(1 for f in data["findings"] if f["rule"] == "SP-CLAIM-001") == 3
    sarif = json.loads(report.check_sarif(result, "1.0"))
    assert sum(1 for r in sarif["runs"][0]["results"] if r["ruleId"] == "SP-CLAIM-001") == 3
    assert report.check_junit(result).count("SP-CLAIM-001") >= 3


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["SP-A", "SP-B"]), st.sampled_from(["tw", "fb", "yt", None]),
                          st.sampled_from(["m1", "m2"]), st.booleans()), max_size=12))
def test_merging_loses_no_finding_and_no_channel(items: list[tuple[str, str | None, str, bool]]) -> None:
    findings = [Finding(rule, "name", "error", "p", channel, "posts/p.md", 3, 1, message, suppressed=suppressed,
                        suppression={"reason": "ok"} if suppressed else None)
                for rule, channel, message, suppressed in items]
    groups = report.merged(findings)
    for f in findings:
        assert any((g.rule, g.message, g.suppressed) == (f.rule, f.message, f.suppressed)
                   and (f.channel is None or f.channel in channels) for g, channels in groups)
    keys = [(g.rule, g.message, g.suppressed) for g, _ in groups]
    assert len(keys) == len(set(keys))  # each problem once


# --- history CSV: no cell a spreadsheet would run as a formula ------------------------------------------------

FORMULA_START = "=+-@\t\r"


def spreadsheet_may_run(cell: str) -> bool:
    """A formula start, a tab or line break first, or a formula start after blanks an import may trim."""
    blanks = "".join(c for c in map(chr, range(0x3001)) if c.isspace()) + "\u200b\u2060\ufeff"
    return bool(cell) and (cell[0] in "\t\r\n" or cell.lstrip(blanks)[:1] in (*FORMULA_START, *"＝＋－＠"))


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(
    cells=st.lists(
        st.one_of(st.none(), st.integers(), st.text(max_size=30),
                  st.tuples(st.sampled_from(FORMULA_START), st.text(max_size=20)).map("".join)),
        min_size=len(report.HISTORY_COLUMNS) - 1, max_size=len(report.HISTORY_COLUMNS) - 1,
    ),
    detail=st.one_of(st.none(), st.dictionaries(st.text(max_size=5), st.text(max_size=10), max_size=2),
                     st.sampled_from(["=1+1", "-2", "\t=cmd", "plain"])),
)
def test_history_csv_neutralises_every_formula_start_and_keeps_other_cells(
    cells: list[Any], detail: Any
) -> None:
    import csv
    import io

    event = dict(zip(report.HISTORY_COLUMNS[:-1], cells, strict=True), detail=detail)
    [header, row] = list(csv.reader(io.StringIO(report.history_csv([event]), newline="")))
    assert header == list(report.HISTORY_COLUMNS)
    expected = ["" if v is None else str(v) for v in cells]
    expected.append(json.dumps(detail, sort_keys=True) if detail else "" if detail is None else str(detail))
    for got, want in zip(row, expected, strict=True):
        if spreadsheet_may_run(want):
            assert got == "'" + want  # shown as text by the spreadsheet, the value still readable
        else:
            assert got == want


@pytest.mark.parametrize("value", ["=HYPERLINK(\"http://x\")", "+1", "-1", "@SUM(A1)", "\t=1+1", "\r=1+1", "\n=1+1",
                                   " =1+1", "\u3000@SUM(A1)", "\u200b=cmd|' /C calc'!A0", "＝1+1", "\ufeff＋1"])
def test_csv_safe_each_formula_start(value: str) -> None:
    assert report.csv_safe(value) == "'" + value
    assert report.csv_safe("a" + value) == "a" + value
