"""Defects found by a hostile review of the merged publish/ledger code (each test failed before its fix).

In-process Publisher over HTTP to the sandbox on loopback, real SQLite ledgers; interleavings of two
runs are forced by letting a second, real Ledger act between the first one's read and write.
"""

from __future__ import annotations

import subprocess
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from socialpub.config import load_config
from socialpub.ledger import Row, open_ledger, utcnow
from socialpub.posts import load_posts
from socialpub.publish import Publisher, run_due
from tests import test_exactly_once as base
from tests.test_exactly_once import NOW, creates, eo, run_here


def dead_claimer(ledger: Any) -> str:
    """A claimer id of this host whose process has ended (a `run` killed between its call and its settle)."""
    proc = subprocess.Popen(["true"])
    proc.wait()
    return f"{ledger.host}:{proc.pid}:deadbeef:"


def crashed_after_the_call(world: Any) -> None:
    """p000 on tw is on the platform, but its row says `publishing` by a process that is gone."""
    results = run_here(world)
    assert results[("p000", "tw")].state == "published"
    with world.open_ledger() as ledger:
        row = ledger.get("p000", "tw")
        ledger.save(replace(row, state="publishing", claimed_by=dead_claimer(ledger), claimed_at=utcnow(),
                            remote_id=None, url=None, published_at=None, claim_deadline=utcnow()))


def row_of(world: Any) -> Row:
    with world.open_ledger() as ledger:
        row = ledger.get("p000", "tw")
    assert row is not None
    return row


def test_a_crashed_claim_past_max_lateness_is_still_reconciled(worlds: Any) -> None:
    """Finding 1: a `publishing` row whose claimer died, of a post now past max_lateness (cron was down a
    day), was neither due nor marked missed: `publishing` for ever, never looked for. It is reconciled with
    the platform (found: published), and nothing is sent late."""
    world = worlds("w", eo.numbered_posts(1, ["tw"]))
    crashed_after_the_call(world)
    results = run_here(world, NOW + timedelta(days=2))
    row = row_of(world)
    assert row.state == "published" and row.remote_id, (row.state, results)
    assert creates(world)["twitter"] == 1


def test_a_crashed_claim_past_max_lateness_not_on_the_platform_is_missed_not_sent(worlds: Any) -> None:
    """Finding 1, other half: not on the platform either: recorded missed (never published late)."""
    world = worlds("w", eo.numbered_posts(1, ["tw"]))
    with world.open_ledger() as ledger:
        dead = dead_claimer(ledger)
        ledger.save(Row(post_id="p000", channel="tw", state="publishing", claimed_by=dead, claimed_at=utcnow(),
                        claim_deadline=utcnow(), post_file="posts/p000.md"))
    run_here(world, NOW + timedelta(days=2))
    assert row_of(world).state == "missed"
    assert creates(world)["twitter"] == 0


def test_a_dry_run_rehearsing_a_later_day_marks_nothing_missed(worlds: Any) -> None:
    """Finding 2: `run --dry-run --now <a later day>` (the README's "rehearse a morning") wrote `missed` rows
    into the real ledger for every post it found too late, and the real run then never published them."""
    world = worlds("w", eo.numbered_posts(1, ["tw"]))
    code, out, err = base.cli(world, "run", "--dry-run", "--now", (NOW + timedelta(days=3)).isoformat(),
                              "--format", "json")
    assert code == 0, (out, err)
    assert '"missed"' in out  # the rehearsal says it would be missed...
    assert world.ledger_rows() == []  # ...and records nothing
    assert run_here(world)[("p000", "tw")].state == "published"


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_marking_missed_never_overwrites_a_claim_taken_after_the_read(
    worlds: Any, backend: str, request: pytest.FixtureRequest
) -> None:
    """Finding 3: `run` read the row (nothing on record), then wrote `missed` with a plain save: a claim
    that `publish` (or another PostgreSQL host) took in between was overwritten; that claim's settle then
    failed, so a post that went out stayed `missed` on record, and a person publishing it again posted it
    twice. Now the missed row is written in a claim transaction that sees the claim."""
    world = worlds("w", eo.numbered_posts(1, ["tw"]),
                   ledger=request.getfixturevalue("pg_url") if backend == "postgresql" else None)
    config = load_config(world.config)
    ledger, other = (open_ledger(world.ledger or ".socialpub/ledger.db", world.root) for _ in range(2))
    try:
        read = ledger.get
        taken: list[Row] = []

        def get_then_other_claims(post_id: str, channel: str) -> Row | None:
            row = read(post_id, channel)
            if not taken:  # `publish` claims right after this read
                claim = other.claim(post_id, channel, lambda current: Row(
                    post_id=post_id, channel=channel, state="publishing", claimed_by=other.claimer,
                    claimed_at=utcnow(), claim_deadline=utcnow() + timedelta(minutes=15)))
                assert claim is not None
                taken.append(claim)
            return row

        ledger.get = get_then_other_claims  # type: ignore[method-assign]
        publisher = Publisher(config, ledger, environ=world.env(), reconcile_grace=0.0)
        run_due(publisher, load_posts(config).posts, NOW + timedelta(days=2))
        assert taken
        sent = replace(taken[0], state="published", remote_id="1", url="https://x.com/i/status/1", claimed_by=None)
        assert other.settle(sent, holder=other.claimer, action="published"), "the claim was overwritten"
        assert read("p000", "tw").state == "published"
    finally:
        ledger.close()
        other.close()


