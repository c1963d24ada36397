"""The repository's own sample content: what passes passes, and each deliberate failure is caught."""

from __future__ import annotations

from pathlib import Path

import pytest

from socialpub.check import CheckResult, run_check
from socialpub.config import load_config

ROOT = Path(__file__).resolve().parents[1]

# What README.md and docs/sample-content.md promise for each deliberately failing post.
EXPECTED = {
    "fail-absolute-claim": {
        "SP-CLAIM-001", "SP-CLAIM-002", "SP-BALANCE-001", "SP-BALANCE-002", "SP-BALANCE-003",
        "SP-META-007", "SP-SAFETY-003",
    },
    "fail-privacy-shortener": {"SP-PRIVACY-001", "SP-SAFETY-002", "SP-META-005"},
    "fail-employee-long-tweet": {"SP-TRANSPARENCY-001", "SP-CHANNEL-001"},
    "fail-unbranded-names-product": {"SP-SCOPE-001", "SP-META-006"},
}


@pytest.fixture(scope="module")
def result() -> CheckResult:
    return run_check(load_config(ROOT / "channels.toml"))


def test_every_sample_file_loads(result: CheckResult) -> None:
    assert result.file_findings == []
    assert result.files == len(result.reports) >= 15


def test_passing_posts_have_no_findings(result: CheckResult) -> None:
    noisy = {
        r.post.id: sorted({f.rule for f in r.findings})
        for r in result.reports
        if r.post.id not in EXPECTED and r.findings
    }
    assert noisy == {}


@pytest.mark.parametrize("post_id", sorted(EXPECTED))
def test_failing_examples_are_caught(result: CheckResult, post_id: str) -> None:
    report = next(r for r in result.reports if r.post.id == post_id)
    assert {f.rule for f in report.findings} == EXPECTED[post_id]


def test_readme_lists_what_the_failing_examples_catch() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for post_id in EXPECTED:
        assert f"{post_id}." in readme
