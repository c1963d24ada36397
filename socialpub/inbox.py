"""The safety inbox in the ledger: comments seen, reads per (post, channel), gaps, and the items a person
triages and forwards to pharmacovigilance (PV).

Comments are kept verbatim and never changed but for their `deleted` flag. Every transition of an item
(queued, triaged, forwarded) and every export is an event of the audit trail (`Ledger._event`) with who,
when and why, carrying item ids and the comment's sha256, never its text or author: `history`, `status`,
logs and CI artifacts show ids, counts and hashes only. The text leaves the ledger through `inbox show` and
`inbox export` alone.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from socialpub.errors import ExitCode, SocialpubError
from socialpub.ledger import Ledger, iso, parse_iso, storable  # watch screens the text as it is kept
from socialpub.terminal import MAX_REASON, printable, said_something


class Refused(SocialpubError):
    """A transition the item's state does not allow (forwarding it twice, say): exit 1, nothing changed."""

    exit_code = ExitCode.FINDINGS


OPEN, TRIAGED, FORWARDED = "open", "triaged", "forwarded"
TRIAGE_AS = ("ae", "complaint", "inquiry", "other")
FOR_PV = ("ae", "complaint")  # triaged as one of these, an item still waits to be forwarded
MENTIONS = ""  # the post_id of a channel's mentions (they answer no one post)

# Gap kinds, as the coverage report names them
UNREADABLE = "unreadable"  # the platform's API cannot read comments (Pinterest): review by hand
READ_FAILED = "read-failed"
PLATFORM_LIMIT = "platform-limit"  # what the platform cannot give any more (X: recent search covers 7 days)
RETRACTED_GONE = "retracted"  # a retracted post whose comments the platform no longer serves


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def item_name(number: int) -> str:
    return f"S-{number:06d}"


_ITEM_ID = re.compile(r"^\s*(?:S-?)?0*(\d{1,12})\s*$", re.IGNORECASE)


def item_number(name: str) -> int:
    """'S-000123', 's-123' or '123' -> 123; a clear error otherwise."""
    found = _ITEM_ID.match(name)
    if not found or int(found.group(1)) == 0:
        raise SocialpubError(f"{name[:40]!r} is not a safety item id", hint="ids look like S-000123 (socialpub inbox)")
    return int(found.group(1))


@dataclass(frozen=True, slots=True)
class Item:
    id: str
    number: int
    channel: str
    comment_id: str
    post_id: str
    category: str
    elements: tuple[str, ...]
    situations: tuple[str, ...]
    spans: tuple[dict[str, Any], ...]  # {"element", "start", "end", "term", "label"}: the evidence in the text
    reasons: tuple[str, ...]
    text_sha256: str
    day0: datetime
    due: datetime
    queued_at: datetime
    state: str
    triaged_as: str | None = None
    triaged_by: str | None = None
    triaged_at: datetime | None = None
    triage_reason: str | None = None
    pv_ref: str | None = None
    forwarded_by: str | None = None
    forwarded_at: datetime | None = None

    @property
    def waiting(self) -> bool:
        """A person still owes it something: a triage, or the hand-off to PV."""
        return self.state == OPEN or (self.state == TRIAGED and self.triaged_as in FOR_PV)

    def overdue(self, now: datetime) -> bool:
        return self.waiting and now >= self.due

    def to_dict(self, now: datetime) -> dict[str, Any]:
        """What scripts and `inbox --format json` see: ids, clocks, categories; never the text or author."""
        return {
            "id": self.id,
            "post": self.post_id or None,
            "channel": self.channel,
            "comment_id": self.comment_id,
            "category": self.category,
            "elements": list(self.elements),
            "situations": list(self.situations),
            "text_sha256": self.text_sha256,
            "day0": iso(self.day0),
            "due": iso(self.due),
            "overdue": self.overdue(now),
            "state": self.state,
            "triaged_as": self.triaged_as,
            "triaged_by": self.triaged_by,
            "triaged_at": iso(self.triaged_at),
            "pv_ref": self.pv_ref,
            "forwarded_by": self.forwarded_by,
            "forwarded_at": iso(self.forwarded_at),
        }


@dataclass(frozen=True, slots=True)
class StoredComment:
    channel: str
    comment_id: str
    post_id: str
    answers_remote_id: str | None
    parent_id: str | None
    author: str
    author_id: str
    text: str
    text_sha256: str
    platform_at: datetime | None
    first_seen_at: datetime
    url: str | None
    kind: str
    deleted: bool
    held: str | None = None  # the platform holds it from the public (YouTube: heldForReview, likelySpam)


