"""Exactly once under attack: a crash then an edit, a lost ledger, a renamed post file, `resolve` on a live
claim, media swapped between check and send, rows never settled (docs/exactly-once.md, "Safeguards").

Real `socialpub run` processes killed from inside the sandbox, or the core Publisher in this process, over HTTP
to the sandbox on loopback; real SQLite and PostgreSQL ledgers. Counts are what the sandbox received and keeps.
"""

from __future__ import annotations

import functools
import json
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socialpub.check import check_post
from socialpub.config import load_config
from socialpub.ledger import process_start
from socialpub.posts import load_posts
from socialpub.publish import Publisher
from tests.test_exactly_once import CHANNELS, CREATE, NOW, cli, creates, eo, run_here, states

pytestmark = pytest.mark.slow  # crashed claims, edits and rebuilds across real processes and both ledgers


BACKENDS = ["sqlite", "postgresql"]


def ledger_for(backend: str, request: pytest.FixtureRequest) -> str | None:
    return request.getfixturevalue("pg_url") if backend == "postgresql" else None


def kept(world: Any) -> Counter[str]:
    """Objects the sandbox keeps that make a post, per platform (thread replies not counted)."""
    made: Counter[str] = Counter()
    for obj in world.box.posts():
        if obj["platform"] == "twitter" and obj["kind"] == "tweets" and not obj.get("in_reply_to_tweet_id"):
            made["twitter"] += 1
        elif (obj["platform"], obj["kind"]) in (("facebook", "posts"), ("youtube", "videos"),
                                                  ("youtube", "youtube#video"), ("pinterest", "pins")):
            made[obj["platform"]] += 1
    return made


def killed_after_the_platform_made_it(world: Any, *, after: bool = True) -> None:
    """`socialpub run` SIGKILLed from inside the sandbox when all four platforms got p000's create request
    (after: once they made it; else before)."""
    switch = eo.KillSwitch(world.box, eo.CREATE_ROUTES.values(), after=after, wait_for=4)
    started = time.perf_counter()
    proc = world.start(NOW)
    switch.arm(proc.pid)
    assert world.wait(proc, started).killed
    switch.disarm()
    assert sorted(r.channel for r in world.ledger_rows() if r.state == "publishing") == sorted(CHANNELS)


def edited(spec: Any, note: str = " (typo fixed)") -> Any:
    return replace(spec, text=spec.text.replace("learned", "learnt") + note, title=spec.title + note)


# --- 1. a crash, then an edit ---------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_post_edited_after_a_crash_is_found_as_it_was_sent_not_sent_twice(
    worlds: Any, backend: str, request: pytest.FixtureRequest
) -> None:
    """Killed after all four platforms made p000; then the post's text and title are edited. The rerun looks
    for what was sent (the ledger's stored payload), finds all four, and sends nothing again."""
    world = worlds("w", eo.numbered_posts(1, CHANNELS), ledger=ledger_for(backend, request))
    killed_after_the_platform_made_it(world)
    world.add(edited(world.posts[0]))
    world.posts = world.posts[-1:]

    results = run_here(world, grace=0.0)
    assert states(results) == {("p000", c): "published" for c in CHANNELS}
    assert all("found on the platform" in (r.hint or "") for r in results.values())
    assert creates(world) == Counter(dict.fromkeys(CREATE, 1))
    assert kept(world) == Counter(dict.fromkeys(CREATE, 1))
    status = {(r["post"], r["channel"]): r["state"] for r in world.status(NOW)}
    assert set(status.values()) == {"edited-after-publish"}  # what went out is not the file as it reads now


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_edited_post_whose_crashed_attempt_is_not_found_stays_unknown_until_resolved(
    worlds: Any, backend: str, request: pytest.FixtureRequest
) -> None:
    """Killed before the platforms made p000, then edited: "not among the recent posts" is no proof for an
    attempt made before an edit. It stays unknown (exit 4), status says why; resolved, the new text goes once."""
    world = worlds("w", eo.numbered_posts(1, CHANNELS), ledger=ledger_for(backend, request))
    killed_after_the_platform_made_it(world, after=False)
    world.add(edited(world.posts[0]))
    world.posts = world.posts[-1:]

    for _ in range(2):  # every run looks again; none sends
        results = run_here(world, grace=0.0)
        assert states(results) == {("p000", c): "unknown" for c in CHANNELS}
        assert all("edited after an attempt whose outcome is unknown" in r.error for r in results.values())
    rows = {r["channel"]: r for r in world.status(NOW)}
    assert all(r["state"] == "unknown" and "edited after an attempt" in r["error"] for r in rows.values())
    assert kept(world) == Counter()  # the requests arrived, the kill came before the platforms made anything

    for channel in CHANNELS:
        code, out, err = cli(world, "resolve", "p000", "--channel", channel, "--not-published",
                                  "--reason", "not on the account")
        assert code == 0, err
    results = run_here(world, grace=0.0)
    assert states(results) == {("p000", c): "published" for c in CHANNELS}
    assert kept(world) == Counter(dict.fromkeys(CREATE, 1))
    assert any("(typo fixed)" in (o.get("text") or o.get("message") or "") for o in world.box.posts("twitter"))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edit=st.text(min_size=1, max_size=60))
