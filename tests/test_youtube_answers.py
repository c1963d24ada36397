"""Two YouTube answers that went wrong: a compressed answer inflated without bound, and a delete whose answer
was lost reported as failed. Real SDK (googleapiclient, httplib2) against the sandbox on loopback."""

from __future__ import annotations

import tracemalloc
import zlib
from typing import Any

import pytest

from socialpub import http
from socialpub.adapters.youtube import YouTubeAdapter
from socialpub.config import load_config
from socialpub.errors import ExitCode
from socialpub.ledger import open_ledger
from socialpub.publish import exit_code
from socialpub.sandbox import Sandbox
from socialpub.status import retract_post
from tests.helpers import Repo
from tests.test_exactly_once import eo, run_here
from tests.test_youtube_adapter import failure, setup, videos

MiB = 1024 * 1024


def gzip_of_spaces(size: int) -> bytes:
    """A gzip body that inflates to `size` bytes of JSON-ish text (a bomb: about a thousandth of that)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    block = b" " * MiB
    parts = [packer.compress(b"[")]
    parts += [packer.compress(block) for _ in range(size // MiB)]
    parts.append(packer.compress(b"]") + packer.flush())
    return b"".join(parts)


def test_a_compressed_answer_is_bounded_once_decompressed(repo: Repo, box: Sandbox) -> None:
    """The sandbox answers a lookup with 256 KiB of gzip that inflates to 256 MiB: socialpub keeps at most
    MAX_ANSWER bytes of it (as it does of a plain answer) and reports an odd answer, not an internal error."""
    adapter, rendered, _ = setup(repo, box)
    bomb = gzip_of_spaces(256 * MiB)
    assert len(bomb) < MiB
    box.inject("answer", method="GET", path=r"/youtube/v3/", status=200, data=bomb, count=20,
               headers={"Content-Type": "application/json", "Content-Encoding": "gzip"})
    tracemalloc.start()
    try:
        error = failure(lambda: adapter.find(rendered))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * http.MAX_ANSWER, f"{peak / MiB:.0f} MiB held for an answer of {len(bomb) / MiB:.2f} MiB"
    assert error.transient and "YouTube" in error.message


def test_a_compressed_answer_within_the_bound_reads_as_plain(repo: Repo, box: Sandbox) -> None:
    """A platform (or a proxy) that gzips its answers is read as before: here a lookup's answer."""
    adapter, rendered, _ = setup(repo, box)
    listing = b'{"kind": "youtube#channelListResponse", "items": []}'
    packer = zlib.compressobj(6, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    box.inject("answer", method="GET", path=r"/youtube/v3/channels", status=200,
               data=packer.compress(listing) + packer.flush(),
               headers={"Content-Type": "application/json", "Content-Encoding": "gzip"})
    error = failure(lambda: adapter.find(rendered))  # no channel in the answer: said as such, not as garbage
    assert "channel" in error.message.lower() and "json" not in error.message.lower(), error.message


@pytest.mark.parametrize("lost", ["timeout", "dropped"])
def test_a_delete_whose_answer_is_lost_is_reported_as_maybe_done(
    worlds: Any, lost: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The DELETE reached YouTube, and then its answer timed out (YouTube deleted the video meanwhile) or the
    connection dropped (httplib2's own retry too; the video is still there). `retract` said "failed" (exit 3)
    as if nothing had happened; now retract asks once more, and when that answer is lost too it is an unknown
    outcome (exit 4), the row stays published, the audit trail says so, and retracting again takes down what is
    still there."""
    world = worlds("w", eo.numbered_posts(1, ["yt"]), channels=("yt",))
    assert run_here(world)[("p000", "yt")].state == "published"
    if lost == "timeout":
        monkeypatch.setattr(YouTubeAdapter, "timeout", 0.5)
        world.box.inject("slow", method="DELETE", path=r"/youtube/v3/videos", delay=2.0, count=2)
    else:
        world.box.inject("drop", method="DELETE", path=r"/youtube/v3/videos", count=20)
    config = load_config(world.config)
    ledger = open_ledger(".socialpub/ledger.db", world.root)
    try:
        [result] = retract_post(config, ledger, "p000", ["yt"], world.env())
        assert result.state == "unknown", result
        assert exit_code([result]) == ExitCode.UNKNOWN_OUTCOME
        assert "may or may not" in (result.error or "") and "retract p000 --channel yt" in (result.hint or "")
        assert ledger.get("p000", "yt").state == "published"
        assert [e["action"] for e in ledger.events()][-1] == "retract-unknown"
        if lost == "dropped":  # still there: retracting again takes it down
            assert len(videos(world.box)) == 1
            world.box.faults.clear()
            [again] = retract_post(config, ledger, "p000", ["yt"], world.env())
            assert again.state == "retracted" and videos(world.box) == []
    finally:
        ledger.close()


def test_a_delete_refused_by_the_platform_is_still_failed(worlds: Any) -> None:
    """The other side of the line: an answer that says it was not done stays `failed`."""
    world = worlds("w", eo.numbered_posts(1, ["yt"]), channels=("yt",))
    run_here(world)
    world.box.inject("status", method="DELETE", path=r"/youtube/v3/videos", status=403)
    ledger = open_ledger(".socialpub/ledger.db", world.root)
    try:
        [result] = retract_post(load_config(world.config), ledger, "p000", ["yt"], world.env())
        assert result.state == "failed", result
    finally:
        ledger.close()