@dataclass(frozen=True, slots=True)
class Read:
    post_id: str
    channel: str
    cursor: str | None
    first_read_at: datetime | None
    last_read_at: datetime | None
    seen: int
    complete: bool
    last_error: str | None
    deferred_at: datetime | None = None  # a watch had to leave it unread (and why): the next watch reads it first
    deferred_why: str | None = None


@dataclass(frozen=True, slots=True)
class Gap:
    post_id: str
    channel: str
    kind: str
    detail: str
    recorded_at: datetime
    last_recorded_at: datetime | None = None  # a gap that lasted: the last watch that met it


_ITEM_COLUMNS = (
    "id", "channel", "comment_id", "post_id", "category", "elements", "situations", "spans", "reasons",
    "text_sha256", "day0", "due", "queued_at", "state", "triaged_as", "triaged_by", "triaged_at", "triage_reason",
    "pv_ref", "forwarded_by", "forwarded_at",
)
_COMMENT_COLUMNS = (
    "channel", "comment_id", "post_id", "answers_remote_id", "parent_id", "author", "author_id", "text",
    "text_sha256", "platform_at", "first_seen_at", "url", "kind", "deleted", "held",
)
_READ_COLUMNS = ("post_id", "channel", "cursor", "first_read_at", "last_read_at", "seen", "complete", "last_error",
                 "deferred_at", "deferred_why")


def _item(values: Iterable[Any]) -> Item:
    data = dict(zip(_ITEM_COLUMNS, values, strict=True))
    number = int(data.pop("id"))
    for key in ("elements", "situations", "reasons"):
        data[key] = tuple(json.loads(data[key]))
    data["spans"] = tuple(json.loads(data["spans"]))
    for key in ("day0", "due", "queued_at", "triaged_at", "forwarded_at"):
        data[key] = parse_iso(data[key])
    return Item(id=item_name(number), number=number, **data)


def _comment(values: Iterable[Any]) -> StoredComment:
    data = dict(zip(_COMMENT_COLUMNS, values, strict=True))
    data["platform_at"] = parse_iso(data["platform_at"])
    data["first_seen_at"] = parse_iso(data["first_seen_at"])
    data["deleted"] = bool(data["deleted"])
    return StoredComment(**data)


def _read(values: Iterable[Any]) -> Read:
    data = dict(zip(_READ_COLUMNS, values, strict=True))
    data["first_read_at"] = parse_iso(data["first_read_at"])
    data["last_read_at"] = parse_iso(data["last_read_at"])
    data["deferred_at"] = parse_iso(data["deferred_at"])
    data["complete"] = bool(data["complete"])
    return Read(**data)


# --- what `watch` records ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Queued:
    """What screening asks of the inbox for one comment: queue it with these findings and clocks."""

    category: str
    elements: tuple[str, ...]
    situations: tuple[str, ...]
    spans: tuple[dict[str, Any], ...]
    reasons: tuple[str, ...]
    day0: datetime
    due: datetime


MAX_ID = 256  # characters: platforms' ids are far shorter (X 19 digits, Facebook and YouTube a few dozen)


def kept_id(value: str) -> str:
    """A platform's comment id as the ledger keys it: an id too long for an index (PostgreSQL refuses keys of
    some kilobytes), which no platform sends, is kept as its hash, so that it is still known when it comes again."""
    value = storable(value)
    return value if len(value) <= MAX_ID else f"sha256:{text_hash(value)}"