def test_any_edit_after_a_crashed_claim_never_posts_twice(tmp_path_factory: pytest.TempPathFactory,
                                                            edit: str) -> None:
    """Property: whatever the text becomes after a claim whose process died once X had made the tweet, X
    keeps exactly one copy. (The crash: the ledger row as the claim left it, `publishing`, its claimer dead.)"""
    world = eo.World(tmp_path_factory.mktemp("prop"), eo.numbered_posts(1, ["tw"]), channels=["tw"],
                     inprocess=True)
    try:
        assert states(run_here(world)) == {("p000", "tw"): "published"}
        with world.open_ledger() as ledger:
            row = ledger.get("p000", "tw")
            ledger.save(replace(row, state="publishing", remote_id=None, url=None, published_at=None,
                                claimed_by=f"{socket.gethostname()}:999999999:dead0000:x.1"))
        world.add(replace(world.posts[0], text=edit.replace("\x00", "")))
        world.posts = world.posts[-1:]
        for _ in range(2):  # the second run: published rows are settled, or a refused edit stays refused
            results = run_here(world, grace=0.0)
            assert {r.state for r in results.values()} <= {"published", "refused"}, results
        assert kept(world) == Counter({"twitter": 1})
        assert creates(world) == Counter({"twitter": 1})
    finally:
        world.close()


# --- 2. a lost ledger, a renamed post, resolve on a live claim --------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_lost_ledger_finds_what_was_published_before_sending(
    worlds: Any, backend: str, request: pytest.FixtureRequest
) -> None:
    """Everything published, then the ledger is lost (a new, empty one). The posts are long past due: the next
    run looks on the platforms first, finds each, and sends nothing."""
    world = worlds("w", eo.numbered_posts(2, CHANNELS), ledger=ledger_for(backend, request))
    assert set(states(run_here(world)).values()) == {"published"}
    if backend == "sqlite":
        for path in (world.root / ".socialpub").glob("ledger.db*"):
            path.unlink()
    else:
        with world.open_ledger() as ledger, ledger.transaction() as cur:
            for table in ("publications", "events", "payloads", "blobs"):
                cur.execute(f"DELETE FROM {table}")
    results = run_here(world, grace=0.0)
    assert set(states(results).values()) == {"published"}
    assert creates(world) == Counter(dict.fromkeys(CREATE, 2))
    assert kept(world) == Counter(dict.fromkeys(CREATE, 2))
    found = [e for e in world.events() if e["action"] == "looked-first"]
    assert len(found) == 8 and all(e["detail"]["found"] for e in found)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_renamed_post_file_is_not_sent_again(worlds: Any, backend: str, request: pytest.FixtureRequest) -> None:
    """The id is the file's name: renamed, the post looks new. The ledger's stored payload hash of the old
    id tells it was sent; the run refuses (exit 1) and says what to do."""
    world = worlds("w", eo.numbered_posts(1, CHANNELS), ledger=ledger_for(backend, request))
    assert set(states(run_here(world)).values()) == {"published"}
    (world.root / "posts" / "p000.md").rename(world.root / "posts" / "lab-notes.md")
    code, out, err = cli(world, "run", "--now", NOW.isoformat(), "--format", "json")
    results = {r["channel"]: r for r in json.loads(out)["results"]}
    assert code == 1, err
    assert {r["state"] for r in results.values()} == {"refused"}
    assert all("already sent" in r["error"] and "p000" in r["error"] and 'id = "p000"' in r["hint"]
               for r in results.values())
    assert creates(world) == Counter(dict.fromkeys(CREATE, 1))


