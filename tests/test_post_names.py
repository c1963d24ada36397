"""A post is named the same way everywhere: by its id (as `status` shows it) or by its file's path."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from socialpub.ledger import Row, SQLiteLedger
from tests.helpers import Repo, invoke


@pytest.fixture
def named(repo: Repo) -> Iterator[Repo]:
    """A post whose id (front matter) is not its file's name, and a second post."""
    repo.post("Our scientists share their work at the summit. #AZoncology", name="summit-file",
              id="azoncology-summit-2014")
    repo.post("Meet the people behind our research.", name="labtalk")
    old = os.getcwd()
    os.chdir(repo.root)
    try:
        yield repo
    finally:
        os.chdir(old)


def cli(*args: str) -> tuple[int, str]:
    result = invoke(list(args))
    return result.exit_code, result.output


@pytest.mark.parametrize("command", [["hash"], ["preview"], ["check"], ["publish", "--dry-run"]])
def test_a_post_id_and_its_file_select_the_same_post(named: Repo, command: list[str]) -> None:
    by_id = cli(*command, "azoncology-summit-2014", "--format", "json")
    by_file = cli(*command, "posts/summit-file.md", "--format", "json")
    assert by_id[0] == by_file[0] and by_id[0] in (0, 1), by_id[1]
    assert json.loads(by_id[1]) == json.loads(by_file[1])
    assert "labtalk" not in by_id[1]
    if command != ["check"]:  # check's JSON names posts only in findings
        assert "azoncology-summit-2014" in by_id[1]
    else:
        assert json.loads(by_id[1])["summary"]["posts"] == 1


@pytest.mark.parametrize("command", [["hash"], ["preview"], ["check"], ["publish", "--dry-run"]])
def test_an_id_that_matches_no_post_suggests_the_closest(named: Repo, command: list[str]) -> None:
    code, out = cli(*command, "azoncology-sumit-2014")
    assert code == 2
    assert "no post file or post id 'azoncology-sumit-2014'" in out
    assert "did you mean 'azoncology-summit-2014'?" in out
    assert "Traceback" not in out


def test_hash_json_has_the_envelope(named: Repo) -> None:
    code, out = cli("hash", "labtalk", "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["version"] == 1 and data["command"] == "hash"
    (item,) = data["hashes"]
    assert item["post"] == "labtalk" and item["file"] == "posts/labtalk.md" and len(item["sha256"]) == 64
    code, text = cli("hash", "posts/labtalk.md")
    assert text.split()[0] == item["sha256"]


def _ledger_with(repo: Repo, *rows: Row) -> None:
    ledger = SQLiteLedger(repo.root / ".socialpub" / "ledger.db")
    for row in rows:
        ledger.save(row)
    ledger.close()


def test_resolve_and_status_take_the_id_or_the_file(named: Repo) -> None:
    _ledger_with(named, Row("azoncology-summit-2014", "tw", "unknown", last_error="read timeout"))
    code, out = cli("status", "--post", "posts/summit-file.md", "--format", "json")
    assert code == 0
    rows = json.loads(out)["rows"]
    assert {r["post"] for r in rows} == {"azoncology-summit-2014"}
    code, out = cli("resolve", "posts/summit-file.md", "--channel", "tw", "--published", "1234", "--reason", "seen")
    assert code == 0, out
    assert "azoncology-summit-2014 on tw: recorded as published (1234)" in out
    code, out = cli("status", "--post", "azoncology-summit-2014", "--format", "json")
    assert [r["state"] for r in json.loads(out)["rows"]] == ["published"]


def test_retract_of_a_post_whose_file_is_gone_takes_its_ledger_id(named: Repo) -> None:
    _ledger_with(named, Row("removed-post", "tw", "unknown", last_error="read timeout"))
    code, out = cli("resolve", "removed-post", "--channel", "tw", "--not-published", "--reason", "absent")
    assert code == 0, out
    code, out = cli("resolve", "remove-post", "--channel", "tw", "--not-published", "--reason", "absent")
    assert code == 2 and "did you mean 'removed-post'?" in out


def test_a_path_that_does_not_exist_is_not_a_file_not_found_traceback(named: Repo) -> None:
    code, out = cli("publish", "posts/nothing-here.md", "--dry-run")
    assert code == 2 and "no post file or post id 'posts/nothing-here.md'" in out
    assert Path("posts/nothing-here.md").exists() is False
