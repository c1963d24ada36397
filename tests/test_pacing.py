"""`run` paces a channel by the platform's rate-limit headers: it waits for the window instead of
sending into a used-up one (per-channel pacing, so that the platforms' rate limits are not hit)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from socialpub.config import load_config
from socialpub.ledger import SQLiteLedger
from socialpub.posts import load_posts
from socialpub.publish import Publisher, run_due
from socialpub.sandbox import Sandbox
from tests.helpers import Repo

AT = datetime(2014, 9, 15, 14, 0, tzinfo=UTC)
ENV = {"K": "sandbox-api_key", "S": "sandbox-api_secret", "T": "sandbox-access_token", "TS": "sandbox-access_secret"}


def repo_on(box: Sandbox, root: Path, posts: int) -> Repo:
    repo = Repo(root)
    repo.write_config(base=f"""[defaults]
timezone = "America/New_York"

[channels.tw]
kind = "twitter"
account = "SandboxComms"
endpoint = "{box.url}"
api_key = "env:K"
api_secret = "env:S"
access_token = "env:T"
access_secret = "env:TS"
""")
    for index in range(posts):
        repo.post(f"Paced post number {index}", name=f"p{index}", publish_at=AT + timedelta(seconds=index))
    return repo


@pytest.mark.slow
def test_run_waits_for_a_used_up_window_instead_of_hitting_429(tmp_path: Path) -> None:
    with Sandbox() as box:
        create = next(r for r in box.table if r.name == "twitter:create")
        create.limit = (2, 1.5)  # two tweets per 1.5 s
        repo = repo_on(box, tmp_path / "repo", 5)
        config = load_config(repo.root / "channels.toml")
        slept: list[float] = []

        def sleep(seconds: float) -> None:
            import time

            slept.append(seconds)
            time.sleep(seconds)

        publisher = Publisher(config, SQLiteLedger(tmp_path / "l.db"), environ=ENV, sleep=sleep, reconcile_grace=0)
        results = run_due(publisher, load_posts(config).posts, AT + timedelta(minutes=1))
        statuses = [r.get("status") for r in box.requests if r["route"] == "twitter:create"]
    assert [r.state for r in results] == ["published"] * 5
    assert statuses == [201] * 5  # never a 429: the run paced itself
    assert slept and all(0 < s <= 3.6 for s in slept)  # the window, plus whole-second rounding and a margin
    # posts of a channel go in publish_at order
    assert [r.post for r in results] == [f"p{i}" for i in range(5)]


def test_a_long_window_moves_the_rest_to_the_next_run(tmp_path: Path) -> None:
    with Sandbox() as box:
        create = next(r for r in box.table if r.name == "twitter:create")
        create.limit = (1, 3600.0)
        repo = repo_on(box, tmp_path / "repo", 3)
        config = load_config(repo.root / "channels.toml")
        publisher = Publisher(config, SQLiteLedger(tmp_path / "l.db"), environ=ENV, sleep=lambda s: None,
                              reconcile_grace=0)
        results = run_due(publisher, load_posts(config).posts, AT + timedelta(minutes=1))
        statuses = [r.get("status") for r in box.requests if r["route"] == "twitter:create"]
    assert [r.state for r in results] == ["published", "retrying", "retrying"]
    assert "rate-limit window used up" in (results[1].error or "")
    assert statuses == [201]