def test_a_new_id_for_old_content_is_found_on_the_platform_even_without_its_ledger_row(worlds: Any) -> None:
    """Renamed AND the ledger lost: the look before the first send finds the post on the platforms."""
    world = worlds("w", eo.numbered_posts(1, CHANNELS))
    run_here(world)
    (world.root / "posts" / "p000.md").rename(world.root / "posts" / "lab-notes.md")
    for path in (world.root / ".socialpub").glob("ledger.db*"):
        path.unlink()
    results = run_here(world, grace=0.0)
    assert states(results) == {("lab-notes", c): "published" for c in CHANNELS}
    assert creates(world) == Counter(dict.fromkeys(CREATE, 1))


@pytest.mark.parametrize("backend", BACKENDS)
def test_resolve_refuses_a_claim_whose_process_is_alive(
    worlds: Any, backend: str, request: pytest.FixtureRequest
) -> None:
    world = worlds("w", eo.numbered_posts(1, ["tw"]), channels=["tw"], ledger=ledger_for(backend, request))
    from socialpub.ledger import Row, open_ledger, utcnow

    holder = open_ledger(world.ledger or ".socialpub/ledger.db", world.root)  # a live claimer (PostgreSQL: its lock)
    try:
        holder.save(Row("p000", "tw", "publishing", claimed_by=holder.claimer, claimed_at=utcnow(), attempts=1))
        code, out, err = cli(world, "resolve", "p000", "--channel", "tw", "--not-published", "--reason", "test")
        assert code == 1
        assert "being handled right now" in err and holder.claimer in err and "Traceback" not in err
        assert world.ledger_rows()[0].state == "publishing"  # nothing changed
    finally:
        holder.close()
    if backend == "postgresql":  # its session gone, the claim is dead: resolve may settle it
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            code, out, err = cli(world, "resolve", "p000", "--channel", "tw", "--not-published", "--reason", "test")
            if code == 0:
                break
            time.sleep(0.1)
        assert code == 0, err


# --- 3. media changed between check and send ------------------------------------------------------------------


def test_an_image_swapped_after_the_check_is_refused_and_never_uploaded(worlds: Any) -> None:
    world = worlds("w", eo.numbered_posts(1, ["tw", "fb", "pin"]), channels=["tw", "fb", "pin"])
    config = load_config(world.config)
    from socialpub.ledger import open_ledger

    ledger = open_ledger(".socialpub/ledger.db", world.root)
    try:
        publisher = Publisher(config, ledger, environ=world.env(), reconcile_grace=0.0)
        reports = [check_post(p, config, publisher.renderer, now=NOW) for p in load_posts(config).posts]
        for report in reports:
            report.content_hash()  # checked now
        (world.root / "posts" / "media" / "lab.png").write_bytes(eo.PNG + b"swapped")  # a different image
        results = publisher.publish_now(reports)
    finally:
        ledger.close()
    assert {r.state for r in results} == {"refused"}
    assert all("SP-META-008: the content no longer matches what was checked" in r.error and "lab.png" in r.error
               for r in results)
    assert world.box.posts() == [] or kept(world) == Counter()
    assert not [r for r in world.box.requests if "upload" in r["path"] or r["route"] in eo.CREATE_ROUTES.values()]


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_images_sent_are_kept_in_the_ledger_with_the_payload(
    worlds: Any, backend: str, request: pytest.FixtureRequest
) -> None:
    """The stored payload is the audit record of what went out: every part, alt text, board, and the
    image bytes themselves, the thumbnail too (a video by hash and size only)."""
    spec = replace(eo.numbered_posts(1, CHANNELS)[0], thread=("Part two of the notes.",))
    world = worlds("w", [spec], ledger=ledger_for(backend, request))
    post = world.root / "posts" / "p000.md"
    post.write_text(post.read_text().replace("[youtube]\n", '[youtube]\nthumbnail = "media/lab.png"\n'))
    assert set(states(run_here(world)).values()) == {"published"}
    with world.open_ledger() as ledger:
        rows = {r.channel: r for r in ledger.rows()}
        bodies = {c: ledger.payload(r.payload_hash) for c, r in rows.items()}
        image = bodies["tw"]["parts"][0]["media"][0]
        assert [p["text"].strip() for p in bodies["tw"]["parts"]] == [spec.text, "Part two of the notes."]
        assert image["alt"].startswith("A lab bench") and image["stored"]
        assert ledger.blob(image["sha256"]) == eo.PNG
        assert bodies["pin"]["board"] == eo.BOARD[0] and bodies["pin"]["board_id"]
        video = bodies["yt"]["media"][0]
        assert video["kind"] == "video" and not video["stored"] and video["bytes"] == len(eo.MP4)
        assert ledger.blob(video["sha256"]) is None
        assert bodies["yt"]["title"] == spec.title
        thumbnail = bodies["yt"]["thumbnail"]
        assert thumbnail["stored"] and ledger.blob(thumbnail["sha256"]) == eo.PNG
    videos = [o for o in world.box.posts("youtube") if o.get("_thumbnail")]
    assert [v["_thumbnail"]["sha256"] for v in videos] == [thumbnail["sha256"]]  # what YouTube got is what is kept
    publishing = [e for e in world.events() if e["action"] == "publishing"]
    assert {e["detail"]["payload"] for e in publishing} == {r.payload_hash for r in rows.values()}


