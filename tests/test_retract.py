"""`retract` when the platform's answer to a delete is lost: the delete may have been carried out or not. A delete
is idempotent, so retract asks again; whatever the platform then says (deleted now, or "does not exist") the
post is gone, and the ledger records the retraction with its audit event. Through the sandbox's fault injection
(`lose`: the request is carried out, then its connection closes without an answer), on every platform."""

from __future__ import annotations

import json
from typing import Any

import pytest

from socialpub.ledger import open_ledger
from tests.test_exactly_once import cli, cli_run, eo

KINDS = sorted(eo.KINDS)  # tw, fb, yt, pin
REASON = ("--reason", "MLR withdrew approval (ticket 4711)")


def published_world(worlds: Any, channel: str, ledger: str | None = None) -> Any:
    world = worlds(f"w-{channel}", eo.numbered_posts(1, [channel]), channels=(channel,), ledger=ledger)
    code, results, err = cli_run(world)
    assert code == 0 and results[("p000", channel)]["state"] == "published", (code, results, err)
    return world


def retract(world: Any, channel: str) -> tuple[int, dict[str, Any], str]:
    code, out, err = cli(world, "retract", "p000", "--channel", channel, "--yes", *REASON, "--format", "json")
    assert "Traceback" not in err and "internal error" not in err, err
    return code, json.loads(out)["results"][0], err


def recorded(world: Any, channel: str) -> tuple[str, list[dict[str, Any]]]:
    with open_ledger(world.ledger or ".socialpub/ledger.db", world.root) as ledger:
        row = ledger.get("p000", channel)
        events = [e for e in ledger.events() if e["action"].startswith("retract")]
    assert row is not None
    return row.state, events


def deletes(world: Any) -> int:
    return sum(1 for r in list(world.box.requests) if r.get("method") == "DELETE")


@pytest.mark.parametrize("channel", KINDS)
def test_a_delete_whose_answer_is_lost_is_asked_again_and_recorded(worlds: Any, channel: str) -> None:
    world = published_world(worlds, channel)
    world.box.inject("lose", method="DELETE", count=1)
    code, result, err = retract(world, channel)
    assert code == 0 and result["state"] == "retracted", (code, result, err)
    state, events = recorded(world, channel)
    assert state == "retracted" and [e["action"] for e in events] == ["retract"], events
    assert events[0]["detail"]["reason"] == REASON[1]
    if channel != "tw":  # X answers a delete of a tweet already gone with success, the others with "not found"
        assert events[0]["detail"]["not_found"], events


@pytest.mark.parametrize("channel", KINDS)
def test_a_later_retract_finds_the_post_gone_and_records_it(worlds: Any, channel: str) -> None:
    """The delete carried out and its answer lost, the question after it unanswered too: unknown (exit 4), the
    ledger still says published. The next retract asks the platform, which says the post does not exist:
    recorded as retracted, with that in its event."""
    world = published_world(worlds, channel)
    world.box.inject("lose", method="DELETE", count=1)  # carried out, unanswered
    world.box.inject("drop", method="DELETE", count=20)  # then no answer at all (a client may retry by itself)
    code, result, err = retract(world, channel)
    assert code == 4 and result["state"] == "unknown", (code, result, err)
    assert "retract" in (result.get("hint") or "")
    assert recorded(world, channel)[0] == "published"
    world.box.faults.clear()  # the network is back
    before = deletes(world)
    code, result, err = retract(world, channel)
    assert code == 0 and result["state"] == "retracted", (code, result, err)
    assert deletes(world) == before + 1  # it asked the platform once
    state, events = recorded(world, channel)
    assert state == "retracted"
    assert [e["action"] for e in events] == ["retract-unknown", "retract"], events
    if channel != "tw":
        assert events[-1]["detail"]["not_found"] == [e["remote_id"] for e in events[-1:]], events


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_post_deleted_by_hand_is_recorded_as_retracted_on_both_ledgers(worlds: Any, backend: str,
                                                                        request: pytest.FixtureRequest) -> None:
    ledger = request.getfixturevalue("pg_url") if backend == "postgresql" else None
    world = published_world(worlds, "pin", ledger)
    with open_ledger(world.ledger or ".socialpub/ledger.db", world.root) as opened:
        pin = opened.get("p000", "pin").remote_id
    world.box.store["pinterest"]["pins"].pop(pin)  # deleted on Pinterest by a person
    code, result, err = retract(world, "pin")
    assert code == 0 and result["state"] == "retracted", (code, result, err)
    state, events = recorded(world, "pin")
    assert state == "retracted" and events[-1]["detail"]["not_found"] == [pin]


def test_a_delete_refused_for_another_reason_is_still_a_failure(worlds: Any) -> None:
    """Only "does not exist" counts as gone: a refusal (403) leaves the post published and says so (exit 3)."""
    world = published_world(worlds, "pin")
    world.box.inject("status", method="DELETE", status=403, count=2)
    code, result, err = retract(world, "pin")
    assert code == 3 and result["state"] == "failed", (code, result, err)
    assert recorded(world, "pin")[0] == "published"
