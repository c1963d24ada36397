"""`socialpub watch` at scale: 1,000 published (post, channel) pairs, comments seeded on the platforms, and
watch run after watch until everything is read, against the sandbox's read limits.

    .venv/bin/python bench/watch.py [--posts 300] [--pins 100] [--comments 3] [--youtube-quota 10000] [--pg URL]

A throw-away repository (bench/exactly_once.py's `World`): `--posts` posts on X, Facebook and YouTube, the first
`--pins` of them on Pinterest too (300 + 100 = 1,000 pairs), published by one `socialpub run` (the sandbox's
rate limits off for that: publishing is measured elsewhere). Then `--comments` comments per post on each
readable platform, seeded through `POST /_sandbox/comments`, written like replies to a pharmaceutical
company's posts (bench/screening.py's generator), one in three answering another comment (a reply chain).

Then real `socialpub watch` processes (timed by bench/measure.py: wall, CPU, peak RSS), with the sandbox's
read limits on: X's recent search 180 requests per 15-minute window, YouTube's daily quota `--youtube-quota`
units (1 a commentThreads.list or comments.list page; watch spends at most 5,000 a day, spreading the reads of
more videos than that allows every 15 minutes), Facebook 600 reads a minute. The watches are 15 minutes apart
by their clock (`--now`), and between them the bench lets X's window pass as those 15 minutes would.

- watches until every readable (post, channel) was read to its end. Each reports its requests per platform, the reads
  left for the next watch and whether the sandbox had to answer 429 (it must not: watch paces itself).
- then `--new` comments more, and watches until caught up again: X must be asked with `since_id` and return
  only the new replies (the posts X bills are counted by the sandbox).

The bars: every seeded comment kept exactly once, every one screening queues queued exactly once (its
`safety-queued` event once), no 429, every readable pair read, X returning each reply once (none read again).
Writes its section of docs/benchmarks.md (between `<!-- watch:start -->` and `<!-- watch:end -->`; the rest of
the file is left alone) and prints a summary. Exit status: 0 the bars hold, 1 one does not, 2 something could
not be measured.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))

import exactly_once as eo  # noqa: E402
from screening import comments as generated_comments  # noqa: E402
from sections import replace_section  # noqa: E402

PRODUCT = """
[compliance.products.zyntrava]
brand = "Zyntrava"
established = "velotinib"
"""
READABLE = {"tw": "twitter", "fb": "facebook", "yt": "youtube"}


def posts(count: int, pins: int) -> list[eo.PostSpec]:
    made = eo.numbered_posts(count, ("tw", "fb", "yt"))
    return [replace(p, id=f"p{i:04d}", channels=p.channels + (("pin",) if i < pins else ()))
            for i, p in enumerate(made)]


def seed(box_url: str, targets: list[tuple[str, str]], texts: list[str], rng: random.Random) -> list[tuple[str, str]]:
    """Comments on (platform, remote id), through the sandbox's control endpoint; a third answer another comment
    of the same post (X: a reply in the conversation). Returns (platform, comment id) of each."""
    made: list[tuple[str, str]] = []
    by_post: dict[tuple[str, str], list[str]] = {}
    for (kind, remote), text in zip(targets, texts, strict=True):
        earlier = by_post.setdefault((kind, remote), [])
        spec: dict[str, Any] = {"platform": kind, "on": remote, "text": text, "author": f"user{rng.randrange(10**6)}"}
        if earlier and rng.random() < 1 / 3:
            spec["parent"] = rng.choice(earlier)
        request = urllib.request.Request(f"{box_url}/_sandbox/comments", data=json.dumps(spec).encode(),
                                         headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - the sandbox on loopback
            comment = json.loads(answer.read())["comment"]
        earlier.append(str(comment["id"]))
        made.append((kind, str(comment["id"])))
    return made


def one_watch(world: eo.World, now: datetime, out: Path) -> dict[str, Any]:
    """One `socialpub watch` process under bench/measure.py, with what the sandbox saw of it."""
    box = world.box
    twitter = next(p for p in box.platforms if p.name == "twitter")
    with box.lock:
        box.requests.clear()
    billed, served = len(twitter.billed), twitter.posts_read
    youtube = next(p for p in box.platforms if p.name == "youtube")
    units = youtube.quota_used
    searches: list[dict[str, str]] = []
    search = next(r for r in box.table if r.name == "twitter:search")
    handler = search.handler

    def counted(request: Any) -> Any:
        searches.append(dict(request.query))
        return handler(request)

    search.handler = counted
    result = out / "measure.json"
    try:
        done = subprocess.run(
            [sys.executable, str(HERE / "measure.py"), str(result),
             *world.argv("watch", "--now", now.isoformat(), "--format", "json")],
            capture_output=True, env=world.env(), cwd=world.root, stdin=subprocess.DEVNULL, timeout=1800)
    finally:
        search.handler = handler
    measured = json.loads(result.read_text())
    try:
        data = json.loads(done.stdout)
    except ValueError:
        raise SystemExit(f"watch printed no JSON (exit {done.returncode}): {done.stderr.decode()[-2000:]}") from None
    with box.lock:
        requests = list(box.requests)
    per_platform = Counter(r["route"].split(":")[0] for r in requests)
    return {
        "exit": done.returncode,
        "wall": measured["wall"],
        "cpu": measured["cpu"],
        "peak_mb": measured["maxrss_kb"] / 1024,
        "summary": data["summary"],
        "not_reached": Counter(n["channel"] for n in data["not_reached"]),
        "requests": per_platform,
        "by_route": Counter(r["route"] for r in requests),
        "answered_429": sum(1 for r in requests if r.get("status") == 429),
        "x_posts_billed": len(twitter.billed) - billed,  # X bills a post served again the same day once
        "x_posts_served": twitter.posts_read - served,
        "youtube_units": youtube.quota_used - units,
        "x_searches": len(searches),
        "x_searches_with_since_id": sum(1 for q in searches if q.get("since_id")),
    }


def ledger_counts(world: eo.World) -> dict[str, Any]:
    from socialpub import inbox

    with world.open_ledger() as ledger:
        items = inbox.items(ledger, waiting_only=False)
        queued_events = Counter((e["channel"], e["detail"].get("comment")) for e in ledger.events()
                                if e.get("action") == "safety-queued")
        with ledger.transaction(read_only=True) as cur:
            cur.execute("SELECT channel, comment_id FROM comments")
            stored = Counter(tuple(r) for r in cur.fetchall())
        reads = inbox.reads(ledger)
    return {"items": Counter((i.channel, i.comment_id) for i in items), "queued_events": queued_events,
            "stored": stored, "reads": reads}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=300, help="posts on X, Facebook and YouTube (300)")
    parser.add_argument("--pins", type=int, default=100, help="of them also on Pinterest (100)")
    parser.add_argument("--comments", type=int, default=3, help="comments per post and platform (3)")
    parser.add_argument("--new", type=int, default=60, help="comments added before the last watch (60)")
    parser.add_argument("--youtube-quota", type=int, default=10_000, help="YouTube's daily quota (10000)")
    parser.add_argument("--x-searches", type=int, default=180, help="X recent searches per 15 minutes (180)")
    # 24 watches are 6 hours by their clock: YouTube re-reads a video after about 4 h 20 min (three list calls a read
    # within the default 5,000 units a day, over 300 videos), so new YouTube comments are read within them.
    parser.add_argument("--max-watches", type=int, default=24)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--pg", help="a PostgreSQL server URL: the ledger in a database of its own, created and "
                        "dropped (default: SQLite in the repository)")
    parser.add_argument("--report", type=Path, default=REPO / "docs" / "benchmarks.md")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)

    ledger = eo.create_database(args.pg) if args.pg else None
    try:
        with tempfile.TemporaryDirectory(prefix="socialpub-watch-bench-") as tmp:
            world = eo.World(Path(tmp) / "repo", posts(args.posts, args.pins), ledger=ledger, inprocess=True)
            try:
                return _bench(world, args, rng, Path(tmp))
            finally:
                world.close()
    finally:
        if ledger:
            eo.drop_database(args.pg, ledger)


def _bench(world: eo.World, args: argparse.Namespace, rng: random.Random, tmp: Path) -> int:
    from socialpub.config import load_config
    from socialpub.safety.screening import lexicon, screen

    world.config.write_text(world.config.read_text() + PRODUCT, encoding="utf-8")
    box = world.box
    youtube = next(p for p in box.platforms if p.name == "youtube")
    box.rate_limits = False  # publishing is measured elsewhere
    started = time.perf_counter()
    publish_now = eo.AT + timedelta(minutes=args.posts + 10)
    outcome = world.run(publish_now, timeout=3600)
    publish_wall = time.perf_counter() - started
    rows = [r for r in world.status(publish_now) if r["state"] == "published"]
    pairs = len(rows)
    if outcome.code != 0 or pairs != len(world.pairs()):
        print(f"publishing failed (exit {outcome.code}, {pairs} of {len(world.pairs())} published): "
              f"{outcome.stderr[-2000:]} {outcome.stdout[-3000:]}", file=sys.stderr)
        return 2
    by_kind = Counter(r["channel"] for r in rows)

    texts = generated_comments(args.posts * args.comments * len(READABLE) + args.new, args.seed)
    targets = [(READABLE[r["channel"]], r["remote_id"]) for r in rows if r["channel"] in READABLE
               for _ in range(args.comments)]
    started = time.perf_counter()
    seeded = seed(box.url, targets, texts[:len(targets)], rng)
    seed_wall = time.perf_counter() - started

    box.rate_limits = True
    with box.lock:
        box._windows.clear()
    youtube.daily_quota = args.youtube_quota
    youtube.quota_used = 0
    next(r for r in box.table if r.name == "twitter:search").limit = (args.x_searches, 900.0)

    readable = [(r["post"], r["channel"]) for r in rows if r["channel"] in READABLE]
    clock = [(datetime.now(UTC) + timedelta(minutes=1)).replace(microsecond=0)]  # as the ledger keeps times

    def until_caught_up() -> list[dict[str, Any]]:
        """Watches 15 minutes apart until every readable pair was read to its end since the first of them."""
        done: list[dict[str, Any]] = []
        since = clock[0]
        for _ in range(args.max_watches):
            done.append(one_watch(world, clock[0], tmp))
            clock[0] += timedelta(minutes=15)
            with box.lock:  # X's window passes as the 15 minutes would
                box._windows.clear()
            reads = ledger_counts(world)["reads"]
            if all(k in reads and reads[k].complete and reads[k].last_read_at and reads[k].last_read_at >= since
                   for k in readable):
                break
        return done

    watches = until_caught_up()
    catch_up = len(watches)
    # New comments on posts already read: the watches after fetch only those
    new_targets = [rng.choice(targets) for _ in range(args.new)]
    seeded += seed(box.url, new_targets, texts[len(targets):len(targets) + args.new], rng)
    new_on_x = sum(1 for kind, _ in new_targets if kind == "twitter")
    watches += until_caught_up()
    seeded_on_x = sum(1 for kind, _ in targets if kind == "twitter")

    counts = ledger_counts(world)
    config = load_config(world.config)  # the lexicon as watch builds it
    lex = lexicon(config.compliance.products, event_words=config.safety.event_words,
                  situation_words=config.safety.situation_words)
    should_queue = sum(screen(t, lex, has_author=True).needs_person  # the posts name no product
                       for t in texts[:len(seeded)])
    channel_of = {v: k for k, v in READABLE.items()}
    expected = Counter((channel_of[kind], cid) for kind, cid in seeded)
    unread = [key for key in readable if key not in counts["reads"] or counts["reads"][key].last_read_at is None]
    billed_first = sum(w["x_posts_billed"] for w in watches[:catch_up])
    billed_after = sum(w["x_posts_billed"] for w in watches[catch_up:])
    bars = {
        "every seeded comment kept exactly once": counts["stored"] == expected,
        "every comment that needs a person queued exactly once": (
            max(counts["items"].values(), default=1) == 1 and max(counts["queued_events"].values(), default=1) == 1
            and sum(counts["items"].values()) == should_queue),
        "no 429 answered (watch stops before a used-up window)": all(w["answered_429"] == 0 for w in watches),
        "every readable pair read": not unread,
        "X bills each reply once (since_id): no old post read again": (billed_first, billed_after) == (
            seeded_on_x, new_on_x),
        # recent search and the mentions timeline (a reply to our tweet is a mention too) serve each reply once
        "X serves each reply once by each of its two reads": sum(w["x_posts_served"] for w in watches) == 2 * (
            seeded_on_x + new_on_x),
    }
    ok = all(bars.values())
    _write(args, pairs, by_kind, publish_wall, len(seeded), seed_wall, watches, catch_up, (new_on_x, seeded_on_x),
           should_queue, counts, bars, (billed_first, billed_after))
    for w, i in zip(watches, range(1, len(watches) + 1), strict=True):
        print(f"watch {i}: {w['wall']:.1f} s wall, {w['cpu']:.1f} s CPU, requests {dict(w['requests'])}, "
              f"left {dict(w['not_reached'])}, X posts billed {w['x_posts_billed']}, 429s {w['answered_429']}")
    for name, held in bars.items():
        print(f"{'pass' if held else 'FAIL'}: {name}")
    print(f"written to {args.report}")
    return 0 if ok else 1


HEADER = ("| watch | wall | CPU | peak RSS | requests X / Facebook / YouTube | reads | left for the next watch "
          "| new comments | queued | X searches with since_id | X posts returned | YouTube units | 429 answered |\n"
          + "|---" * 13 + "|")


def _write(args: argparse.Namespace, pairs: int, by_kind: Counter[str], publish_wall: float, seeded: int,
           seed_wall: float, watches: list[dict[str, Any]], catch_up: int, on_x: tuple[int, int], should_queue: int,
           counts: dict[str, Any], bars: dict[str, bool], billed: tuple[int, int]) -> None:
    new_on_x, seeded_on_x = on_x
    lines = []
    for i, w in enumerate(watches, 1):
        s = w["summary"]
        label = f"{i}" + (" (after new comments)" if i == catch_up + 1 else "")
        left = ", ".join(f"{c} {n}" for c, n in sorted(w["not_reached"].items())) or "none"
        lines.append(
            f"| {label} | {w['wall']:.1f} s | {w['cpu']:.1f} s | {w['peak_mb']:.0f} MB | "
            f"{w['requests'].get('twitter', 0)} / {w['requests'].get('facebook', 0)} / "
            f"{w['requests'].get('youtube', 0)} | {s['reads']} | {left} | {s['new_comments']} | {s['queued']} | "
            f"{w['x_searches_with_since_id']} of {w['x_searches']} | {w['x_posts_billed']} | {w['youtube_units']} | "
            f"{w['answered_429']} |")
    table = "\n".join(lines)
    verdicts = "\n".join(f"| {name} | {'pass' if held else '**FAIL**'} |" for name, held in bars.items())
    ledger = "PostgreSQL" if args.pg else "SQLite"
    from socialpub.adapters.base import adapter_class
    from socialpub.config import Safety
    from socialpub.watch import CADENCE, read_spacing

    kinds = ", ".join(f"{c} {n}" for c, n in sorted(by_kind.items()))
    videos = by_kind.get("yt", 0)
    units_per_read = adapter_class("youtube").units_per_read  # list calls of one read (1 quota unit each)
    every = (read_spacing(videos * units_per_read, Safety.quota_read_units) or CADENCE).total_seconds() / 60
    body = f"""## Watching at scale