# --- 4. rows never settled, never reported ----------------------------------------------------------------------


def test_run_says_what_it_skips_even_with_quiet(worlds: Any) -> None:
    """A state this version does not know, and a claim held by a live process for too long: `run` says so
    every time, in JSON and in --quiet text (cron mails it)."""
    world = worlds("w", eo.numbered_posts(2, ["tw"]), channels=["tw"])
    from socialpub.ledger import Row, utcnow

    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        claimer = f"{socket.gethostname()}:{live.pid}:abcd1234:{process_start(live.pid)}"
        with world.open_ledger() as ledger:
            ledger.save(Row("p000", "tw", "frozen-by-v9", attempts=1))
            ledger.save(Row("p001", "tw", "publishing", claimed_by=claimer,
                            claimed_at=utcnow() - timedelta(hours=2), attempts=1))
        code, out, err = cli(world, "run", "--now", NOW.isoformat(), "--format", "json")
        results = {r["post"]: r for r in json.loads(out)["results"]}
        assert code == 0, err
        assert results["p000"]["state"] == "skipped" and results["p000"]["attention"]
        assert "'frozen-by-v9', which this version does not know" in results["p000"]["error"]
        assert results["p001"]["attention"] and "stuck?" in results["p001"]["error"]
        code, out, err = cli(world, "--quiet", "run", "--now", NOW.isoformat())
        assert "frozen-by-v9" in out and "stuck?" in out and "hint:" in out
    finally:
        live.kill()
        live.wait()
    assert creates(world) == Counter()


def test_a_claim_whose_pid_was_reused_is_reconciled(worlds: Any) -> None:
    """The crashed claimer's pid now belongs to a live process that started later: not alive, reconciled."""
    world = worlds("w", eo.numbered_posts(1, ["tw"]), channels=["tw"])
    run_here(world)
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        boot, ticks = process_start(live.pid).split(".")
        claimer = f"{socket.gethostname()}:{live.pid}:abcd1234:{boot}.{int(ticks) - 5}"
        with world.open_ledger() as ledger:
            row = ledger.get("p000", "tw")
            ledger.save(replace(row, state="publishing", remote_id=None, url=None, claimed_by=claimer))
        results = run_here(world, grace=0.0)
    finally:
        live.kill()
        live.wait()
    assert states(results) == {("p000", "tw"): "published"}
    assert "found on the platform" in results[("p000", "tw")].hint
    assert creates(world) == Counter({"twitter": 1})



def swap_when(world: Any, route: str, path: Path, data: bytes) -> Callable[[], None]:
    """Overwrite `path` with `data` when the sandbox gets a request on `route` (after the run checked and
    hashed the file, before it streams it). Returns what undoes the hook."""
    (r,) = [r for r in world.box.table if r.name == route]
    handler = r.handler

    def swapping(request: Any) -> Any:
        path.write_bytes(data)
        return handler(request)

    r.handler = swapping
    return lambda: setattr(r, "handler", handler)