def record_comment(
    ledger: Ledger,
    *,
    post_id: str,
    channel: str,
    answers_remote_id: str | None,
    comment: Any,
    first_seen: datetime,
    queue: Queued | None,
) -> tuple[bool, Item | None]:
    """Keep one comment (an `adapters.base.Comment`) and, when `queue` says so, its safety item, in one
    transaction: a crash never leaves a comment stored but not queued. Returns (new, item): `new` False when
    it was already on record (only a new `deleted` flag is written then, with its event)."""
    text, author, author_id = (storable(v or "") for v in (comment.text, comment.author, comment.author_id))
    comment_id, parent = kept_id(comment.id), comment.parent_id and kept_id(comment.parent_id)
    url = comment.url and storable(comment.url)
    digest = text_hash(text)
    with ledger.transaction() as cur:
        cur.execute(
            ledger.sql(
                f"INSERT INTO comments ({', '.join(_COMMENT_COLUMNS)}) "
                f"VALUES ({', '.join('?' * len(_COMMENT_COLUMNS))}) ON CONFLICT (channel, comment_id) DO NOTHING"
            ),
            (channel, comment_id, post_id, answers_remote_id, parent, author, author_id, text, digest,
             iso(comment.created_at), iso(first_seen), url, comment.kind, int(bool(comment.deleted)),
             storable(comment.held)[:40] if comment.held else None),
        )
        if cur.rowcount != 1:
            def changed(change: str, unchanged: str, event: str) -> None:
                """A comment on record that changed since (an event, once: only a row still `unchanged` is set)."""
                cur.execute(
                    ledger.sql(f"UPDATE comments SET {change} WHERE channel = ? AND comment_id = ? AND {unchanged} "
                               "RETURNING text_sha256"),
                    (channel, comment_id),
                )
                row = cur.fetchone()
                if row:
                    ledger._event(cur, event, None, post_id=post_id or None, channel=channel, comment=comment_id,
                                  text_sha256=row[0])

            if not comment.held and not comment.deleted:
                changed("held = NULL", "held IS NOT NULL", "comment-public")  # held before: the owner published it
            if comment.deleted:
                changed("deleted = 1", "deleted = 0", "comment-deleted")
            return False, None
        if queue is None:
            return True, None
        now = iso(first_seen)
        cur.execute(
            ledger.sql(
                "INSERT INTO safety_items (channel, comment_id, post_id, category, elements, situations, spans, "
                "reasons, text_sha256, day0, due, queued_at, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "RETURNING id"
            ),
            (channel, comment_id, post_id, queue.category, json.dumps(list(queue.elements)),
             json.dumps(list(queue.situations)), json.dumps(list(queue.spans)), json.dumps(list(queue.reasons)),
             digest, iso(queue.day0), iso(queue.due), now, OPEN),
        )
        number = int(cur.fetchone()[0])
        ledger._event(cur, "safety-queued", None, post_id=post_id or None, channel=channel, item=item_name(number),
                      comment=comment_id, text_sha256=digest, category=queue.category,
                      elements=sorted(queue.elements), day0=iso(queue.day0), due=iso(queue.due))
        cur.execute(ledger.sql(f"SELECT {', '.join(_ITEM_COLUMNS)} FROM safety_items WHERE id = ?"), (number,))
        return True, _item(cur.fetchone())


def record_read(ledger: Ledger, post_id: str, channel: str, *, at: datetime, cursor: str | None, complete: bool,
                new: int, error: str | None = None) -> None:
    """One read of (post, channel): its new high-water mark (None keeps the old one), whether it read to the end,
    how many new comments it saw; a failed read keeps the cursor and records the error. Either way it is no
    longer one a watch left unread."""
    with ledger.transaction() as cur:
        cur.execute(
            ledger.sql(
                "INSERT INTO comment_reads (post_id, channel, cursor, first_read_at, last_read_at, seen, complete, "
                "last_error) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (post_id, channel) DO UPDATE SET "
                "cursor = COALESCE(excluded.cursor, comment_reads.cursor), "
                "first_read_at = COALESCE(comment_reads.first_read_at, excluded.first_read_at), "
                "deferred_at = NULL, deferred_why = NULL, "
                "last_read_at = CASE WHEN excluded.last_error IS NULL THEN excluded.last_read_at "
                "ELSE comment_reads.last_read_at END, "
                "seen = comment_reads.seen + excluded.seen, complete = excluded.complete, "
                "last_error = excluded.last_error"
            ),
            (post_id, channel, cursor, iso(at), None if error else iso(at), new, int(complete), error),
        )
        if error is None:  # a read that answered ends a stretch of failed reads; read to its end, any limit too
            cur.execute(ledger.sql("UPDATE comment_gaps SET ongoing = 0 WHERE post_id = ? AND channel = ? "
                                   f"AND ongoing = 1{'' if complete else ' AND kind = ?'}"),
                        (post_id, channel) if complete else (post_id, channel, READ_FAILED))


def record_deferred(ledger: Ledger, pairs: Iterable[tuple[str, str]], *, at: datetime, why: str) -> None:
    """(post, channel) pairs a watch had to leave unread (`why`: a read window used up, say), in one transaction:
    the coverage report shows them as not read in that watch until a read clears the mark."""
    with ledger.transaction() as cur:
        cur.executemany(
            ledger.sql(
                "INSERT INTO comment_reads (post_id, channel, deferred_at, deferred_why) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (post_id, channel) DO UPDATE SET deferred_at = excluded.deferred_at, "
                "deferred_why = excluded.deferred_why"
            ),
            [(post_id, channel, iso(at), why) for post_id, channel in pairs],
        )


