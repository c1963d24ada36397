"""docs/benchmarks.md is written by several scripts: one of them rerun for one proof keeps everything else.

`bench/exactly_once.py --only fanout` on a fresh checkout (no bench/out/exactly-once.json) rewrote its section
with the fan-out alone: the crash, concurrency and idle rows were gone. Now the section carries its figures
(and a section written before that keeps its text); bench/run.py keeps the sections of the other scripts.
With bench/out/exactly-once.json at hand, the attack proofs' rows joined the other proofs' table and their
paragraph was lost: the report now writes the attack proofs' own paragraph and table from their figures.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.helpers import exactly_once_bench

REPO = Path(__file__).resolve().parents[1]
OTHER = "<!-- upload-memory:start -->\n## Upload memory\n\nfigures of another script\n<!-- upload-memory:end -->"


def section(text: str) -> str:
    sys.path.insert(0, str(REPO / "bench"))
    from sections import sections

    return sections(text)["exactly-once"]


@pytest.mark.slow
def test_only_one_proof_without_earlier_results_keeps_the_other_rows(tmp_path: Path) -> None:
    bench = exactly_once_bench()
    report = tmp_path / "benchmarks.md"
    report.write_text((REPO / "docs" / "benchmarks.md").read_text(encoding="utf-8"), encoding="utf-8")
    before = section(report.read_text(encoding="utf-8"))
    results = tmp_path / "out" / "exactly-once.json"  # none yet: a fresh checkout

    def only(proof: str, *extra: str, fresh: bool = True) -> str:
        if fresh:
            results.unlink(missing_ok=True)
        code = bench.main(["--only", proof, *extra, "--report", str(report), "--results", str(results)])
        assert code in (0, 1), code  # 1: a bar missed on this busy machine; the report is written all the same
        return report.read_text(encoding="utf-8")

    text = only("fanout", "--fanout-posts", "2", "--fanout-latency", "0")
    after = section(text)
    for row in ("| crash safety (sqlite) |", "| crash safety (postgresql) |", "| concurrency (sqlite) |",
                "| idle run |", "| crash then edit (sqlite) |", "| lost ledger (postgresql) |", "**Crash safety.**",
                "**Concurrency.**", "**Idle run.**", "**Attacks**"):
        assert row in before and after.count(row) == 1, row
    order = ["**Crash safety.**", "**Concurrency.**", "**Fan-out.**", "**Idle run.**", "**Attacks**"]
    assert [after.index(h) for h in order] == sorted(after.index(h) for h in order)  # each in its place
    assert after.count("<!-- exactly-once:end -->") == 1
    crash_row = next(line for line in before.splitlines() if line.startswith("| crash safety (sqlite)"))
    assert crash_row in after  # kept word for word
    assert "200 posts × 4 channels" not in after.split("**Fan-out.**")[1].split("**Idle run.**")[0]
    assert "| fan-out | 2 posts × 4 channels" in after
    for other in ("## Upload memory", "## Results"):  # the other scripts' parts of the file
        assert other in text

    # Once more, for another proof: the figures carried by the section keep the fan-out just measured.
    fanout_row = next(line for line in after.splitlines() if line.startswith("| fan-out"))
    text = only("fanout", "--fanout-posts", "3", "--fanout-latency", "0")
    assert "| fan-out | 3 posts × 4 channels" in section(text) and fanout_row not in section(text)
    assert crash_row in section(text) and section(text).count("**Attacks**") == 1
    assert "exactly-once figures:" in section(text)

    # And with the results of earlier runs at hand (bench/out/exactly-once.json), attack figures among them (as
    # `--only attacks` writes them): the attack proofs keep their own paragraph and table, and none of their rows
    # joins the other proofs' table.
    figures = json.loads(results.read_text(encoding="utf-8"))
    crash_edit = {"kills": 2, "edits": 2, "resolved": 1, "duplicates": 0, "missing": 0, "not_settled": 0,
                  "found_as_sent": 1, "trials": 2, "unfinished": 0}
    ledger_loss = {"first_ok": True, "rerun_code": 0, "rerun_wall": 0.6, "duplicates": 0, "missing": 0,
                   "not_published": 0, "found_first": 12, "pairs": 12}
    figures["attacks"] = {"posts": 3, "channels": 4, "kills": 2, "kills_per_trial": 1, "pause_trials": 0,
                          "pause_delay": 0.3, "measured": "2026-12-06 20:38 UTC, commit e2567635741e",
                          "backends": {"sqlite": {"crash_edit": crash_edit, "ledger_loss": ledger_loss}}}
    results.write_text(json.dumps(figures), encoding="utf-8")
    text = only("fanout", "--fanout-posts", "2", "--fanout-latency", "0", fresh=False)
    blocks = section(text).split("\n\n")
    bar_table = next(block for block in blocks if block.startswith("| bar |"))
    assert "| crash then edit" not in bar_table and "| lost ledger" not in bar_table
    now = section(text)
    assert now.count("**Attacks**") == 1 and now.count("| crash then edit (sqlite) |") == 1
    assert "2 SIGKILLs in 2 runs of 3 posts" in now and "measured 2026-12-06 20:38 UTC" in now
    assert [now.index(h) for h in order] == sorted(now.index(h) for h in order)


def test_bench_run_keeps_the_sections_of_other_scripts(tmp_path: Path) -> None:
    sys.path.insert(0, str(REPO / "bench"))
    from sections import keep_sections, replace_section

    report = tmp_path / "benchmarks.md"
    report.write_text("# Benchmarks\n\nold results\n\n" + OTHER + "\n", encoding="utf-8")
    replace_section(report, "exactly-once", "## Exactly once\n\nrows")
    report.write_text(keep_sections(report, "# Benchmarks\n\nnew results\n"), encoding="utf-8")
    text = report.read_text(encoding="utf-8")
    assert "new results" in text and "old results" not in text
    assert OTHER in text and "## Exactly once\n\nrows" in text
