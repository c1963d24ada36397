"""Publishing, shared by `socialpub publish` (now, by a person) and `socialpub run` (what is due, by cron).

Exactly once: a (post, channel) is claimed in the ledger as `publishing` before the network call and
settled after it. A claim whose process died, or a call whose answer was lost (timeout, dropped
connection, 500/502/504), is reconciled with the platform (`adapter.find`) before anything is sent again;
what cannot be settled stays `unknown` for a person to `resolve`.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from socialpub.check import PostReport, Renderer, check_post
from socialpub.errors import CredentialsError, ExitCode, PlatformError, PostError, SocialpubError, Stopped
from socialpub.hashing import content_hash, same_content
from socialpub.ledger import STATES, Ledger, LedgerError, Row, State, iso, utcnow
from socialpub.payload import Frozen, MediaUnreadable, canonical, freeze, rebuild

if TYPE_CHECKING:
    from socialpub.adapters.base import Adapter, Receipt, Rendered
    from socialpub.config import Config
    from socialpub.posts import Post

MAX_WAIT_IN_RUN = 60.0  # a shorter rate-limit wait is slept through; a longer one moves to a later run
MAX_TRIES_IN_RUN = 3
BACKOFF = (2.0, 8.0, 30.0)
RETRY_LATER = timedelta(minutes=5)
# A post due longer ago than this with nothing on record (a lost or new ledger, a renamed post file, cron down)
# is looked for on the platform before its first send (docs/exactly-once.md, "Safeguards").
LOOK_FIRST_AFTER = timedelta(minutes=15)
STUCK_AFTER = timedelta(minutes=30)  # a live claimer holding a row longer than this needs a person's eyes
CHANGED = "SP-META-008: the content no longer matches what was"
# How long one request may take, from the gate that lets it start to its answer (a whole video upload
# included). A claim lives until this long after its last gate; another host whose liveness test finds the
# claimer gone waits for that deadline before it looks at the platform (docs/exactly-once.md, "Liveness").
CLAIM_BOUND = 900.0


class NothingDone(SocialpubError):
    """`run` did not start: another run holds the lock (`status` "locked"), or publishing is paused
    ("paused"). Exit 0: it says so."""

    exit_code = ExitCode.OK

    def __init__(self, message: str, *, status: str, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.status = status


class Paused(SocialpubError):
    """`publish` while publishing is paused: refused, exit 1 (like a post the rules refuse), nothing sent."""

    exit_code = ExitCode.FINDINGS


class Outcome(StrEnum):
    """What became of a (post, channel) in this run: a Result's `state`. A member equals its text, which is what
    the JSON output and the report show. Those named like a ledger State mean that state was settled."""

    PUBLISHED = State.PUBLISHED.value
    FAILED = State.FAILED.value  # not sent, for good (or until fixed)
    UNKNOWN = State.UNKNOWN.value  # may have arrived: a person looks on the platform, then resolves
    MISSED = State.MISSED.value
    RETRACTED = State.RETRACTED.value
    REFUSED = "refused"  # not sent: the check found errors, or the post changed since it was checked
    RETRYING = "retrying"  # not sent now: a transient failure or a pause mid-run, tried again by a later run
    SKIPPED = "skipped"  # nothing to do (already published, claimed by another run...)
    DRY_RUN = "dry-run"  # what would be sent, nothing sent
    PAUSED = "paused"  # held back by a pause (socialpub pause)


@dataclass
class Result:
    """One (post, channel) outcome, as people read it and scripts parse it (the JSON envelope)."""

    post: str
    channel: str
    state: Outcome
    remote_id: str | None = None
    url: str | None = None
    error: str | None = None
    hint: str | None = None
    would_send: dict[str, Any] | None = None
    attention: bool = False  # a skip a person must look at (shown even with --quiet)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "post": self.post,
            "channel": self.channel,
            "state": self.state,
            "remote_id": self.remote_id,
            "url": self.url,
            "error": self.error,
        }
        if self.hint:
            data["hint"] = self.hint
        if self.would_send is not None:
            data["would_send"] = self.would_send
        if self.attention:
            data["attention"] = True
        return data


def exit_code(results: Iterable[Result]) -> ExitCode:
    states = {r.state for r in results}
    if Outcome.UNKNOWN in states:
        return ExitCode.UNKNOWN_OUTCOME
    if Outcome.FAILED in states:
        return ExitCode.PUBLISH_FAILED
    if Outcome.REFUSED in states:
        return ExitCode.FINDINGS
    return ExitCode.OK


def overall(results: Sequence[Result]) -> str:
    """success | partial | error, for the JSON envelope (a post a pause held back did not go out)."""
    bad = [r for r in results if r.state in (Outcome.FAILED, Outcome.UNKNOWN, Outcome.REFUSED, Outcome.PAUSED)]
    if not bad:
        return "success"
    return "error" if len(bad) == len(results) else "partial"


def would_send(rendered: Rendered) -> dict[str, Any]:
    """What a dry run shows: exactly the content the platform would receive."""
    data: dict[str, Any] = {"kind": rendered.kind, "parts": [p.text for p in rendered.parts]}
    if rendered.title:
        data["title"] = rendered.title
    if rendered.link:
        data["link"] = rendered.link
    if rendered.media:
        data["media"] = [{"path": m.path, "type": m.mime, "alt": m.alt, "bytes": m.size} for m in rendered.media]
    if rendered.thumbnail:
        data["thumbnail"] = rendered.thumbnail.path
    if rendered.board:
        data["board"] = {"name": rendered.board, "id": rendered.board_id}
    options = {k: v for k, v in rendered.options.items() if v not in (None, [], {}, False)}
    if options:
        data["options"] = options
    return data


@dataclass
class Publisher:
    """Sends rendered posts through their adapters, with the ledger's bookkeeping around each call."""

    config: Config
    ledger: Ledger | None
    environ: Mapping[str, str] | None = None
    dry_run: bool = False
    sleep: Callable[[float], None] = time.sleep
    reconcile_grace: float = 5.0  # seconds a lost answer may still be in flight at the platform
    claim_bound: float = CLAIM_BOUND
    max_wait: float = MAX_WAIT_IN_RUN
    on_result: Callable[[Result], None] | None = None
    # (post id, channel, bytes sent, size) as a media file streams out: the command line's progress bar
    progress: Callable[[str, str, int, int], None] | None = None
    renderer: Renderer = field(init=False)
    _seen: set[tuple[str, str]] = field(default_factory=set, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _commits: dict[str, str | None] = field(default_factory=dict, init=False)
    _reason: str | None = field(default=None, init=False)  # why `publish --again` (recorded in its event)

    def __post_init__(self) -> None:
        self.renderer = Renderer(self.config, self.environ, self.ledger.token_lock if self.ledger else None)
        if not self.dry_run:
            self.renderer.learn_secrets()

    # --- entry points ---

    def check_posts(self, posts: Iterable[Post], channels: Sequence[str] | None = None) -> list[PostReport]:
        """`socialpub publish`: the posts checked (and their media hashed) now, before a person confirms:
        what is sent is compared with this."""
        reports = [check_post(post, self.config, self.renderer, channels=channels) for post in posts]
        if not self.dry_run:
            for report in reports:
                report.content_hash()
        return reports

    def publish_now(self, reports: Sequence[PostReport], *, again: bool = False,
                    reason: str | None = None) -> list[Result]:
        """`socialpub publish`: every selected channel of these posts, whatever publish_at says; with `again`,
        also those already published (`reason`: why, recorded in each `again` event)."""
        self._reason = reason
        paused = self._paused()
        if paused:
            raise Paused(paused, hint="socialpub resume, when the crisis is over")
        for report in reports:
            report.content_hash()  # media hashed now, as checked: what is sent is compared with it
        if not self.dry_run:
            self.know_commits(report.post for report in reports)
        results: list[Result] = []
        for report in reports:
            renders = report.renders
            with ThreadPoolExecutor(max_workers=max(1, len(renders))) as pool:  # channels of a post in parallel
                futures = [pool.submit(self.attempt, report, r, mode="publish", again=again) for r in renders]
                results += [f.result() for f in futures]
        return results

    def attempt(self, report: PostReport, rendered: Rendered, *, mode: str, again: bool = False,
                now: datetime | None = None, late: bool = False) -> Result:
        """One (post, channel): refuse, skip, reconcile or send, and record it. `late`: past max_lateness with
        an interrupted claim on record: reconciled, then missed if not on the platform, never sent."""
        try:
            return self._attempt(report, rendered, mode=mode, again=again, now=now, late=late)
        except LedgerError as error:  # before any call (an outcome the ledger cannot take is `_unrecorded`)
            return self._done(Result(report.post.id, rendered.channel.name, Outcome.FAILED, error=error.message,
                                     hint=error.hint or "nothing was sent; the next run tries again"))

    def _attempt(self, report: PostReport, rendered: Rendered, *, mode: str, again: bool = False,
                 now: datetime | None = None, late: bool = False) -> Result:
        post, channel = report.post, rendered.channel.name
        key = (post.id, channel)
        with self._lock:
            if key in self._seen:  # the same post named twice in one invocation: never twice
                return self._done(Result(post.id, channel, Outcome.SKIPPED, error="already handled in this run"))
            self._seen.add(key)
        if not self.dry_run and self.ledger is not None:
            # An interrupted claim is settled with the platform before anything else: what it sent may be out
            # there although the post is refused, edited or late now (docs/exactly-once.md, "Crashes").
            row = self.ledger.get(post.id, channel)
            if row is not None and row.state in (State.PUBLISHING, State.UNKNOWN):
                paused = self._paused()
                if paused:  # nothing taken over: nothing to undo
                    return self._done(Result(post.id, channel, Outcome.PAUSED, error=paused))
                settled = self._interrupted(row, rendered, report)
                if settled is not None:
                    return self._done(settled)
            if late:  # not on the platform, and too late to send now
                lateness = self.config.defaults.max_lateness
                missed = _mark_missed(self.ledger, post, channel, (now or utcnow()).astimezone(UTC), lateness)
                return self._done(missed or Result(post.id, channel, Outcome.SKIPPED, error="claimed by another run"))
        blocking = report.blocking(channel)
        if blocking:
            result = Result(
                post.id, channel, Outcome.REFUSED,
                error=f"error-level findings: {', '.join(blocking)}",
                hint="socialpub check shows them; fix the post or suppress with a reason where allowed",
            )
            if not self.dry_run and self.ledger is not None and mode == "run":
                self._record_refusal(report, rendered, result)
            return self._done(result)
        if self.dry_run:
            row = self.ledger.get(post.id, channel) if self.ledger else None
            if row and row.state == State.PUBLISHED and not again:
                return self._done(Result(post.id, channel, Outcome.SKIPPED, row.remote_id, row.url,
                                         error="already published"))
            return self._done(Result(post.id, channel, Outcome.DRY_RUN, would_send=would_send(rendered)))
        adapter = self.renderer.adapter(channel)
        digest = report.content_hash()
        try:
            frozen = freeze(rendered)  # the media read once: what is hashed here is what is uploaded
        except MediaUnreadable as error:
            return self._done(Result(post.id, channel, Outcome.REFUSED,
                                     error=f"a media file cannot be read now: {error}",
                                     hint="restore the file (socialpub check shows the post's media)"))
        changed = _changed_since_check(report, frozen)
        if changed:
            return self._done(Result(post.id, channel, Outcome.REFUSED, error=changed,
                                     hint="the next run checks the post again; get changes re-approved"))
        rendered = frozen.rendered
        if self.ledger is None:
            return self._done(self._send(adapter, rendered, None, mode))

        paused = self._paused()
        if paused:  # no claim at all: nothing to undo
            return self._done(Result(post.id, channel, Outcome.PAUSED, error=paused))
        row = self.ledger.get(post.id, channel)
        if row is not None:
            same = self._same(row, report)  # an earlier rendering recomputed when the hash differs: once
            if not self._may_send(row, same, mode, again):
                return self._done(self._why_not(row, same))
        if not again:
            twin = self.ledger.same_payload_elsewhere(post.id, channel, frozen.sha256)
            if twin is not None:  # a renamed post file (its id is its name), or a copy of a post
                where = twin.url or twin.remote_id or f"state {twin.state}"
                return self._done(Result(
                    post.id, channel, Outcome.REFUSED,
                    error=f"the same content was already sent to {channel} as post {twin.post_id} ({where}"
                    f"{', file ' + twin.post_file if twin.post_file else ''}): not sent again",
                    hint=f"a renamed post file? give it id = \"{twin.post_id}\"; to post it once more on purpose: "
                    f"socialpub publish {post.file} --channel {channel} --again --reason WHY",
                ))
        self.ledger.store_payload(frozen.sha256, canonical(frozen.body), frozen.blobs)
        if row is None and mode == "run" and _long_past_due(post, now or utcnow()):
            settled = self._look_first(adapter, rendered, frozen, digest, post)
            if settled is not None:
                return self._done(settled)
            row = self.ledger.get(post.id, channel)

        observed = row.updated_at if row else None

        def decide(current: Row | None) -> Row | None:
            if (current.updated_at if current else None) != observed:
                return None  # changed under us: another run got there first
            if current is not None and not self._may_send(current, self._same(current, report), mode, again):
                return None
            return Row(
                post_id=post.id, channel=channel, state=State.PUBLISHING, content_hash=digest,
                approval_code=post.approval_code, git_commit=self._git_commit(post), post_file=post.file,
                scheduled_at=post.publish_at, attempts=(current.attempts if current else 0) + 1,
                claimed_by=self.ledger.claimer if self.ledger else None, claimed_at=utcnow(),
                last_error=current.last_error if current else None, claim_deadline=self._deadline(),
                payload_hash=frozen.sha256,
            )

        current = row
        claimed = self.ledger.claim(post.id, channel, decide)
        if claimed is None:
            return self._done(Result(post.id, channel, Outcome.SKIPPED, error="claimed by another run"))
        if again and current is not None and current.state == State.PUBLISHED:
            self.ledger.event("again", claimed, previous_remote_id=current.remote_id, previous_url=current.url,
                              **({"reason": self._reason} if self._reason else {}))
        self.ledger.event("publishing", claimed, mode=mode, payload=frozen.sha256, **_piece(post))
        return self._done(self._send(adapter, rendered, claimed, mode, previous=current))

    # --- decisions ---

    def _take_over(self, current: Row | None, seen: Row) -> Row | None:
        """`seen` (a dead run's `publishing` row, or an `unknown` one), now `unknown` and claimed by this run
        for its reconciliation; None when another run changed or took it since it was read."""
        if current is None or (current.state, current.claimed_by, current.updated_at) != (
            seen.state, seen.claimed_by, seen.updated_at
        ):
            return None
        error = current.last_error
        if current.state == State.PUBLISHING:
            error = "interrupted between the call and its record"
        assert self.ledger is not None
        return replace(current, state=State.UNKNOWN, last_error=error, claimed_by=self.ledger.claimer,
                       claim_deadline=self._deadline())

    def _same(self, row: Row, report: PostReport) -> bool:
        """Whether the row was recorded for this very content (a hash from before an upgrade included)."""
        return same_content(row.content_hash, report.all_renders, self.config.compliance.limits)

    @staticmethod
    def _may_send(row: Row, same_content: bool, mode: str, again: bool) -> bool:
        if row.state == State.PUBLISHED:
            return again
        if row.state in (State.RETRACTED, State.MISSED):
            return mode == "publish"
        if row.state == State.FAILED:
            if mode == "publish" or not same_content:
                return True  # a person asks, or the post file changed
            return row.transient and (row.next_attempt_at is None or row.next_attempt_at <= utcnow())
        return row.state == State.NEW

    def _why_not(self, row: Row, same_content: bool) -> Result:
        if row.state == State.PUBLISHED:
            edited = " (the post was edited since: edited-after-publish; it is not published again)" \
                if not same_content else ""
            return Result(row.post_id, row.channel, Outcome.SKIPPED, row.remote_id, row.url,
                          error=f"already published{edited}",
                          hint="use --again --reason WHY to publish it once more (recorded)")
        if row.state == State.FAILED and row.transient:
            return Result(row.post_id, row.channel, Outcome.RETRYING, error=row.last_error,
                          hint=f"next attempt after {row.next_attempt_at:%H:%M} UTC" if row.next_attempt_at else None)
        if row.state not in STATES:
            return _unknown_state(row)
        if row.state == State.FAILED:
            return Result(row.post_id, row.channel, Outcome.SKIPPED, attention=True,
                          error=f"failed earlier, not retried until the post file changes: {row.last_error or ''}",
                          hint=f"fix the post; or send it as it is: socialpub publish {row.post_file or row.post_id} "
                          f"--channel {row.channel}")
        return Result(row.post_id, row.channel, Outcome.SKIPPED,
                      error=f"state {row.state}: {row.last_error or ''}".strip())

    # --- the call and its settlement ---

    def _send(self, adapter: Adapter, rendered: Rendered, row: Row | None, mode: str,
              previous: Row | None = None) -> Result:
        post_id, channel = rendered.post.id, rendered.channel.name
        gate = self._gate(row)
        progress = functools.partial(self.progress, post_id, channel) if self.progress else None
        tries = 0
        while True:
            tries += 1
            try:
                gate()  # the adapter calls it again right before each request that makes (part of) the post
                receipt = adapter.publish(rendered, gate=gate, progress=progress)
            except Stopped as stop:
                return self._stopped(row, previous, post_id, channel, stop)
            except PlatformError as error:
                message = self._message(error, adapter)
                if error.maybe_sent:
                    return self._lost_answer(adapter, rendered, row, message)
                wait = error.retry_after if error.retry_after is not None else BACKOFF[min(tries, len(BACKOFF)) - 1]
                if error.transient and tries < MAX_TRIES_IN_RUN and wait <= self.max_wait:
                    self.sleep(wait)
                    continue
                return self._failed(row, post_id, channel, message, error.hint, error.transient, wait, mode)
            except CredentialsError as error:
                # Nothing was sent: a missing variable or unreadable token file is a configuration fix, and the
                # next run tries again once it resolves (the post itself need not change). Still shown as
                # failed (exit 3), so that cron reports it rather than retrying in silence.
                failed = self._failed(row, post_id, channel, str(error), error.hint, True, 0.0, mode)
                return replace(failed, state=Outcome.FAILED)
            return self._published(row, post_id, channel, receipt)

    def _published(self, row: Row | None, post_id: str, channel: str, receipt: Receipt) -> Result:
        if row is not None and self.ledger is not None:
            settled = replace(
                row, state=State.PUBLISHED, remote_id=receipt.remote_id, url=receipt.url,
                extra_ids=list(receipt.extra_ids), published_at=receipt.published_at or utcnow(),
                last_error=None, transient=False, next_attempt_at=None, claimed_by=None,
            )
            if why := self._settle(settled, "published", published_at=iso(settled.published_at)):
                return self._unrecorded(settled, f"published {receipt.url or receipt.remote_id}", why)
        return Result(post_id, channel, Outcome.PUBLISHED, receipt.remote_id, receipt.url)

    def _failed(self, row: Row | None, post_id: str, channel: str, message: str, hint: str | None,
                transient: bool, wait: float | None, mode: str) -> Result:
        if row is not None and self.ledger is not None:
            later = utcnow() + (timedelta(seconds=wait) if wait is not None else RETRY_LATER) if transient else None
            settled = replace(row, state=State.FAILED, last_error=message, transient=transient,
                              next_attempt_at=later, claimed_by=None)
            if why := self._settle(settled, "failed", error=message, transient=transient):
                return self._unrecorded(settled, f"failed: {message}", why)
            if transient and mode == "run":  # cron tries again later; a person is told it failed
                return Result(post_id, channel, Outcome.RETRYING, error=message, hint=hint)
        return Result(post_id, channel, Outcome.FAILED, error=message, hint=hint)

    def _lost_answer(self, adapter: Adapter, rendered: Rendered, row: Row | None, message: str) -> Result:
        """The platform may have made the post: look before anything is sent again."""
        post_id, channel = rendered.post.id, rendered.channel.name
        if row is not None and self.ledger is not None:
            # Still claimed by this run while it looks: no other run may reconcile (and resend) it meanwhile.
            row = replace(row, state=State.UNKNOWN, last_error=message)
            if why := self._settle(row, "unknown", error=message):
                return self._unrecorded(row, f"unknown: {message}", why)
        self.sleep(self.reconcile_grace)
        found = self._find(adapter, rendered)
        partial = _incomplete(rendered, found)
        if isinstance(found, str) or found is None or partial:
            if row is not None and self.ledger is not None:
                self._settle(replace(row, claimed_by=None), None)  # unknown, for the next run or a person
            detail = partial or (found if isinstance(found, str) else "not among the account's recent posts yet")
            settle = (f"socialpub resolve {post_id} --channel {channel} (--published URL | --not-published) "
                      "--reason WHY")
            return Result(
                post_id, channel, Outcome.UNKNOWN, error=f"{message}; the outcome is unknown ({detail})",
                hint=_partial_hint(post_id, channel, found) if partial
                else f"the next run checks again; or settle it: {settle}",
            )
        return self._reconciled(row, post_id, channel, found)

    def _interrupted(self, row: Row, rendered: Rendered, report: PostReport | None, *,
                     gone: bool = False) -> Result | None:
        """A `publishing` row whose claimer is gone, or an `unknown` one: taken over by this run and settled from
        what the platform shows. `rendered` is the channel's rendering now (with `gone`, a stand-in: nothing
        will be sent from it). Returns what became of it, or None when the platform confirms that nothing
        was posted and the post may be sent now."""
        assert self.ledger is not None
        post_id, channel = row.post_id, row.channel
        if self.ledger.claimer_alive(row.claimed_by):
            return _busy(row)
        wait = self._claim_wait(row)
        if wait > self.max_wait:
            return Result(
                post_id, channel, Outcome.SKIPPED,
                error=f"claimed by {row.claimed_by}, whose ledger liveness is gone while its claim runs until "
                f"{row.claim_deadline:%H:%M:%S} UTC: a request of it may still be in flight",
                hint="the first run after that time reconciles it with the platform")
        if wait > 0:
            self.sleep(wait)
        # Take the row over atomically: of several runs that find the same crashed claim (PostgreSQL
        # hosts, or `publish` beside `run`), only one reconciles it and may send it again.
        seen = row
        taken = self.ledger.claim(post_id, channel, lambda current: self._take_over(current, seen))
        if taken is None:
            return Result(post_id, channel, Outcome.SKIPPED, error="being reconciled by another run")
        if seen.state == State.PUBLISHING:
            self.ledger.event("unknown", taken, error=taken.last_error)
        current: Frozen | None = None
        if not gone:
            try:
                current = freeze(rendered)  # what would be sent now, to tell whether the post changed since
            except MediaUnreadable:
                pass  # as if edited: the claim is looked for by its stored payload
        digest = report.content_hash() if report is not None else None
        return self._reconcile(self.renderer.adapter(channel), rendered, taken, current, digest, gone=gone)

    def reconcile_orphan(self, row: Row, post: Post | None) -> Result | None:
        """An interrupted claim that no post of this run sends (`post`: its post as loaded, if it is): when its
        post file is gone (deleted, renamed) or no longer has the channel, settled from its stored payload
        alone. None when there is nothing to say: its claimer is still at work, or its post file is there but
        not due or not loading (the run that sends it reconciles it first)."""
        assert self.ledger is not None and not self.dry_run
        if post is not None:
            gone = row.channel not in post.channels
        else:
            gone = row.post_file is not None and not (self.config.root / row.post_file).exists()
        if not gone:
            return None
        if self.ledger.claimer_alive(row.claimed_by):
            busy = _busy(row)
            return busy if busy.attention else None
        body = self.ledger.payload(row.payload_hash) if row.payload_hash else None
        rendered = _stand_in(self.config, row, body)
        if rendered is None:
            why = f"its channel is not in {self.config.path.name}" if body else "the ledger has no payload of it"
            return Result(row.post_id, row.channel, Outcome.SKIPPED, attention=True,
                          error=f"an interrupted attempt whose post file is gone cannot be looked for: {why}",
                          hint=f"look on the platform, then socialpub resolve {row.post_id} --channel "
                          f"{row.channel} (--published URL | --not-published)")
        settled = self._interrupted(row, rendered, None, gone=True)
        if settled is not None and settled.state == Outcome.PUBLISHED:
            return replace(settled, attention=True,
                           hint="found on the platform after an interrupted attempt, although its post file is gone: "
                           f"if it must come down, socialpub retract {row.post_id} --channel {row.channel}")
        return settled

    def _reconcile(self, adapter: Adapter, rendered: Rendered, row: Row, current: Frozen | None,
                   digest: str | None, *, gone: bool = False) -> Result | None:
        """A row taken over by this run (`_take_over`): settle it from what the platform shows. The platform is
        searched for what that claim sent (its stored payload), never for the post file as it reads now: a post
        edited since would hide it. `current`: what would be sent now (None when unknown); `gone`: nothing will
        be sent for this row any more (its post file is gone, or no longer has the channel).

        Returns the settled result, or None when the platform confirms nothing was posted (send now).
        """
        assert self.ledger is not None
        settle = (f"socialpub resolve {row.post_id} --channel {row.channel} (--published URL | --not-published) "
                  "--reason WHY")
        sent, edited = self._as_claimed(rendered, row, current, digest)
        if sent is None:
            error = ("the post was edited after an attempt whose outcome is unknown, and the ledger has no "
                     "readable payload of that attempt (made by an older version, or altered): it cannot be "
                     "looked for")
            self._settle(replace(row, claimed_by=None, last_error=error), None)
            return Result(row.post_id, row.channel, Outcome.UNKNOWN, error=error,
                          hint=f"look on the platform, then {settle}")
        claimed = row.claimed_at or row.updated_at
        # Times are stored to the second (truncated): count from the end of that second, so that the wait
        # is never shorter than the grace.
        since = (utcnow() - claimed).total_seconds() - 1.0 if claimed else 0.0
        if since < self.reconcile_grace:
            self.sleep(self.reconcile_grace - max(since, 0.0))  # a request still in flight must land first
        found = self._find(adapter, sent)
        partial = _incomplete(sent, found)
        if isinstance(found, str) or partial:
            self._settle(replace(row, claimed_by=None), None)  # unknown, for the next run or a person
            return Result(row.post_id, row.channel, Outcome.UNKNOWN, error=f"cannot reconcile: {partial or found}",
                          hint=_partial_hint(row.post_id, row.channel, found) if partial else settle)
        if found is None and gone:
            # Nothing will be sent for it any more: settled for good, and said once.
            error = "an interrupted attempt did not reach the platform; no post file names it any more: not sent"
            cleared = replace(row, state=State.FAILED, transient=False, next_attempt_at=None, claimed_by=None,
                              last_error=error)
            if why := self._settle(cleared, "reconciled", found=False):
                return self._unrecorded(cleared, "not found on the platform", why)
            return Result(row.post_id, row.channel, Outcome.SKIPPED, attention=True, error=error,
                          hint="restore the post file (or its channel) and socialpub publish it, if it should go out")
        if found is None and edited:
            # Not among the recent posts is no proof for an attempt made before an edit: a person decides.
            error = ("the post was edited after an attempt whose outcome is unknown; that attempt (as it was "
                     "sent, from the ledger) is not among the platform's recent posts")
            self._settle(replace(row, claimed_by=None, last_error=error), None)
            return Result(row.post_id, row.channel, Outcome.UNKNOWN, error=error,
                          hint=f"the next run looks again; look on the platform, then {settle}")
        if found is None:
            # Confirmed not on the platform: claimable again, as a transient failure due now.
            cleared = replace(row, state=State.FAILED, transient=True, next_attempt_at=None, claimed_by=None,
                              last_error="an interrupted attempt did not reach the platform")
            if why := self._settle(cleared, "reconciled", found=False):
                return self._unrecorded(cleared, "not found on the platform", why)
            return None
        return self._reconciled(row, row.post_id, row.channel, found)

    def _as_claimed(self, rendered: Rendered, row: Row, current: Frozen | None,
                    digest: str | None) -> tuple[Rendered | None, bool]:
        """What the claim `row` sent (from its stored payload), and whether the post changed since.
        (None, True) when it changed (or cannot be compared) and the row has no payload (written before payloads
        were stored)."""
        assert self.ledger is not None
        if current is not None and row.payload_hash == current.sha256:
            return current.rendered, False  # the channel's content is what that claim sent
        body = self.ledger.payload(row.payload_hash) if row.payload_hash else None
        if body is not None:
            try:
                return rebuild(body, rendered), True
            except (TypeError, ValueError, AttributeError):
                pass  # a payload of an unexpected shape: as if there were none
        if row.payload_hash is not None or digest is None or row.content_hash not in (None, digest):
            return None, True
        return rendered, False

    def _look_first(self, adapter: Adapter, rendered: Rendered, frozen: Frozen, digest: str,
                    post: Post) -> Result | None:
        """A post long past due with nothing on record: look on the platform before its first send (the ledger
        may be new or lost, or the post sent before under another id). Claimed as `unknown` while looking.
        None: not there, send it."""
        assert self.ledger is not None
        channel = rendered.channel.name

        def decide(current: Row | None) -> Row | None:
            if current is not None:
                return None  # another run got there first
            return Row(post_id=post.id, channel=channel, state=State.UNKNOWN, content_hash=digest,
                       approval_code=post.approval_code, git_commit=self._git_commit(post), post_file=post.file,
                       scheduled_at=post.publish_at, claimed_by=self.ledger.claimer if self.ledger else None,
                       claimed_at=utcnow(), payload_hash=frozen.sha256, claim_deadline=self._deadline(),
                       last_error="long past due with nothing on record: looking on the platform first")

        row = self.ledger.claim(post.id, channel, decide)
        if row is None:
            return Result(post.id, channel, Outcome.SKIPPED, error="claimed by another run")
        self.ledger.event("look-first", row, payload=frozen.sha256, **_piece(post))
        try:
            found = adapter.find(rendered)
        except (PlatformError, CredentialsError) as error:
            message = f"could not look on the platform before the first send: {self._message(error, adapter)}"
            if isinstance(error, PlatformError) and error.maybe_sent:  # the platform cannot tell: a person can
                self._settle(replace(row, claimed_by=None, last_error=message), None)
                return Result(post.id, channel, Outcome.UNKNOWN, error=message, hint=error.hint or
                              f"look on the platform, then socialpub resolve {post.id} --channel {channel} "
                              "(--published URL | --not-published)")
            if isinstance(error, CredentialsError) or error.transient:
                # Nothing on record again (the claim placeholder): the next run looks first once more. A
                # credential that cannot be read is a configuration fix, failed as in `_send` (cron reports it).
                self._settle(replace(row, state="new", claimed_by=None, last_error=message), None)
                state = "failed" if isinstance(error, CredentialsError) else "retrying"
                return Result(post.id, channel, state, error=message, hint=error.hint)
            return self._failed(row, post.id, channel, message, error.hint, False, None, "run")
        partial = _incomplete(rendered, found)
        if partial:
            self._settle(replace(row, claimed_by=None, last_error=partial), None)
            return Result(post.id, channel, Outcome.UNKNOWN, error=partial,
                          hint=_partial_hint(post.id, channel, found))
        if found is None:
            cleared = replace(row, state=State.FAILED, transient=True, next_attempt_at=None, claimed_by=None,
                              last_error="not on the platform: looked before the first send")
            if why := self._settle(cleared, "looked-first", found=False):
                return self._unrecorded(cleared, "not found on the platform", why)
            return None
        return self._reconciled(row, post.id, channel, found, "looked-first")

    def _reconciled(self, row: Row | None, post_id: str, channel: str, receipt: Receipt,
                    action: str = "reconciled") -> Result:
        if row is not None and self.ledger is not None:
            settled = replace(
                row, state=State.PUBLISHED, remote_id=receipt.remote_id, url=receipt.url,
                extra_ids=list(receipt.extra_ids), published_at=receipt.published_at or utcnow(),
                last_error=None, transient=False, next_attempt_at=None, claimed_by=None,
            )
            if why := self._settle(settled, action, found=True, published_at=iso(settled.published_at)):
                return self._unrecorded(settled, f"found {receipt.url or receipt.remote_id}", why)
        return Result(post_id, channel, Outcome.PUBLISHED, receipt.remote_id, receipt.url, error=None,
                      hint="found on the platform after an interrupted attempt")

    def _find(self, adapter: Adapter, rendered: Rendered) -> Receipt | None | str:
        """The adapter's find, with failures as a message (str) instead of an exception."""
        if not adapter.can_find:
            return f"socialpub cannot look for posts on {adapter.label}"
        try:
            return adapter.find(rendered)
        except (PlatformError, CredentialsError) as error:
            return self._message(error, adapter)

    def _record_refusal(self, report: PostReport, rendered: Rendered, result: Result) -> None:
        """Record a refusal of `run` as a permanent failure, in one claim transaction: never over a claim taken
        after a read (it would unfence that claim's settle), a settled row, or a state this version does not know."""
        assert self.ledger is not None
        post, channel = report.post, rendered.channel.name
        digest = content_hash(report.all_renders)

        def decide(row: Row | None) -> Row | None:
            if row is not None and row.state == "failed" and row.last_error == result.error \
                    and same_content(row.content_hash, report.all_renders, self.config.compliance.limits):
                return None  # already on record; do not add an event every minute
            if row is not None and (row.state not in STATES or row.state in ("published", "publishing", "unknown")):
                return None
            return Row(post_id=post.id, channel=channel, state="failed", content_hash=digest,
                       approval_code=post.approval_code, post_file=post.file, scheduled_at=post.publish_at,
                       attempts=row.attempts if row else 0, last_error=result.error, transient=False)

        if decide(self.ledger.get(post.id, channel)) is None:
            return  # the common case (on record already), without a write transaction every run
        refused = self.ledger.claim(post.id, channel, decide)
        if refused is not None:
            self.ledger.event("refused", refused, error=result.error)

    # --- the crisis switch and the claim's fence ---

    def _paused(self) -> str | None:
        """Why nothing may start now (publishing paused), else None. Read afresh: `pause` in another process
        commits before it returns, so a check after that sees it."""
        if self.dry_run or self.ledger is None:
            return None
        pause = self.ledger.paused()
        if not pause:
            return None
        return (f"publishing is paused (since {pause['paused_at']} by {pause['paused_by']}: "
                f"{pause['reason'] or 'no reason given'}); nothing done")

    def _deadline(self) -> datetime:
        return utcnow() + timedelta(seconds=self.claim_bound)

    def _gate(self, row: Row | None) -> Callable[[], None]:
        """What the adapter asks right before each request that makes (part of) the post: may it start?"""

        def gate() -> None:
            try:
                paused = self._paused()
                renewed = row is None or self.ledger is None or self.ledger.renew(row, self._deadline())
            except LedgerError as error:  # cannot ask: the same as a no (a thread's first tweets may be out)
                raise Stopped(f"the ledger failed: {error.message}", paused=False, hint=error.hint) from None
            if paused:
                raise Stopped(paused, paused=True, hint="socialpub resume, when the crisis is over")
            if not renewed:
                raise Stopped("this run lost its claim (its ledger liveness session ended, or another run took "
                              "the claim over); it sends nothing more", paused=False,
                              hint="the next run goes on; socialpub status shows every row")

        return gate

    def _stopped(self, row: Row | None, previous: Row | None, post_id: str, channel: str, stop: Stopped) -> Result:
        """The gate said no before anything of the post was sent: undo the claim, as if never claimed."""
        if row is not None and self.ledger is not None:
            try:
                if self.ledger.release(row, previous):
                    self.ledger.event("paused" if stop.paused else "stopped", row, error=stop.message)
                else:
                    self.ledger.event("unrecorded", row, outcome="nothing sent", why=stop.message)
            except LedgerError:
                pass  # the claim stays `publishing`: the next run reconciles it (nothing was sent)
        return Result(post_id, channel, Outcome.PAUSED if stop.paused else Outcome.RETRYING, error=stop.message,
                      hint=stop.hint)

    def _claim_wait(self, row: Row) -> float:
        """Seconds to wait before taking over a claim whose claimer failed the liveness test: none when its
        process has surely ended (the grace of `_reconcile` covers what it sent last); else until the claim's
        deadline, as a claimer that lost only its ledger session may still be in the middle of a request."""
        assert self.ledger is not None
        if row.claimed_by is None or row.claim_deadline is None or self.ledger.claimer_gone(row.claimed_by):
            return 0.0
        # Stored to the second (truncated): count from the end of that second.
        return max(0.0, (row.claim_deadline - utcnow()).total_seconds() + 1.0)

    def _settle(self, row: Row, action: str | None, **detail: Any) -> str | None:
        """Record this run's outcome of its claim, with its event. None when recorded; else why not: the
        claim was taken over meanwhile (a late answer never overwrites what another run recorded), or the
        ledger failed."""
        assert self.ledger is not None
        try:
            if self.ledger.settle(row, holder=self.ledger.claimer, action=action, **detail):
                return None
        except LedgerError as error:
            return f"the ledger could not record it: {error.message}"
        return "another run took this claim over before this run could record its outcome"

    def _unrecorded(self, row: Row, outcome: str, why: str) -> Result:
        """The outcome of a call that the ledger did not take: told, kept in the history when possible."""
        assert self.ledger is not None
        try:
            current = self.ledger.get(row.post_id, row.channel)
            self.ledger.event("unrecorded", row, outcome=outcome, why=why,
                              now_claimed_by=current.claimed_by if current else None,
                              now_state=current.state if current else None)
        except LedgerError:
            pass  # the message below is then the only record: it says so
        return Result(row.post_id, row.channel, Outcome.UNKNOWN, error=f"{why} ({outcome})",
                      hint=f"socialpub status and socialpub history show what the ledger holds; the next run "
                      f"reconciles it with the platform, or settle it: socialpub resolve {row.post_id} "
                      f"--channel {row.channel} (--published URL | --not-published)")

    # --- helpers ---

    @staticmethod
    def _message(error: Exception, adapter: Adapter) -> str:
        from socialpub.http import scrub

        return scrub(getattr(error, "message", None) or str(error), adapter.known_secrets())

    def _git_commit(self, post: Post) -> str | None:
        """The commit that last touched the post file, for the audit trail (None outside git)."""
        if post.file not in self._commits:
            self.know_commits([post])
        return self._commits.get(post.file)

    def know_commits(self, posts: Iterable[Post]) -> None:
        """Look up the last commits of these post files at once: one walk of the history for a whole run."""
        from socialpub.gitchanges import last_commits

        wanted = {post.path: post.file for post in posts if post.file not in self._commits}
        if wanted:
            found = last_commits(self.config.root, wanted)
            self._commits.update({file: found.get(path) for path, file in wanted.items()})

    def _done(self, result: Result) -> Result:
        if self.on_result is not None:
            self.on_result(result)
        return result


def _busy(row: Row) -> Result:
    """A row a live process holds: skipped; a person is told when it has held it for long."""
    doing = "published" if row.state == State.PUBLISHING else "reconciled"
    since = row.claimed_at or row.updated_at
    if since is not None and utcnow() - since > STUCK_AFTER:
        return Result(row.post_id, row.channel, Outcome.SKIPPED, attention=True,
                      error=f"being {doing} by {row.claimed_by} since {since:%Y-%m-%d %H:%M} UTC, which is still "
                      "running: stuck?",
                      hint="look at that process; once it has stopped, the next run reconciles the row")
    return Result(row.post_id, row.channel, Outcome.SKIPPED, error=f"being {doing} by another run")


def _unknown_state(row: Row) -> Result:
    """A row in a state this version does not know (a newer version's, or written by hand): never guessed at,
    never overwritten (not even as missed), and said every run."""
    return Result(row.post_id, row.channel, Outcome.SKIPPED, attention=True,
                  error=f"the ledger row is in state '{row.state}', which this version does not know: left alone",
                  hint=f"a newer socialpub may have written it; or settle it: socialpub resolve {row.post_id} "
                  f"--channel {row.channel} (--published URL | --not-published)")


def _stand_in(config: Config, row: Row, body: Mapping[str, Any] | None) -> Rendered | None:
    """The rendering a stored payload is rebuilt into when no post file names the row any more: its id, file
    and channel, nothing to send. None when there is no payload, or its channel is gone from the config."""
    from socialpub.adapters.base import Rendered
    from socialpub.posts import Post
    from socialpub.tomlsource import Source

    channel = config.channels.get(row.channel)
    if body is None or channel is None:
        return None
    file = row.post_file or row.post_id
    post = Post(id=row.post_id, file=file, path=config.root / file, post_type="", channels=(row.channel,), text="",
                text_source=Source(file), publish_at=row.scheduled_at, approval_code=row.approval_code)
    return Rendered(post=post, channel=channel, kind=str(body.get("kind") or ""), parts=())


def _long_past_due(post: Post, now: datetime) -> bool:
    return post.publish_at is not None and now - post.publish_at > LOOK_FIRST_AFTER


def _changed_since_check(report: PostReport, frozen: Frozen) -> str | None:
    """Why the bytes about to be sent are not what the run checked (or what was approved), else None."""
    sent = content_hash(report.all_renders, {**report.digests, **frozen.digests})
    approved = (report.post.approved_sha256 or "").lower()
    if sent != report.content_hash():
        changed = sorted(m for m, d in frozen.digests.items() if report.digests.get(m) not in (None, d))
        what = f"{', '.join(str(m.name) for m in changed)} changed" if changed else "the post changed"
        return f"{CHANGED} checked ({what} since the check): not sent"
    if approved and sent != approved:
        return f"{CHANGED} approved (approved_sha256): not sent"
    return None


def _piece(post: Post) -> dict[str, Any]:
    """What `export 2253` needs to know of a claim as it was made (docs/exactly-once.md, "Form FDA 2253"):
    whether the post was promotional then and for which audience, whatever its file says later."""
    return {"promotional": post.promotional, "audience": post.audience}


def _incomplete(rendered: Rendered, found: Receipt | str | None) -> str | None:
    """What is missing when the platform shows only the first parts of a thread, else None.

    A thread cut short (a later tweet refused, or the run killed between tweets) is on the platform in part:
    reconciliation must not record it as published, nor send it again (that would repeat the first parts).
    """
    if found is None or isinstance(found, str) or len(found.extra_ids) >= len(rendered.parts) - 1:
        return None
    return (f"the thread is incomplete on the platform: {1 + len(found.extra_ids)} of {len(rendered.parts)} "
            f"parts posted ({found.url or found.remote_id})")


def _partial_hint(post_id: str, channel: str, found: Receipt | str | None) -> str:
    where = "URL" if found is None or isinstance(found, str) else found.url or found.remote_id
    return (f"finish the thread by hand, then socialpub resolve {post_id} --channel {channel} "
            f"--published {where}; or record the part posted that way, socialpub retract {post_id} "
            f"--channel {channel}, and publish it again")


def refused_files(errors: Iterable[PostError]) -> list[Result]:
    """Post files `run` cannot load: each refused (exit 1), under its file's name, for every channel."""
    return [Result(e.file and Path(e.file).stem or "?", "*", Outcome.REFUSED, error=str(e)) for e in errors]


def due_items(
    config: Config, posts: Sequence[Post], now: datetime
) -> tuple[list[tuple[Post, str]], list[tuple[Post, str]]]:
    """(due, missed): (post, channel) pairs whose publish_at has come, split by max_lateness."""
    # In UTC: two datetimes with the same ZoneInfo (a local publish_at, a local --now) subtract as wall-clock
    # times, an hour off across a DST change; max_lateness is elapsed time.
    now = now.astimezone(UTC)
    due: list[tuple[Post, str]] = []
    missed: list[tuple[Post, str]] = []
    for post in posts:
        if post.publish_at is None or post.publish_at > now:
            continue
        late = now - post.publish_at > config.defaults.max_lateness
        for channel in post.channels:
            (missed if late else due).append((post, channel))
    return due, missed


def run_due(
    publisher: Publisher, posts: Sequence[Post], now: datetime
) -> list[Result]:
    """`socialpub run`: every due (post, channel) not yet published; channels in parallel, posts of a
    channel in publish_at order. Under the run lock, and not while paused: raises `NothingDone` then."""
    ledger = publisher.ledger
    assert ledger is not None
    with ledger.run_lock() as got_lock:
        if not got_lock:
            raise NothingDone("another run holds the lock; nothing done", status="locked")
        paused = publisher._paused()
        if paused:
            raise NothingDone(paused, status="paused", hint="socialpub resume, when the crisis is over")
        return _run_due_locked(publisher, posts, now)


def _run_due_locked(publisher: Publisher, posts: Sequence[Post], now: datetime) -> list[Result]:
    config = publisher.config
    ledger = publisher.ledger
    assert ledger is not None
    now = now.astimezone(UTC)  # elapsed-time arithmetic (see due_items)
    due, missed = due_items(config, posts, now)
    results: list[Result] = []
    by_channel: dict[str, list[Post]] = {}
    late: set[tuple[str, str]] = set()  # interrupted claims of missed posts: reconciled, never sent late
    for post, channel in missed:
        row = ledger.get(post.id, channel)
        if row is not None and row.state in ("published", "missed", "retracted"):
            continue  # settled: no write transaction every run
        if row is not None and row.state in ("publishing", "unknown") and not publisher.dry_run:
            late.add((post.id, channel))
            by_channel.setdefault(channel, []).append(post)
            continue
        result = _mark_missed(ledger, post, channel, now, config.defaults.max_lateness, record=not publisher.dry_run)
        if result is not None:
            results.append(publisher._done(result))

    for post, channel in due:
        row = ledger.get(post.id, channel)
        if row is not None and row.state in (State.PUBLISHED, State.RETRACTED, State.MISSED):
            continue  # settled; editing a published post never republishes it
        by_channel.setdefault(channel, []).append(post)

    reports: dict[str, PostReport] = {}

    def report_for(post: Post) -> PostReport:
        with publisher._lock:
            if post.id not in reports:
                reports[post.id] = check_post(post, config, publisher.renderer, now=now)
                reports[post.id].content_hash()  # media hashed as checked
            return reports[post.id]

    if not publisher.dry_run:  # interrupted claims that no post of this run sends: reconciled first
        queued = {(post.id, channel) for channel, queue in by_channel.items() for post in queue}
        loaded = {post.id: post for post in posts}
        for row in ledger.unsettled():
            if (row.post_id, row.channel) in queued:
                continue
            result = publisher.reconcile_orphan(row, loaded.get(row.post_id))
            if result is not None:
                results.append(publisher._done(result))

    def work(channel: str, queue: list[Post]) -> list[Result]:
        out: list[Result] = []
        adapter = publisher.renderer.adapter(channel)
        ordered = sorted(queue, key=lambda p: (p.publish_at or now, p.id))
        for index, post in enumerate(ordered):
            wait = adapter.rate_wait()  # pace the channel: never send into a used-up window
            if wait is not None and not publisher.dry_run:
                if wait > publisher.max_wait:
                    until = utcnow() + timedelta(seconds=wait)
                    out += [publisher._done(Result(p.id, channel, Outcome.RETRYING,
                                                   error=f"{channel}: rate-limit window used up until "
                                                   f"{until:%H:%M:%S} UTC; the next run goes on"))
                            for p in ordered[index:]]
                    break
                publisher.sleep(wait)
            report = report_for(post)
            if not publisher.dry_run:  # a long run: the file may have changed since; the rules run again
                report, refusal = _recheck(publisher, report, channel, now)
                if refusal is not None:
                    out.append(publisher._done(refusal))
                    continue
            rendered = next(r for r in report.renders if r.channel.name == channel)
            out.append(publisher.attempt(report, rendered, mode="run", now=now,  # skips too: they say why
                                         late=(post.id, channel) in late))
        return out

    # Build reports (rules) once per post before the channels go in parallel.
    for queue in by_channel.values():
        for post in queue:
            report_for(post)
    if not publisher.dry_run:
        publisher.know_commits(post for queue in by_channel.values() for post in queue)
    with ThreadPoolExecutor(max_workers=max(1, len(by_channel))) as pool:
        futures = [pool.submit(work, channel, queue) for channel, queue in sorted(by_channel.items())]
        for future in futures:
            results += future.result()
    return results


def _recheck(publisher: Publisher, report: PostReport, channel: str, now: datetime) -> tuple[PostReport, Result | None]:
    """The post loaded and checked again right before its send: (fresh report, None), or a refusal when the
    file no longer loads or its content is not what the run checked at its start."""
    from socialpub.posts import MAX_POST_BYTES, load_post
    from socialpub.tomlsource import read_text

    post = report.post
    try:  # the file as it was checked (media are compared at the send): the same rules would find the same
        if post.source_text and read_text(post.path, post.file, PostError, MAX_POST_BYTES).replace(
                "\r\n", "\n") == post.source_text:
            return report, None
    except PostError:
        pass  # load_post says what is wrong with it
    fresh_post, problems = load_post(post.path, publisher.config)
    if fresh_post is None or fresh_post.id != post.id:
        why = "; ".join(p.message for p in problems) or "its id changed"
        return report, Result(post.id, channel, Outcome.REFUSED, error=f"the post file changed during the run: {why}",
                              hint="socialpub check shows why; the next run checks it again")
    fresh = check_post(fresh_post, publisher.config, publisher.renderer, now=now)
    if fresh.content_hash() != report.content_hash():
        return report, Result(post.id, channel, Outcome.REFUSED,
                              error=f"{CHANGED} checked (the post file changed during the run): not sent",
                              hint="the next run checks it again; get changes re-approved")
    return fresh, None


def _mark_missed(ledger: Ledger, post: Post, channel: str, now: datetime, lateness: timedelta, *,
                 record: bool = True) -> Result | None:
    """Record a (post, channel) too late to publish as missed; None when its row is settled or claimed.
    Written in one claim transaction (a claim that another run or host takes meanwhile is never overwritten);
    `record=False` (a dry run, rehearsing another day) writes nothing."""
    assert post.publish_at is not None
    late_by = now - post.publish_at
    message = (f"publish_at {post.publish_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC passed {_human(late_by)} "
               f"ago, more than max_lateness {_human(lateness)}: not published late")
    strange: list[Row] = []

    def decide(current: Row | None) -> Row | None:
        if current is not None and current.state not in STATES:
            strange.append(current)
            return None
        if current is not None and current.state in ("published", "missed", "retracted", "publishing", "unknown"):
            return None
        return Row(post_id=post.id, channel=channel, state="missed", approval_code=post.approval_code,
                   post_file=post.file, scheduled_at=post.publish_at,
                   attempts=current.attempts if current else 0, last_error=message)

    missed = ledger.claim(post.id, channel, decide) if record else decide(ledger.get(post.id, channel))
    if strange:
        return _unknown_state(strange[0])
    if missed is None:
        return None
    if record:
        ledger.event("missed", missed, error=message)
    return Result(post.id, channel, "missed", error=message,
                  hint=f"publish it by hand if it is still right: socialpub publish {post.file} --channel {channel}")


def _human(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds >= 86400:  # minutes too: "passed 1d0h ago, more than max_lateness 1d0h" reads as a paradox
        minutes = (seconds % 3600) // 60
        return f"{seconds // 86400}d{(seconds % 86400) // 3600}h" + (f"{minutes:02d}m" if minutes else "")
    if seconds >= 3600:
        return f"{seconds // 3600}h{(seconds % 3600) // 60:02d}m"
    return f"{seconds // 60}m"
