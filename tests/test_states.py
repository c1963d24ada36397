"""Publishing states are StrEnums (socialpub.ledger.State, socialpub.publish.Outcome) whose members are the very
texts the ledger stores, the JSON output carries and people read; the documented table lists every state."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from socialpub.errors import ExitCode
from socialpub.ledger import STATES, Row, State, open_ledger
from socialpub.publish import Outcome, Result, exit_code

ROOT = Path(__file__).resolve().parent.parent

# The texts scripts and existing ledgers depend on: they must never change.
RECORDED = {"publishing", "published", "failed", "unknown", "missed", "retracted"}
REPORTED = {"published", "failed", "unknown", "missed", "retracted", "refused", "retrying", "skipped", "dry-run",
            "paused"}


def test_the_texts_stay_what_they_were() -> None:
    assert set(STATES) == RECORDED and State.NEW == "new" and State.NEW not in STATES
    assert {str(o) for o in Outcome} == REPORTED
    for name in RECORDED & REPORTED:  # a state settled in the ledger is reported by the same word
        assert Outcome(name) == State(name) == name


@pytest.mark.parametrize("spec", ["sqlite", "postgresql"])
def test_ledger_rows_and_events_hold_the_plain_text(spec: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    url = str(tmp_path / "ledger.db") if spec == "sqlite" else request.getfixturevalue("pg_url")
    ledger = open_ledger(url, tmp_path)
    try:
        for state in STATES:
            row = Row(post_id=f"p-{state}", channel="c", state=state)
            ledger.save(row)
            ledger.event(str(state), row)
            back = ledger.get(row.post_id, "c")
            assert back is not None and back.state == state and type(back.state) is str  # as any reader sees it
        assert {e["state"] for e in ledger.events()} == RECORDED
    finally:
        ledger.close()


def test_results_print_and_serialise_as_their_text() -> None:
    for outcome in Outcome:
        text = json.dumps(Result("p", "c", outcome).to_dict())
        assert json.loads(text)["state"] == outcome.value and f'"state": "{outcome.value}"' in text
        assert f"{outcome:<10}" == f"{outcome.value:<10}" and str(outcome) == outcome.value
    mixed = [Result("p", "c", Outcome.PUBLISHED), Result("p", "d", Outcome.UNKNOWN)]
    assert exit_code(mixed) == ExitCode.UNKNOWN_OUTCOME
    assert exit_code([Result("p", "c", Outcome.REFUSED)]) == ExitCode.FINDINGS


def test_the_documented_state_table_lists_every_recorded_state() -> None:
    doc = (ROOT / "docs" / "exactly-once.md").read_text(encoding="utf-8")
    table = doc.split("### One ledger row per (post, channel)", 1)[1].split("###", 1)[0]
    documented = {m for line in table.splitlines() if line.startswith("| `")
                  for m in re.findall(r"^\| `([a-z-]+)`", line)}
    assert documented == RECORDED