`python bench/watch.py` — {pairs:,} published (post, channel) pairs ({kinds}), published by one
`socialpub run` in {publish_wall:.0f} s (the sandbox's limits off for that); {seeded - args.new:,} comments seeded
through `POST /_sandbox/comments` in {seed_wall:.0f} s ({args.comments} per post on X, Facebook and YouTube, a third
of them replies to another comment; bench/screening.py's generator). Then `socialpub watch` processes ({ledger}
ledger) with the sandbox's read limits on: X recent search {args.x_searches} requests per 15-minute window,
YouTube {args.youtube_quota:,} quota units a day, Facebook 600 reads a minute. The watches are 15 minutes
apart by their clock, and between them the bench lets X's window pass. Watches until every readable
pair was read to its end: {catch_up}; then {args.new} new comments ({new_on_x} on X) and watches until caught up
again: {len(watches) - catch_up}. Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores
(load average {os.getloadavg()[0]:.1f} at the end), Python {platform.python_version()},
{time.strftime('%Y-%m-%d %H:%M')}.

{HEADER}
{table}

Each watch reads a channel's (post, channel) pairs least recently read first: what a used-up window leaves
is on record (`watch --report`: "not read in this run") and read first by the next watch, so more posts than
one window allows are all read in turn. Kept: {sum(counts['stored'].values()):,} comments (seeded: {seeded:,});
queued: {sum(counts['items'].values()):,} items (screening says {should_queue:,} need a person), each once. Posts X
returned (what it bills): {billed[0]:,} for the {seeded_on_x:,} replies seeded, then {billed[1]:,} for the
{new_on_x:,} new ones. YouTube: {sum(w['youtube_units'] for w in watches):,} quota units over {len(watches)} watches
({len(watches) * 15} minutes by their clock); once every video was read, each is read again after
{every:.0f} minutes ({units_per_read} list calls a read), about {videos * units_per_read * 1440 / every:,.0f} units
a day of the {Safety.quota_read_units:,} watch
may spend by default (`[safety] quota_read_units`; the rest of the quota is left for uploads).

| bar | result |
|---|---|
{verdicts}
"""
    replace_section(args.report, "watch", body)


if __name__ == "__main__":
    sys.exit(main())