@pytest.mark.parametrize(("channel", "route"), [("yt", "youtube:videos.insert"), ("tw", "twitter:media_init")])
def test_a_video_changed_while_it_is_uploaded_is_never_published(worlds: Any, channel: str, route: str) -> None:
    """A video is streamed, not read into memory: it is hashed on the way and compared with what was checked
    before the upload is finalised (YouTube: before its last chunk; X: before FINALIZE)."""
    world = worlds("w", eo.numbered_posts(1, [channel]), channels=[channel])
    post = world.root / "posts" / "p000.md"
    post.write_text(post.read_text().replace("media/lab.png", "media/lab.mp4"))
    video = world.root / "posts" / "media" / "lab.mp4"
    swap_when(world, route, video, eo.MP4[:-4] + b"\x01\x02\x03\x04")  # same size, other bytes
    results = run_here(world)
    result = results[("p000", channel)]
    assert result.state == "failed"
    assert "SP-META-008: the content no longer matches what was checked" in result.error
    assert "not finalised, nothing was published" in result.error
    assert kept(world) == Counter()
    assert not [r for r in world.box.requests if r["route"] in ("twitter:media_finalize", "twitter:create")]
    row = world.ledger_rows()[0]
    assert row.state == "failed" and not row.transient  # cron does not send it again; a person looks


def test_a_streamed_multipart_body_stops_before_its_last_block_when_the_file_changed(tmp_path: Path) -> None:
    """Facebook and Pinterest stream videos as one multipart body: the last block is held back until the
    bytes read so far hash to what was checked."""
    from socialpub.errors import PlatformError
    from socialpub.hashing import file_digest
    from socialpub.http import MultipartFile
    from socialpub.media import Media

    path = tmp_path / "v.mp4"
    path.write_bytes(eo.MP4 * 100_000)  # several blocks
    checked = Media("v.mp4", path, None, mime="video/mp4", digest=file_digest(path))  # as freeze() makes it
    body = MultipartFile({}, "source", path, "video/mp4", checked)
    assert b"".join(body)[-len(body.tail):] == body.tail and body.finished  # unchanged: all of it
    with path.open("r+b") as handle:
        handle.seek(len(eo.MP4) * 99_999)
        handle.write(b"\xff")  # one byte of the last block
    body = MultipartFile({}, "source", path, "video/mp4", checked)
    sent = []
    with pytest.raises(PlatformError, match="SP-META-008"):
        for block in body:
            sent.append(block)
    assert not body.finished and sum(len(b) for b in sent) < len(body) - len(body.tail)


def test_an_altered_stored_payload_is_not_trusted(worlds: Any) -> None:
    """Someone edits the ledger's payload of a crashed claim, and the post is edited too: the payload no longer
    has its hash, so it is not searched for; the row waits for a person instead of a guess."""
    world = worlds("w", eo.numbered_posts(1, ["tw"]), channels=["tw"])
    run_here(world)
    with world.open_ledger() as ledger:
        row = ledger.get("p000", "tw")
        ledger.save(replace(row, state="publishing", remote_id=None, url=None,
                            claimed_by=f"{socket.gethostname()}:999999999:dead0000:x.1"))
        with ledger.transaction() as cur:
            cur.execute("UPDATE payloads SET body = ?", ('{"parts": [{"text": "something else"}]}',))
    world.add(edited(world.posts[0]))
    world.posts = world.posts[-1:]
    result = run_here(world, grace=0.0)[("p000", "tw")]
    assert result.state == "unknown" and "no readable payload" in result.error
    assert creates(world) == Counter({"twitter": 1})


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)
PAYLOAD_KEYS = ("parts", "title", "link", "board", "board_id", "media", "thumbnail", "options", "text", "path")


@settings(max_examples=300, deadline=None)
@given(body=st.dictionaries(st.sampled_from(PAYLOAD_KEYS), JSON, max_size=8))
def test_rebuild_takes_any_stored_body_or_says_it_cannot(body: dict[str, Any]) -> None:
    """A stored payload comes from the ledger, which people and other versions can write: rebuilding one of
    any shape either gives what `find` needs or fails with the errors reconciliation turns into `unknown`."""
    from socialpub.payload import rebuild

    rendered = _a_rendered()
    try:
        again = rebuild(body, rendered)
    except (TypeError, ValueError, AttributeError):
        return
    assert all(isinstance(p.text, str) for p in again.parts)