def expired(world: Any) -> None:
    """p000's approval becomes more than 12 months old: an error-level finding, so `run` refuses it."""
    world.add(replace(world.posts[0], approval="3001314  Last Updated 6/12"))


def test_a_refusal_never_overwrites_a_row_in_a_state_this_version_does_not_know(worlds: Any) -> None:
    """Finding 4: a row written by a newer version (state 'scheduled') is "never overwritten" by this one;
    a refusal of `run` overwrote it with `failed` all the same."""
    world = worlds("w", eo.numbered_posts(1, ["tw"]))
    expired(world)
    with world.open_ledger() as ledger:
        ledger.save(Row(post_id="p000", channel="tw", state="scheduled", post_file="posts/p000.md"))
    result = run_here(world)[("p000", "tw")]
    assert result.state == "refused", result
    assert row_of(world).state == "scheduled"


def test_recording_a_refusal_never_overwrites_a_claim_taken_after_the_read(worlds: Any) -> None:
    """Finding 3, second writer: `run`'s refusal record read the row and then saved over it, like missed."""
    world = worlds("w", eo.numbered_posts(1, ["tw"]))
    expired(world)
    config = load_config(world.config)
    ledger, other = (open_ledger(".socialpub/ledger.db", world.root) for _ in range(2))
    try:
        publisher = Publisher(config, ledger, environ=world.env(), reconcile_grace=0.0)
        posts = load_posts(config).posts
        claim = other.claim("p000", "tw", lambda current: Row(
            post_id="p000", channel="tw", state="publishing", claimed_by=other.claimer, claimed_at=utcnow(),
            claim_deadline=utcnow() + timedelta(minutes=15)))
        assert claim is not None
        read = ledger.get
        ledger.get = lambda post_id, channel: None  # type: ignore[method-assign]  # read before that claim
        try:
            results = run_due(publisher, posts, NOW)
        finally:
            ledger.get = read  # type: ignore[method-assign]
        assert [r.state for r in results] == ["refused"]
        sent = replace(claim, state="published", remote_id="1", url="https://x.com/i/status/1", claimed_by=None)
        assert other.settle(sent, holder=other.claimer, action="published"), "the claim was overwritten"
    finally:
        ledger.close()
        other.close()


def test_an_interrupted_claim_of_a_post_refused_since_is_still_reconciled(worlds: Any) -> None:
    """Finding 5: crashed after X made p000; then its approval expired (or the post was edited into a
    finding). Every run refused it before reconciling: the row stayed `publishing` although the post is on X,
    and history never said it went out until a person fixed the post. Now the claim is reconciled first."""
    world = worlds("w", eo.numbered_posts(1, ["tw"]))
    crashed_after_the_call(world)
    expired(world)
    result = run_here(world)[("p000", "tw")]
    assert result.state == "published" and "found on the platform" in (result.hint or ""), result
    assert row_of(world).state == "published"
    assert creates(world)["twitter"] == 1
    assert run_here(world) == {}  # settled: later runs neither refuse nor send it


def test_an_interrupted_claim_of_a_deleted_post_file_is_still_reconciled(worlds: Any) -> None:
    """Finding 6: crashed after X made p000, then the post file was deleted (a crisis: "take it down"). No
    run ever looked at the row again: `publishing` for ever, though the post is live on X. Now it is
    reconciled from its stored payload alone, and the run says that it is live (retract takes it down)."""
    world = worlds("w", eo.numbered_posts(1, ["tw"]))
    crashed_after_the_call(world)
    (world.root / "posts" / "p000.md").unlink()
    result = run_here(world)[("p000", "tw")]
    assert result.state == "published" and result.attention and "retract" in (result.hint or ""), result
    assert row_of(world).state == "published"
    assert creates(world)["twitter"] == 1
    assert run_here(world) == {}  # settled: later runs have nothing to say about it


def test_a_credential_missing_while_looking_first_is_not_a_permanent_failure(worlds: Any) -> None:
    """Finding 7: a long-past-due post whose channel credential could not be read during the look before its
    first send was recorded as a permanent failure ("not retried until the post file changes"), while the same
    error during the send is retried once the configuration is fixed. Now the next run looks and sends."""
    world = worlds("w", eo.numbered_posts(1, ["tw"]), channels=("tw",))
    variable = eo.env_var("tw", eo.CREDENTIALS["tw"][0])
    config = load_config(world.config)
    ledger = open_ledger(".socialpub/ledger.db", world.root)
    try:
        environ = {k: v for k, v in world.env().items() if k != variable}
        publisher = Publisher(config, ledger, environ=environ, reconcile_grace=0.0)
        [result] = run_due(publisher, load_posts(config).posts, NOW)
    finally:
        ledger.close()
    assert result.state == "failed" and variable in (result.error or "")
    assert world.ledger_rows() == []  # nothing on record: the next run looks first again
    assert run_here(world)[("p000", "tw")].state == "published"  # the variable is set again
    assert creates(world)["twitter"] == 1


