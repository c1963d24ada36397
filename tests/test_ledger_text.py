"""Untrusted text in ledger rows: whatever a platform answers (an error, a URL, a cursor, a comment) and whatever
a file holds is recorded, on SQLite and PostgreSQL alike (PostgreSQL refuses NUL in text, SQLite lone
surrogates); a post id that cannot be the platform's is refused as a malformed answer (unknown outcome), never
stored as a different id."""

from __future__ import annotations

import itertools
import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from socialpub import audit, inbox
from socialpub.adapters.base import Receipt, well_formed_id
from socialpub.errors import PlatformError
from socialpub.ledger import Ledger, Row, storable
from tests import test_exactly_once as base
from tests.test_exactly_once import NOW, cli_run, eo

NASTY = "a\x00b\ud800c\udc80d\U0001f600e\u2028"  # NUL, a lone high surrogate, an escaped byte, an emoji, LS
EXAMPLE = itertools.count()  # a new row for each example (hypothesis reuses the function's ledger)
ON_BOTH = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


# --- the one place: storable ----------------------------------------------------------------------------------


@given(st.text())
@settings(max_examples=500, deadline=None)
def test_storable_text_is_utf8_without_nul_idempotent_and_leaves_ordinary_text_alone(text: str) -> None:
    kept = storable(text)
    kept.encode("utf-8")  # no lone surrogate left
    assert "\x00" not in kept
    assert storable(kept) == kept  # what is stored (and hashed) is what a second pass stores
    ordinary = "\x00" not in text and not any(0xD800 <= ord(c) <= 0xDFFF for c in text)
    assert (kept == text) is ordinary or (not ordinary and kept != text)


def test_storable_escapes_visibly() -> None:
    assert storable(NASTY) == "a\\x00b\\ud800c\\udc80d\U0001f600e\u2028"


# --- every text column, from any source, on both backends ------------------------------------------------------


@given(text=st.text(max_size=60), key=st.text(min_size=1, max_size=20))
@ON_BOTH
def test_any_text_in_any_column_is_recorded_and_read_back_as_stored(ledger: Ledger, text: str, key: str) -> None:
    """Rows, events, pauses and the safety inbox's reads and gaps take any text; a row is found again by the
    very key it was written with; the audit chain over it stays intact."""
    post_id = f"p{next(EXAMPLE)}-{key}"
    written = Row(post_id=post_id, channel="c", state="published", content_hash=text, approval_code=text,
                  git_commit=text, post_file=text, remote_id=text, url=text, extra_ids=[text], last_error=text,
                  claimed_by=text)
    ledger.claim(post_id, "c", lambda current: replace(written) if current is None else None)
    ledger.event("published", ledger.get(post_id, "c"), error=text, who=text)
    ledger.pause(text, who=text)
    ledger.resume(who=text, reason=text)
    inbox.record_read(ledger, post_id, "c", at=NOW, cursor=text, complete=False, new=0, error=text)
    inbox.record_gap(ledger, post_id, "c", text or "kind", text, at=NOW)

    row = ledger.get(post_id, "c")
    assert row is not None, "the row is found by the key it was written with"
    kept = storable(text)
    for column in ("content_hash", "approval_code", "git_commit", "post_file", "remote_id", "url", "last_error",
                   "claimed_by"):
        assert getattr(row, column) == kept, column
    assert row.extra_ids == [text]  # JSON: escaped by json.dumps, read back exactly
    assert inbox.reads(ledger)[(storable(post_id), "c")].last_error == kept
    report = audit.verify_ledger(ledger)
    assert report.intact, report.breaks


@given(text=st.text(max_size=80))
@ON_BOTH
def test_a_platforms_error_text_is_settled_whatever_it_holds(ledger: Ledger, text: str) -> None:
    """The settle after a call (the worst place to fail: the post may be out) writes any error text."""
    row = ledger.claim("p", "c", lambda current: Row(post_id="p", channel="c", state="publishing",
                                                      claimed_by=ledger.claimer))
    if row is None:  # claimed in an earlier example: take it again
        row = ledger.claim("p", "c", lambda current: replace(current, state="publishing", claimed_by=ledger.claimer))
    assert row is not None
    settled = replace(row, state="failed", last_error=text, url=text, claimed_by=None)
    assert ledger.settle(settled, holder=ledger.claimer, action="failed", error=text)
    assert ledger.get("p", "c").last_error == (storable(text) or None) or text == ""


# --- an id is refused, not altered -------------------------------------------------------------------------


@given(remote_id=st.text(max_size=30), extra=st.lists(st.text(max_size=10), max_size=2))
@settings(max_examples=500, deadline=None)
def test_a_receipt_holds_only_ids_that_are_stored_exactly_or_is_an_unknown_outcome(remote_id: str,
                                                                                  extra: list[str]) -> None:
    try:
        receipt = Receipt(remote_id, extra_ids=tuple(extra))
    except PlatformError as error:
        assert error.maybe_sent and not error.transient  # may be out: reconciled, never resent blindly
        assert not all(map(well_formed_id, (remote_id, *extra)))
        assert "\x00" not in error.message and "\n" not in error.message
        return
    for kept in (receipt.remote_id, *receipt.extra_ids):
        assert storable(kept) == kept and kept.strip() == kept and kept.isprintable()