def record_gap(ledger: Ledger, post_id: str, channel: str, kind: str, detail: str, *, at: datetime,
               once: bool = False, ongoing: bool = False) -> bool:
    """A gap in coverage, kept for the auditor; with `once`, not again when this very gap is on record. With
    `ongoing` (a read stopped at a limit, `adapters.base.Stop`), one gap of its kind per (post, channel) while
    it lasts: a watch that meets it again updates its detail and last time, until a complete read ends it."""
    with ledger.transaction() as cur:
        if ongoing:
            cur.execute(
                ledger.sql("UPDATE comment_gaps SET detail = ?, last_recorded_at = ? WHERE post_id = ? AND "
                           "channel = ? AND kind = ? AND ongoing = 1"),
                (detail, iso(at), post_id, channel, kind),
            )
            if cur.rowcount:
                return False
        elif once:
            cur.execute(
                ledger.sql("SELECT 1 FROM comment_gaps WHERE post_id = ? AND channel = ? AND kind = ? AND detail = ?"),
                (post_id, channel, kind, detail),
            )
            if cur.fetchone():
                return False
        cur.execute(
            ledger.sql("INSERT INTO comment_gaps (post_id, channel, kind, detail, recorded_at, ongoing, "
                       "last_recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)"),
            (post_id, channel, kind, detail, iso(at), int(ongoing), iso(at) if ongoing else None),
        )
        return True


def reads(ledger: Ledger) -> dict[tuple[str, str], Read]:
    with ledger.transaction(read_only=True) as cur:
        cur.execute(f"SELECT {', '.join(_READ_COLUMNS)} FROM comment_reads")
        return {(r.post_id, r.channel): r for r in map(_read, cur.fetchall())}


def gaps(ledger: Ledger) -> dict[tuple[str, str], list[Gap]]:
    with ledger.transaction(read_only=True) as cur:
        cur.execute("SELECT post_id, channel, kind, detail, recorded_at, last_recorded_at FROM comment_gaps "
                    "ORDER BY id")
        out: dict[tuple[str, str], list[Gap]] = {}
        for post_id, channel, kind, detail, at, last in cur.fetchall():
            out.setdefault((post_id, channel), []).append(
                Gap(post_id, channel, kind, detail, parse_iso(at), parse_iso(last)))
        return out


# --- what people do with items ----------------------------------------------------------------------------


def items(ledger: Ledger, *, waiting_only: bool = True) -> list[Item]:
    """Items oldest first (by day 0); by default those a person still owes something."""
    with ledger.transaction(read_only=True) as cur:
        cur.execute(f"SELECT {', '.join(_ITEM_COLUMNS)} FROM safety_items ORDER BY day0, id")
        found = [_item(r) for r in cur.fetchall()]
    return [i for i in found if i.waiting] if waiting_only else found


def item(ledger: Ledger, name: str) -> Item:
    number = item_number(name)
    with ledger.transaction(read_only=True) as cur:
        cur.execute(ledger.sql(f"SELECT {', '.join(_ITEM_COLUMNS)} FROM safety_items WHERE id = ?"), (number,))
        found = cur.fetchone()
    if not found:
        raise SocialpubError(f"there is no safety item {item_name(number)}", hint="socialpub inbox lists them")
    return _item(found)


def comment_of(ledger: Ledger, it: Item) -> StoredComment:
    with ledger.transaction(read_only=True) as cur:
        cur.execute(
            ledger.sql(f"SELECT {', '.join(_COMMENT_COLUMNS)} FROM comments WHERE channel = ? AND comment_id = ?"),
            (it.channel, it.comment_id),
        )
        return _comment(cur.fetchone())


def waiting_counts(ledger: Ledger) -> dict[tuple[str, str], int]:
    """Items a person still owes something, per (post, channel): what `status` shows."""
    counts: dict[tuple[str, str], int] = {}
    for it in items(ledger):
        counts[it.post_id, it.channel] = counts.get((it.post_id, it.channel), 0) + 1
    return counts


def _locked(ledger: Ledger, cur: Any, number: int) -> Item:
    lock = " FOR UPDATE" if ledger.kind == "postgresql" else ""  # SQLite: BEGIN IMMEDIATE already serialises
    cur.execute(ledger.sql(f"SELECT {', '.join(_ITEM_COLUMNS)} FROM safety_items WHERE id = ?{lock}"), (number,))
    found = cur.fetchone()
    if not found:
        raise SocialpubError(f"there is no safety item {item_name(number)}", hint="socialpub inbox lists them")
    return _item(found)