def test_resolve_never_overwrites_a_take_over_that_came_after_its_read(tmp_path: Any) -> None:
    """Finding 8: `resolve --not-published` read an `unknown` row nobody held, then saved over it; a run that
    took the row over in between (to reconcile it, then send it) lost its claim: its settle failed, the row
    said "failed, send it", and the next run sent the post a second time. Now resolve refuses (exit 1)."""
    from socialpub.errors import ExitCode, SocialpubError
    from socialpub.status import resolve_outcome

    path = str(tmp_path / "ledger.db")
    person, run = open_ledger(path, tmp_path), open_ledger(path, tmp_path)
    try:
        person.save(Row(post_id="p000", channel="tw", state="unknown", last_error="ReadTimeout"))
        read = person.get
        taken: list[Row] = []

        def read_then_run_takes_over(post_id: str, channel: str) -> Row | None:
            row = read(post_id, channel)
            taken.append(run.claim(post_id, channel, lambda current: replace(
                current, claimed_by=run.claimer, claim_deadline=utcnow() + timedelta(minutes=15))))
            return row

        person.get = read_then_run_takes_over  # type: ignore[method-assign]
        with pytest.raises(SocialpubError) as refused:
            resolve_outcome(person, "p000", "tw", None)
        assert refused.value.exit_code == ExitCode.FINDINGS and "nothing was changed" in refused.value.message
        sent = replace(taken[0], state="published", remote_id="1", claimed_by=None)
        assert run.settle(sent, holder=run.claimer, action="reconciled"), "the run's claim was overwritten"
    finally:
        person.close()
        run.close()


def test_retract_never_overwrites_a_claim_taken_during_the_deletion(worlds: Any) -> None:
    """Finding 8, second writer: `retract` read the published row, deleted the post (seconds on the network),
    then saved `retracted` over whatever the row had become: a `publish --again` claim taken meanwhile lost
    its fence, and its new post was on record as retracted."""
    from socialpub.status import retract_post

    world = worlds("w", eo.numbered_posts(1, ["tw"]), channels=("tw",))
    assert run_here(world)[("p000", "tw")].state == "published"
    config = load_config(world.config)
    person, other = (open_ledger(".socialpub/ledger.db", world.root) for _ in range(2))
    try:
        read = person.rows
        taken: list[Row] = []

        def rows_then_again_claims() -> list[Row]:
            rows = read()
            taken.append(other.claim("p000", "tw", lambda current: replace(
                current, state="publishing", claimed_by=other.claimer,
                claim_deadline=utcnow() + timedelta(minutes=15))))
            return rows

        person.rows = rows_then_again_claims  # type: ignore[method-assign]
        [result] = retract_post(config, person, "p000", None, environ=world.env())
        assert result.state == "unknown" and "not recorded as retracted" in (result.error or "")
        sent = replace(taken[0], state="published", remote_id="2", claimed_by=None)
        assert other.settle(sent, holder=other.claimer, action="published"), "the again claim was overwritten"
    finally:
        person.close()
        other.close()


def test_resolve_waits_for_the_deadline_of_a_claim_whose_liveness_is_gone(pg_url: str, tmp_path: Any) -> None:
    """Finding 9: runs wait until a claim's deadline before they take over a claim whose PostgreSQL liveness is
    gone (its host may only have lost its session, mid-request); `resolve --not-published` did not, so the
    next run sent the post while that host's request could still land: twice."""
    from socialpub.errors import ExitCode, SocialpubError
    from socialpub.status import resolve_outcome

    ledger = open_ledger(pg_url, tmp_path)
    try:
        ledger.save(Row(post_id="p000", channel="tw", state="publishing", claimed_by="elsewhere:4242:cafe:",
                        claimed_at=utcnow(), claim_deadline=utcnow() + timedelta(minutes=10)))
        assert not ledger.claimer_alive("elsewhere:4242:cafe:")  # no session holds its liveness
        with pytest.raises(SocialpubError) as refused:
            resolve_outcome(ledger, "p000", "tw", None)
        assert refused.value.exit_code == ExitCode.FINDINGS and "may still be in flight" in refused.value.message
        assert ledger.get("p000", "tw").state == "publishing"
        late = replace(ledger.get("p000", "tw"), claim_deadline=utcnow() - timedelta(seconds=5))
        ledger.save(late)  # past its deadline: a person may settle it
        resolve_outcome(ledger, "p000", "tw", None)
        assert ledger.get("p000", "tw").state == "failed"
    finally:
        ledger.close()