@functools.cache
def _a_rendered() -> Any:
    """One post rendered for X (made once: hypothesis calls the test hundreds of times)."""
    import tempfile

    from socialpub.check import Renderer

    root = Path(tempfile.mkdtemp(prefix="socialpub-rebuild-"))
    (root / "posts" / "media").mkdir(parents=True)
    (root / "posts" / "media" / "lab.png").write_bytes(eo.PNG)
    (root / "channels.toml").write_text(eo.channels_toml("http://127.0.0.1:9", ["tw"]), encoding="utf-8")
    (root / "posts" / "p000.md").write_text(eo.post_file(eo.numbered_posts(1, ["tw"])[0]), encoding="utf-8")
    config = load_config(root / "channels.toml")
    return Renderer(config).render(load_posts(config).posts[0])[0]


def test_a_post_edited_during_a_long_run_is_checked_again_before_its_send(worlds: Any) -> None:
    """`run` checks every due post at its start; p001's file is edited while p000 is being sent (X sends one
    after the other). Right before p001's send its file is loaded and checked again: it is refused for this
    run, and the next run sends it as it then reads, once."""
    world = worlds("w", eo.numbered_posts(2, ["tw"]), channels=["tw"])
    later = edited(world.posts[1])
    target = world.root / "posts" / "p001.md"
    undo = swap_when(world, "twitter:create", target, eo.post_file(later).encode())
    results = run_here(world)
    assert states(results) == {("p000", "tw"): "published", ("p001", "tw"): "refused"}
    assert "SP-META-008: the content no longer matches what was checked (the post file changed during the run)" \
        in results[("p001", "tw")].error
    assert creates(world) == Counter({"twitter": 1})
    undo()
    assert states(run_here(world)) == {("p001", "tw"): "published"}
    texts = [o["text"].strip() for o in world.box.posts("twitter") if o["kind"] == "tweets"]
    assert sorted(texts) == sorted([world.posts[0].text.strip(), later.text.strip()])


def test_a_row_in_a_state_unknown_to_this_version_is_never_overwritten_as_missed(worlds: Any) -> None:
    world = worlds("w", eo.numbered_posts(1, ["tw"]), channels=["tw"])
    from socialpub.ledger import Row

    with world.open_ledger() as ledger:
        ledger.save(Row("p000", "tw", "frozen-by-v9", attempts=1, last_error="kept by a newer version"))
    results = run_here(world, NOW + timedelta(days=30))  # long past max_lateness
    assert states(results) == {("p000", "tw"): "skipped"} and results[("p000", "tw")].attention
    assert [(r.state, r.last_error) for r in world.ledger_rows()] == [("frozen-by-v9", "kept by a newer version")]
    assert creates(world) == Counter()


LISTINGS = {  # what `find` reads, per platform
    "twitter": ("GET", r"/2/users/[0-9]+/tweets$"),
    "facebook": ("GET", r"/[0-9]+/feed$"),
    "youtube": ("GET", r"/youtube/v3/playlistItems$"),
    "pinterest": ("GET", r"/v5/boards/[^/]+/pins$"),
}


def test_a_platform_that_cannot_be_asked_before_the_first_send_is_asked_again_later(worlds: Any) -> None:
    """Long past due, nothing on record, and the platform's listing answers 503: nothing is sent, nothing is
    left on record (the next run looks first again), and the run says it will retry."""
    world = worlds("w", eo.numbered_posts(1, CHANNELS))
    for method, path in LISTINGS.values():
        world.box.inject("status", method=method, path=path, status=503, count=20)
    results = run_here(world, sleep=lambda _: None)
    assert states(results) == {("p000", c): "retrying" for c in CHANNELS}
    assert all("could not look on the platform before the first send" in r.error for r in results.values())
    assert creates(world) == Counter() and world.ledger_rows() == []
    world.box.faults.clear()
    assert states(run_here(world)) == {("p000", c): "published" for c in CHANNELS}
    assert creates(world) == Counter(dict.fromkeys(CREATE, 1))