def triage(ledger: Ledger, name: str, as_: str, reason: str, *, at: datetime, who: str | None = None) -> Item:
    """A person's classification of an item, with why. Again before it is forwarded (recorded again); after,
    refused: PV has it. The reason is kept as `kept_reason` makes it, in the item and in its event alike."""
    from socialpub.ledger import actor

    if as_ not in TRIAGE_AS:
        raise SocialpubError(f"--as {as_[:20]!r} is not one of {', '.join(TRIAGE_AS)}")
    if not said_something(reason):
        raise SocialpubError("--reason is empty (or only blanks and invisible characters)",
                             hint="say why, in a few words: it goes into the audit trail")
    reason = reason.strip()
    if len(reason) > MAX_REASON:
        raise SocialpubError(f"the reason has {len(reason)} characters, more than {MAX_REASON}", key="--reason",
                             hint="say it in a sentence or two and name the ticket; nothing was changed")
    reason = kept_reason(reason)
    who = who or actor()
    number = item_number(name)
    with ledger.transaction() as cur:
        current = _locked(ledger, cur, number)
        if current.state == FORWARDED:
            raise Refused(f"{current.id} was forwarded to PV as {current.pv_ref} on {iso(current.forwarded_at)} by "
                          f"{current.forwarded_by}: its triage cannot change; nothing was changed",
                          hint="PV decides from here")
        cur.execute(
            ledger.sql("UPDATE safety_items SET state = ?, triaged_as = ?, triaged_by = ?, triaged_at = ?, "
                       "triage_reason = ? WHERE id = ?"),
            (TRIAGED, as_, who, iso(at), reason, number),
        )
        ledger._event(cur, "safety-triaged", None, post_id=current.post_id or None, channel=current.channel,
                      who=who, item=current.id, text_sha256=current.text_sha256, triaged_as=as_,
                      previous=current.triaged_as, reason=reason, at_clock=iso(at))
        return _locked(ledger, cur, number)


def kept_reason(reason: str) -> str:
    """A person's reason as the ledger keeps it: their words, with what a reader could not see or would see
    obeyed (control characters, NUL, bidi overrides, lone surrogates, zero-width characters) written as
    escapes (\\x1b, \\u202e), so that the same readable text is stored on SQLite and PostgreSQL and shown
    in every export; newlines and tabs stay."""
    return storable(printable(reason))


def forward(ledger: Ledger, name: str, ref: str, *, at: datetime, who: str | None = None) -> Item:
    """The hand-off to PV under its case reference, recorded with who and when. Once."""
    from socialpub.ledger import actor

    ref = ref.strip()
    if not ref or len(ref) > 200 or any(not c.isprintable() for c in ref):
        raise SocialpubError("--ref must be PV's case reference (printable, at most 200 characters)",
                             hint="e.g. --ref PV-2026-001234")
    who = who or actor()
    number = item_number(name)
    with ledger.transaction() as cur:
        current = _locked(ledger, cur, number)
        if current.state == FORWARDED:
            raise Refused(f"{current.id} was already forwarded to PV as {current.pv_ref} on "
                          f"{iso(current.forwarded_at)} by {current.forwarded_by}; nothing was changed")
        if current.state == TRIAGED and current.triaged_as not in FOR_PV:
            raise Refused(f"{current.id} was triaged as {current.triaged_as}: nothing for PV; nothing was changed",
                          hint=f"triage it again first: socialpub inbox triage {current.id} --as ae --reason …")
        cur.execute(
            ledger.sql("UPDATE safety_items SET state = ?, pv_ref = ?, forwarded_by = ?, forwarded_at = ? "
                       "WHERE id = ?"),
            (FORWARDED, ref, who, iso(at), number),
        )
        ledger._event(cur, "safety-forwarded", None, post_id=current.post_id or None, channel=current.channel,
                      who=who, item=current.id, text_sha256=current.text_sha256, pv_ref=ref,
                      overdue=at >= current.due, at_clock=iso(at))
        return _locked(ledger, cur, number)


def record_export(ledger: Ledger, exported: list[Item], file: str) -> None:
    """An export holds comment texts and authors: who took which items where is on record."""
    ledger.event("safety-exported", None, items=[i.id for i in exported], file=file,
                 text_sha256=[i.text_sha256 for i in exported])
