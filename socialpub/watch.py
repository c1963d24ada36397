"""`socialpub watch`: after publishing comes watching.

For every published (post, channel) inside its watch window (`[safety] watch_days` after publishing), read
what is new since the last read (the adapter's `read_comments`, X mentions with `read_mentions`), keep it in
the ledger, screen it, queue what needs a person (socialpub.inbox), record the read. Under its own lock, never
`run`'s, and a pause of publishing does not stop it: a recall is when reports spike.

What it returns and prints are counts, ids and hashes: comment text and authors never leave the ledger here.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from socialpub import clocks
from socialpub import inbox as store
from socialpub.check import Renderer
from socialpub.errors import CredentialsError, ExitCode, PlatformError, SocialpubError
from socialpub.ledger import Ledger, Row, State, iso
from socialpub.redact import redact

if TYPE_CHECKING:
    from socialpub.config import Config

READ_BUDGET = 100  # comments (or requests' worth) per read of one (post, channel): the adapter stops there
# A longer rate-limit wait than this ends the channel's reads for this run (the next run goes on from the cursors)
MAX_WAIT_IN_WATCH = 60.0
CADENCE = timedelta(minutes=15)  # how often watch runs (README's cron line)
CLOCK_SKEW = timedelta(minutes=5)  # a clock behind the last read by more than this is said to be wrong


@dataclass
class Watched:
    """What one `watch` did, as counts and ids."""

    reads: int = 0  # (post, channel) and mention reads that answered
    incomplete: int = 0  # of them, stopped at a limit: the next run resumes from the cursor
    new_comments: int = 0
    queued: list[str] = field(default_factory=list)  # item ids
    failed: list[dict[str, str]] = field(default_factory=list)  # {"post", "channel", "error"}
    not_reached: list[dict[str, str]] = field(default_factory=list)  # {"post", "channel", "why"}
    unreadable: dict[str, int] = field(default_factory=dict)  # channel -> its published items to review by hand
    spaced: dict[str, tuple[int, int]] = field(default_factory=dict)  # channel -> (reads not due yet, minutes apart)
    waiting: list[str] = field(default_factory=list)  # every item a person owes something, oldest first
    overdue: list[str] = field(default_factory=list)
    clock_behind: datetime | None = None  # the latest read on record, when this watch's clock is before it

    @property
    def exit_code(self) -> ExitCode:
        """The highest that applies: 4 an item is overdue, 3 a channel could not be read, 1 items wait."""
        if self.overdue:
            return ExitCode.UNKNOWN_OUTCOME
        if self.failed:
            return ExitCode.PUBLISH_FAILED
        if self.waiting:
            return ExitCode.FINDINGS
        return ExitCode.OK

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": {0: "ok", 1: "waiting", 3: "failed", 4: "overdue"}[int(self.exit_code)],
            "summary": {"reads": self.reads, "incomplete": self.incomplete, "new_comments": self.new_comments,
                        "queued": len(self.queued), "waiting": len(self.waiting), "overdue": len(self.overdue),
                        "failed": len(self.failed)},
            "queued": self.queued,
            "waiting": self.waiting,
            "overdue": self.overdue,
            "failed": self.failed,
            "not_reached": self.not_reached,
            "review_by_hand": [{"channel": c, "items": n} for c, n in sorted(self.unreadable.items())],
            "not_due": [{"channel": c, "reads": n, "minutes_apart": m} for c, (n, m) in sorted(self.spaced.items())],
            "clock_behind_last_read": iso(self.clock_behind),
        }


class NotWatched(SocialpubError):
    """Another `watch` holds the lock: nothing done, exit 0 (like `run`)."""

    exit_code = ExitCode.OK


def watch_until(row: Row, days: int) -> datetime | None:
    return row.published_at + timedelta(days=days) if row.published_at else None


def watched_rows(ledger: Ledger) -> list[Row]:
    """Every (post, channel) that went out: the coverage report's rows. Retracted posts count (their replies
    came while they were up), and so do channels since removed from channels.toml (no longer watched)."""
    return [r for r in ledger.rows() if r.state in (State.PUBLISHED, State.RETRACTED) and r.remote_id]


def watch(config: Config, ledger: Ledger, now: datetime, *, environ: Mapping[str, str] | None = None,
          budget: int = READ_BUDGET, sleep: Callable[[float], None] = time.sleep) -> Watched:
    with ledger.watch_lock() as got:
        if not got:
            raise NotWatched("another watch is already running; nothing done")
        return _watch_locked(config, ledger, now, environ, budget, sleep)


def read_before_retract(config: Config, ledger: Ledger, post_id: str, channels: Sequence[str] | None,
                        now: datetime, *, environ: Mapping[str, str] | None = None) -> Watched | None:
    """A last read of the comments on a post about to be retracted: Facebook and YouTube delete them with the
    post, and what was written while it was up may be an adverse event. None when another watch holds the lock
    (it is reading; the retraction does not wait for it, and the coverage report shows what was never read)."""
    only = {(r.post_id, r.channel) for r in ledger.rows() if r.post_id == post_id and r.state == State.PUBLISHED
            and (not channels or r.channel in channels)}
    if not only:
        return Watched()  # nothing published there: the retraction says so
    with ledger.watch_lock() as got:
        if not got:
            return None
        return _watch_locked(config, ledger, now, environ, READ_BUDGET, time.sleep, only=only)


def least_recently_read(targets: list[tuple[str, Row | None]], channel: str,
                        seen: Mapping[tuple[str, str], store.Read]) -> list[tuple[str, Row | None]]:
    """A channel's reads in the order they are made: never read first, then the longest unread. A read window
    used up before the end leaves the rest first in line for the next watch, so with more posts than one
    window allows (X: 180 searches per 15 minutes; YouTube: a daily quota) every post is still read in turn."""

    def key(target: tuple[str, Row | None]) -> tuple[bool, datetime]:
        read = seen.get((target[0], channel))
        last = read.last_read_at if read else None
        return (last is not None, last or _EPOCH)

    return sorted(targets, key=key)  # stable: among the never read, the order given (oldest published first)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def read_spacing(reads: int, units: int) -> timedelta | None:
    """How long a (post, channel) waits between two reads on a platform whose reads spend a daily quota shared
    with publishing (YouTube: 3 units a read, the public threads and the two lists of held ones): spread so
    that `reads` units a round stay within `units` a day. None when a read every CADENCE fits (up to about 17
    videos with the default 5,000 units)."""
    spacing = timedelta(days=1) * reads / max(1, units)
    return spacing if spacing > CADENCE else None


def _watch_locked(config: Config, ledger: Ledger, now: datetime, environ: Mapping[str, str] | None,
                  budget: int, sleep: Callable[[float], None],
                  only: set[tuple[str, str]] | None = None) -> Watched:
    from socialpub.adapters.base import Stop

    done = Watched()
    renderer = Renderer(config, environ, ledger.token_lock)
    renderer.learn_secrets()  # whatever a platform echoes back is redacted
    screener = _Screener(config)
    seen = store.reads(ledger)
    recorded = store.gaps(ledger)
    latest = max((r.last_read_at for r in seen.values() if r.last_read_at), default=None)
    if latest and now < latest - CLOCK_SKEW:
        # Read all the same (a stopped watch is worse), but say so: the times it records go backwards, and
        # posts published after its clock are not read by it.
        done.clock_behind = latest
    days = config.safety.watch_days
    # Retracted posts too: what people wrote before the deletion still matters until the window ends.
    rows = [r for r in watched_rows(ledger)
            if r.channel in config.channels and r.published_at
            and r.published_at <= now < r.published_at + timedelta(days=days)
            and not (r.state == State.RETRACTED and _gone(recorded, r))
            and (only is None or (r.post_id, r.channel) in only)]
    by_channel: dict[str, list[Row]] = {}
    for row in sorted(rows, key=lambda r: (r.published_at, r.post_id)):
        by_channel.setdefault(row.channel, []).append(row)
    left: dict[str, list[tuple[str, str]]] = {}  # why -> the (post, channel) pairs this watch left unread

    def leave(channel: str, rest: list[tuple[str, Row | None]], why: str) -> None:
        done.not_reached += [{"post": p or "(mentions)", "channel": channel, "why": why} for p, _ in rest]
        left.setdefault(why, []).extend((p, channel) for p, _ in rest)

    for channel, queue in by_channel.items():
        adapter = renderer.adapter(channel)
        if not adapter.can_read_comments:
            for row in queue:
                where = row.url or row.remote_id
                store.record_gap(ledger, row.post_id, channel, store.UNREADABLE,
                                 f"{adapter.label}'s API cannot read comments: review by hand at {where}",
                                 at=now, once=True)
            done.unreadable[channel] = len(queue)
            continue
        targets: list[tuple[str, Row | None]] = [(row.post_id, row) for row in queue]
        # X: a reply to one of these posts is a mention too; the mentions' read files it under its post
        by_thread = {row.remote_id: row for row in queue}
        threads = frozenset(i for row in queue for i in (row.remote_id, *row.extra_ids))
        if adapter.can_read_mentions and only is None:
            targets.append((store.MENTIONS, None))
        spacing = (read_spacing(len(targets) * adapter.units_per_read, config.safety.quota_read_units)
                   if adapter.reads_spend_quota and only is None else None)  # a last read: always
        # Those read to their end recently enough wait for their turn (a read stopped at a limit goes on).
        ordered = least_recently_read(targets, channel, seen)
        targets = [t for t in ordered if not (spacing and _read_within(seen.get((t[0], channel)), now, spacing))]
        if spacing and len(targets) < len(ordered):
            done.spaced[channel] = (len(ordered) - len(targets), round(spacing.total_seconds() / 60))
        for index, (post_id, row) in enumerate(targets):
            previous = seen.get((post_id, channel))
            wait = adapter.read_wait()
            if wait is not None and wait > MAX_WAIT_IN_WATCH:
                leave(channel, targets[index:], f"{channel}: read window used up for {int(wait)} s; "
                      "the next watch reads these first")
                break
            if wait is not None:
                sleep(wait)  # pace the channel: never read into a used-up window
            since = previous.cursor if previous else None
            try:
                page = _read(adapter, row, since, now, budget, watched=threads)
            except PlatformError as error:
                if error.transient and error.retry_after:
                    # A read window used up is pacing, not a failure: the cursor stays, the next watch goes on.
                    leave(channel, targets[index:], f"{channel}: read window used up for {int(error.retry_after)} "
                          "s; the next watch reads these first")
                    break
                if row is not None and row.state == State.RETRACTED and not error.transient:
                    _retracted_unreadable(ledger, row, error, now)
                    continue
                _failed(ledger, done, post_id, channel, error, now)
                continue
            except (CredentialsError, _ReaderBug) as error:
                _failed(ledger, done, post_id, channel, error, now)
                leave(channel, targets[index + 1:], f"{channel}: stopped after a failed read")
                break  # the same for every post of the channel: no point in asking again now
            new = 0
            for comment in page.comments:
                # a mention that is a reply to a watched post is that post's, whichever read sees it first
                on = by_thread.get(comment.thread) if row is None and comment.thread else row
                is_new, queued = store.record_comment(
                    ledger, post_id=on.post_id if on else post_id, channel=channel,
                    answers_remote_id=on.remote_id if on else None, comment=comment, first_seen=now,
                    queue=screener.queue(comment, now, screener.post_products(on.post_id) if on else ()))
                new += is_new
                if queued is not None:
                    done.queued.append(queued.id)
            store.record_read(ledger, post_id, channel, at=now, cursor=page.cursor, complete=page.complete, new=new)
            for gap in page.gaps:
                store.record_gap(ledger, post_id, channel, store.PLATFORM_LIMIT, gap, at=now, once=True,
                                 ongoing=isinstance(gap, Stop))
            done.reads += 1
            done.incomplete += not page.complete
            done.new_comments += new
    for why, pairs in left.items():
        store.record_deferred(ledger, pairs, at=now, why=why)
    waiting = store.items(ledger)
    done.waiting = [i.id for i in waiting]
    done.overdue = [i.id for i in waiting if i.overdue(now)]
    ledger.event("watch", None, at_clock=iso(now), before_retract=sorted({p for p, _ in only}) if only else None,
                 reads=done.reads, incomplete=done.incomplete,
                 new_comments=done.new_comments, queued=done.queued, failed=len(done.failed),
                 not_reached=len(done.not_reached), waiting=len(done.waiting), overdue=done.overdue,
                 clock_behind_last_read=iso(done.clock_behind))
    return done


def _read_within(read: store.Read | None, now: datetime, spacing: timedelta) -> bool:
    return bool(read and read.last_read_at and read.complete and not read.last_error
                and now - read.last_read_at < spacing)


def _gone(recorded: Mapping[tuple[str, str], list[store.Gap]], row: Row) -> bool:
    """A retracted post the platform no longer serves comments of (recorded once): not asked again."""
    return any(g.kind == store.RETRACTED_GONE for g in recorded.get((row.post_id, row.channel), []))


def _retracted_unreadable(ledger: Ledger, row: Row, error: PlatformError, now: datetime) -> None:
    """A retracted post whose comments the platform refuses to give any more (deleted with it, as on Facebook
    and YouTube): a gap on record once, not a failure of every watch until its window ends."""
    message = redact(error.message)
    store.record_gap(ledger, row.post_id, row.channel, store.RETRACTED_GONE,
                     f"retracted; the platform no longer serves its comments ({message}): those read before are "
                     "kept, review the platform by hand if it still shows any", at=now, once=True)
    ledger.event("watch-retracted-unreadable", None, post_id=row.post_id, channel=row.channel, error=message)


def _failed(ledger: Ledger, done: Watched, post_id: str, channel: str, error: SocialpubError, now: datetime) -> None:
    """A read that failed: on record as the read's error, as a gap (one while the reads fail, with the latest
    error) and as an event (each time); the cursor stays."""
    message = redact(f"{error.message}" + (f" (hint: {error.hint})" if error.hint else ""))
    store.record_read(ledger, post_id, channel, at=now, cursor=None, complete=False, new=0, error=message)
    store.record_gap(ledger, post_id, channel, store.READ_FAILED, message, at=now, ongoing=True)
    ledger.event("watch-read-failed", None, post_id=post_id or None, channel=channel, error=message)
    done.failed.append({"post": post_id or "(mentions)", "channel": channel, "error": message})


class _ReaderBug(SocialpubError):
    """A reader failed in a way it should not (a bug, not the platform's answer): that channel is recorded as
    not read, and the others are still read."""


def _read(adapter: Any, row: Row | None, since: str | None, now: datetime, budget: int,
          watched: frozenset[str] = frozenset()) -> Any:
    """One read (a post's comments, or with no row the channel's mentions) as a CommentPage."""
    try:
        if row is None:
            return adapter.read_mentions(since=since, now=now, budget=budget, watched=watched)
        return adapter.read_comments(row.remote_id, extra_ids=tuple(row.extra_ids), published_at=row.published_at,
                                     since=since, now=now, budget=budget)
    except SocialpubError:
        raise
    except Exception as bug:  # noqa: BLE001 - one channel's bug must not leave the others unread
        # Its type only: a bug's message may quote what the platform sent, a comment's text included.
        raise _ReaderBug(f"the {adapter.label} reader failed ({type(bug).__name__})",
                         hint="a bug in socialpub: report it; the other channels were read") from None


class _Screener:
    """Screening as the inbox needs it: the lexicon built once, a post's products found once per post."""

    def __init__(self, config: Config) -> None:
        from socialpub.safety.screening import lexicon

        self.config = config
        self.lexicon = lexicon(config.compliance.products, event_words=config.safety.event_words,
                               situation_words=config.safety.situation_words)
        self._posts: dict[str, Any] | None = None
        self._products: dict[str, tuple[str, ...]] = {}

    def post_products(self, post_id: str) -> tuple[str, ...]:
        """The product keys the post names (found by the same lexicon in its text): so that "this drug" in a
        reply to it counts as the product. None for mentions, or a post whose file is gone."""
        from socialpub.safety.screening import screen

        if post_id not in self._products:
            if self._posts is None:
                from socialpub.posts import load_posts

                self._posts = {p.id: p for p in load_posts(self.config).posts}
            post = self._posts.get(post_id)
            found: tuple[str, ...] = ()
            if post is not None:
                text = "\n".join(filter(None, (post.title, post.text)))
                result = screen(text, self.lexicon)
                found = tuple(dict.fromkeys(s.label for s in result.spans if s.element == "product" and s.label))
            self._products[post_id] = found
        return self._products[post_id]

    def queue(self, comment: Any, now: datetime, products: Sequence[str]) -> store.Queued | None:
        from socialpub.safety.screening import screen

        # the text as the ledger keeps it, so that the evidence's offsets point into that text
        result = screen(store.storable(comment.text), self.lexicon, post_products=products,
                        has_author=bool(comment.author or comment.author_id))
        if not result.needs_person:
            return None
        day0 = clocks.day_zero(comment.created_at, now)
        safety = self.config.safety
        return store.Queued(
            category=result.category,
            elements=tuple(sorted(result.elements)),
            situations=tuple(result.situations),
            spans=tuple({"element": s.element, "start": s.start, "end": s.end, "term": s.term, "label": s.label}
                        for s in result.spans),
            reasons=tuple(result.reasons),
            day0=day0,
            due=clocks.due_at(day0, safety.forward_within, self.config.defaults.timezone, safety.holidays),
        )


# --- proof of coverage --------------------------------------------------------------------------------------


def coverage(config: Config, ledger: Ledger, now: datetime) -> list[dict[str, Any]]:
    """For every published (post, channel): its window, last read, comments seen, and every gap (never read,
    a window not read to its end, a platform that cannot be read, a failed read, a platform's own limit)."""
    from socialpub.adapters.base import adapter_class

    reads = store.reads(ledger)
    recorded = store.gaps(ledger)
    out = []
    for row in watched_rows(ledger):
        configured = row.channel in config.channels
        kind = config.channels[row.channel].kind if configured else None
        readable = bool(kind and adapter_class(kind).can_read_comments)
        until = watch_until(row, config.safety.watch_days)
        read = reads.get((row.post_id, row.channel))
        gaps = [_gap(g) for g in recorded.get((row.post_id, row.channel), [])]
        last = read.last_read_at if read else None
        if readable and last is None and not (read and read.deferred_at):
            gaps.append({"kind": "never-read", "detail": "never read", "recorded_at": None})
        elif readable and until and last and now >= until and last < until:
            gaps.append({"kind": "window-not-read", "recorded_at": None,
                         "detail": f"not read from {iso(last)} to the end of its watch window {iso(until)}"})
        if readable and read and read.last_read_at and not read.complete and not read.last_error:
            gaps.append({"kind": "incomplete", "recorded_at": None,
                         "detail": "the last read stopped at a limit; the next watch resumes from its cursor"})
        deferred = _deferred_gap(read)
        if deferred:
            gaps.append(deferred)
        if not configured:
            state = "not watched"
            gaps.append({"kind": "channel-removed", "recorded_at": None,
                         "detail": "its channel is no longer in channels.toml: not watched; review by hand"})
        elif not readable:
            state = "review by hand"
        elif read and read.last_error:
            state = "read failed"
        elif deferred and until and now < until:
            state = "not read in this run"
        elif last is None:
            state = "never read"
        else:
            state = "watched" if until and now < until else "window closed"
        out.append({
            "post": row.post_id,
            "channel": row.channel,
            "kind": kind,
            "url": row.url,
            "published_at": iso(row.published_at),
            "watch_until": iso(until),
            "state": state,
            "last_read_at": iso(last),
            "comments_seen": read.seen if read else 0,
            "complete": bool(read and read.complete),
            "gaps": gaps,
        })
    for (post_id, channel), read in sorted(reads.items()):
        if post_id == store.MENTIONS:  # a channel's mentions: one row of their own
            configured = channel in config.channels
            out.append({"post": None, "channel": channel, "kind": config.channels[channel].kind
                        if configured else None, "url": None, "published_at": None,
                        "watch_until": None, "state": "not watched" if not configured else "read failed"
                        if read.last_error else "not read in this run" if read.deferred_at else "watched",
                        "last_read_at": iso(read.last_read_at), "comments_seen": read.seen,
                        "complete": read.complete,
                        "gaps": [_gap(g) for g in recorded.get((post_id, channel), [])]
                        + ([deferred] if (deferred := _deferred_gap(read)) else [])})
    return out


def _gap(gap: store.Gap) -> dict[str, Any]:
    shown = {"kind": gap.kind, "detail": gap.detail, "recorded_at": iso(gap.recorded_at)}
    if gap.last_recorded_at and gap.last_recorded_at != gap.recorded_at:
        shown["last_recorded_at"] = iso(gap.last_recorded_at)  # met again by later watches while it lasted
    return shown


def _deferred_gap(read: store.Read | None) -> dict[str, Any] | None:
    """The last watch had to leave this (post, channel) unread: a gap until the next read (which comes first)."""
    if read is None or read.deferred_at is None:
        return None
    return {"kind": "not-reached", "recorded_at": iso(read.deferred_at),
            "detail": f"not read in the watch of {iso(read.deferred_at)} ({read.deferred_why}); the next watch "
                      "reads it before the posts read more recently"}