# --- through the sandbox, on both backends ----------------------------------------------------------------------


def ledger_of(world: Any) -> Ledger:
    from socialpub.ledger import open_ledger

    return open_ledger(world.ledger or ".socialpub/ledger.db", world.root)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_an_error_answer_with_nul_and_lone_surrogates_is_recorded(worlds: Any, backend: str,
                                                                   request: pytest.FixtureRequest) -> None:
    ledger = request.getfixturevalue("pg_url") if backend == "postgresql" else None
    world = worlds("w", eo.numbered_posts(1, ["tw"]), channels=("tw",), ledger=ledger)
    method, path = base.CREATE["twitter"]
    raw = json.dumps({"title": "Forbidden", "detail": f"refused {NASTY}", "status": 403}, ensure_ascii=True)
    world.box.inject("answer", method=method, path=path, status=403, raw=raw,
                     headers={"Content-Type": "application/json"})
    code, results, err = cli_run(world)
    assert code == 3 and results[("p000", "tw")]["state"] == "failed", (code, results, err)
    assert "Traceback" not in err
    with ledger_of(world) as opened:
        row = opened.get("p000", "tw")
        assert row is not None and row.state == "failed" and row.last_error
        assert "\x00" not in row.last_error
        assert audit.verify_ledger(opened).intact


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_found_post_whose_id_is_malformed_is_an_unknown_outcome_not_a_different_id(
        worlds: Any, backend: str, request: pytest.FixtureRequest) -> None:
    """The answer to the create is lost; the Page's feed then lists the post under an id with a line break
    after it. Storing that id (or a cleaned one) could delete the wrong post later: unknown, exit 4."""
    ledger = request.getfixturevalue("pg_url") if backend == "postgresql" else None
    world = worlds("w", eo.numbered_posts(1, ["fb"]), channels=("fb",), ledger=ledger)
    method, path = base.CREATE["facebook"]
    world.box.inject("lose", method=method, path=path)
    code, results, err = cli_run(world)  # the post was made; its answer lost, then found by the feed
    assert code == 0 and results[("p000", "fb")]["state"] == "published", (code, results, err)
    with ledger_of(world) as opened:  # as if that run had died between the call and its settle
        row = opened.get("p000", "fb")
        good = row.remote_id
        opened.save(replace(row, state="unknown", remote_id=None, url=None, claimed_by=None))
    feed = next(iter(world.box.store["facebook"]["posts"].values()))
    world.box.inject("answer", method="GET", path=r"/feed|/scheduled_posts|/published_posts", status=200, count=5,
                     body={"data": [{**feed, "id": good + "\n", "message": feed.get("message")}]})
    code, results, err = cli_run(world, datetime(2014, 9, 15, 15, 0, tzinfo=UTC))
    assert code == 4 and results[("p000", "fb")]["state"] == "unknown", (code, results, err)
    assert "malformed post id" in json.dumps(results[("p000", "fb")])
    with ledger_of(world) as opened:
        row = opened.get("p000", "fb")
        assert row.state == "unknown" and row.remote_id is None


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_any_error_text_a_platform_answers_is_recorded_through_the_sandbox(worlds: Any, backend: str,
                                                                          request: pytest.FixtureRequest) -> None:
    """Hypothesis over the text of a real error answer (Pinterest's JSON `message`, over HTTP on loopback):
    each publish fails (exit 3) and is recorded with its error, the chain intact, on both databases."""
    ledger = request.getfixturevalue("pg_url") if backend == "postgresql" else None
    world = worlds("w", eo.numbered_posts(1, ["pin"]), channels=("pin",), ledger=ledger)
    method, path = base.CREATE["pinterest"]

    @given(message=st.text(max_size=40))
    @example(message="a\x00b")
    @example(message="a\ud800b")
    @settings(max_examples=15, deadline=None)
    def publish_refused(message: str) -> None:
        raw = json.dumps({"code": 1, "message": f"refused: {message}"})  # \u0000 and lone \ud800 as JSON has them
        world.box.inject("answer", method=method, path=path, status=400, raw=raw,
                         headers={"Content-Type": "application/json"})
        code, out, err = base.cli(world, "publish", "p000", "--yes", "--format", "json")
        assert code == 3 and "Traceback" not in err and "internal error" not in err, (code, out, err)
        with ledger_of(world) as opened:
            row = opened.get("p000", "pin")
            assert row is not None and row.state == "failed" and "refused" in (row.last_error or "")
            assert storable(row.last_error) == row.last_error

    publish_refused()
    with ledger_of(world) as opened:
        assert audit.verify_ledger(opened).intact
