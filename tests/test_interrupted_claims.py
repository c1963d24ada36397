"""Every interrupted claim is settled, whatever became of its post file since (docs/exactly-once.md, "Crashes").

The class of tests/test_review_findings.py's findings 5 and 6, as a table: a `run` dies between its call and
its record (after the platform made the post, or before anything reached it), or a lost answer leaves the row
`unknown` for the next run; then the post file is left
alone, edited, edited into an error-level finding, given an approval that expired, renamed or deleted. The
next runs must leave no row `publishing`, never a second copy on any platform, and the post out exactly once
where it may still go out. Real `Publisher`, real adapters over HTTP to the sandbox, SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import Any

import pytest

from socialpub.ledger import utcnow
from socialpub.status import resolve_outcome
from tests.test_exactly_once import CHANNELS, PLATFORMS, eo, run_here
from tests.test_review_findings import dead_claimer

pytestmark = pytest.mark.slow

# What the copy a post is counted by looks like, per platform (as World.counts reads the sandbox).
POST_KINDS = {"twitter": ("tweets",), "facebook": ("posts",), "youtube": ("videos", "youtube#video"),
              "pinterest": ("pins",)}

# change -> crash point -> (state of p000's rows after the next run, copies on each platform then, and copies
# after one more run, once a person has settled what was left `unknown`)
EXPECTED: dict[str, dict[str, tuple[str, int, int]]] = {
    "untouched": {"after": ("published", 1, 1), "before": ("published", 1, 1)},
    # An edit after an attempt that the platform does not show waits for a person (no second post on a guess);
    # told "not published", the next run sends the edited post, or refuses it for its finding.
    "edited": {"after": ("published", 1, 1), "before": ("unknown", 0, 1)},
    "refused": {"after": ("published", 1, 1), "before": ("unknown", 0, 0)},
    "approval-expired": {"after": ("published", 1, 1), "before": ("failed", 0, 0)},
    # The renamed file is another post id: the old id is settled, and the new one goes out once in the same
    # run (or is refused as a copy of what is already out).
    "renamed": {"after": ("published", 1, 1), "before": ("failed", 1, 1)},
    "deleted": {"after": ("published", 1, 1), "before": ("failed", 0, 0)},
}


def copies(world: Any) -> dict[str, int]:
    """Posts on each platform, by channel (a thread's later tweets are part of their post)."""
    found: Counter[str] = Counter()
    for obj in world.box.posts():
        if obj["kind"] in POST_KINDS[obj["platform"]] and not obj.get("in_reply_to_tweet_id"):
            found[PLATFORMS[obj["platform"]]] += 1
    return {channel: found[channel] for channel in CHANNELS}


def forget_the_posts(world: Any) -> None:
    """The platforms never got them: the claim died before its request reached them."""
    with world.box.lock:
        for platform, kinds in world.box.store.items():
            for kind in POST_KINDS.get(platform, ()):
                kinds.get(kind, {}).clear()


def crash(world: Any, *, reached: bool, state: str = "publishing") -> None:
    """Every row of p000 back to `publishing`, claimed by a process that is gone; or to `unknown`, as a lost
    answer leaves it for the next run (its payload stays stored either way)."""
    with world.open_ledger() as ledger:
        claimer = dead_claimer(ledger) if state == "publishing" else None
        for row in ledger.rows():
            ledger.save(replace(row, state=state, claimed_by=claimer, claimed_at=utcnow(), remote_id=None,
                                url=None, published_at=None, claim_deadline=utcnow(), extra_ids=[]))
    if not reached:
        forget_the_posts(world)


def change(world: Any, how: str) -> str:
    """Do `how` to p000's file; returns the post id that now names its content (if any)."""
    spec = world.posts[0]
    path = world.root / "posts" / "p000.md"
    if how == "edited":
        world.add(eo.edited_spec(spec))
    elif how == "refused":  # an edit with an error-level finding (SP-TEXT-001: a zero-width space)
        world.add(replace(spec, text=spec.text.replace("research team", "research\u200bteam")))
    elif how == "approval-expired":
        world.add(replace(spec, approval="3001314  Last Updated 6/12"))
    elif how == "renamed":
        path.rename(path.with_name("p000-renamed.md"))
        return "p000-renamed"
    elif how == "deleted":
        path.unlink()
    return "p000"


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
@pytest.mark.parametrize("left", ["publishing", "unknown"])
@pytest.mark.parametrize("reached", [True, False], ids=["after", "before"])
@pytest.mark.parametrize("how", list(EXPECTED))
def test_an_interrupted_claim_is_settled_whatever_became_of_its_post_file(
    worlds: Any, how: str, reached: bool, left: str, backend: str, request: pytest.FixtureRequest
) -> None:
    ledger = request.getfixturevalue("pg_url") if backend == "postgresql" else None
    world = worlds("w", eo.numbered_posts(1, CHANNELS), ledger=ledger)
    first = run_here(world)
    assert {r.state for r in first.values()} == {"published"}, first
    crash(world, reached=reached, state=left)
    now_named = change(world, how)

    results = run_here(world)
    state, on_platform, in_the_end = EXPECTED[how]["after" if reached else "before"]
    rows = {r.channel: r for r in world.ledger_rows() if r.post_id == "p000"}
    assert {c: r.state for c, r in rows.items()} == dict.fromkeys(CHANNELS, state), results
    assert all(r.claimed_by is None for r in rows.values())  # nothing left claimed
    if how == "renamed":
        renamed = {results[(now_named, c)].state for c in CHANNELS}
        assert renamed == ({"refused"} if reached else {"published"}), results
    assert copies(world) == dict.fromkeys(CHANNELS, on_platform), results
    if how in ("renamed", "deleted"):  # no post file names p000 any more: each run says what became of it
        assert all(results[("p000", c)].attention for c in CHANNELS), results

    if state == "unknown":  # a person looks on the platform, finds nothing, and says so
        with world.open_ledger() as opened:
            for channel in CHANNELS:
                resolve_outcome(opened, "p000", channel, None)
    again = run_here(world)
    if how in ("refused", "approval-expired"):  # out already: nothing more to say; else refused, never sent
        assert [again[k].state for k in again if k[0] == "p000"] == ([] if reached else ["refused"] * 4), again
    assert copies(world) == dict.fromkeys(CHANNELS, in_the_end), again
    assert not [r for r in world.ledger_rows() if r.state == "publishing"]
    if how in ("renamed", "deleted"):
        assert not [k for k in again if k[0] == "p000"], again  # settled: said once


@pytest.mark.parametrize("reached", [True, False], ids=["after", "before"])
def test_an_interrupted_claim_of_a_channel_taken_off_the_post_is_settled(worlds: Any, reached: bool) -> None:
    """The post file is still there and due, but no longer names the channel of the crashed claim: nothing of
    this run sends it, so it is reconciled from its stored payload alone, like a deleted file's."""
    world = worlds("w", eo.numbered_posts(1, ["tw", "fb"]), channels=("tw", "fb"))
    run_here(world)
    crash(world, reached=reached)
    world.add(replace(world.posts[0], channels=("fb",)))
    results = run_here(world)
    rows = {r.channel: r.state for r in world.ledger_rows()}
    assert rows["tw"] == ("published" if reached else "failed"), results
    assert results[("p000", "tw")].attention
    assert copies(world)["tw"] == (1 if reached else 0)
    assert copies(world)["fb"] == 1  # fb: reconciled or sent once, as any claim of a due post


def test_an_interrupted_claim_of_a_deleted_file_that_cannot_be_looked_for_waits_for_a_person(worlds: Any) -> None:
    """Written by a version that kept no payload, its post file deleted: nothing says what to look for. The
    row is left as it is for `resolve`, and every run says so (shown with --quiet too)."""
    world = worlds("w", eo.numbered_posts(1, ["tw"]), channels=("tw",))
    run_here(world)
    crash(world, reached=True)
    with world.open_ledger() as ledger:
        ledger.save(replace(ledger.get("p000", "tw"), payload_hash=None))
    (world.root / "posts" / "p000.md").unlink()
    for _ in range(2):
        result = run_here(world)[("p000", "tw")]
        assert result.state == "skipped" and result.attention, result
        assert "no payload" in (result.error or "") and "socialpub resolve p000" in (result.hint or "")
        assert [r.state for r in world.ledger_rows()] == ["publishing"]
    assert copies(world)["tw"] == 1
