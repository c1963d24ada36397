"""Each time a (post, channel) went out, read from the ledger's events: the pieces of Form FDA 2253.

A dissemination is an event that puts a post on its platform on record: `published`, a crashed claim found
on the platform (`reconciled` or `looked-first` with `found`), or a person's `resolve --published`. Its
payload is the one of the claim before it (the `publishing` or `look-first` event names it), its time the
platform's publish time (`detail.published_at`), or for `resolve` the time the person confirmed it. The
history is the ledger's, never the post file as it reads now: a post re-sent with `publish --again` has one
dissemination per send, and a retraction is kept with the dissemination it took down.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from socialpub.ledger import Ledger, Row, parse_iso

EXPORTED = "exported-2253"  # the event `socialpub export 2253` records for each piece it wrote
_CLAIMS = ("publishing", "look-first")  # the events that name the payload a claim sends


@dataclass
class Dissemination:
    event_id: int  # the event that put it on record: the piece's id in the export and its event
    post_id: str
    channel: str
    at: datetime  # the dissemination time (see `time_source`)
    time_source: str  # "platform" (its publish time), "person" (resolve --published) or "ledger" (recorded)
    remote_id: str | None
    url: str | None
    content_hash: str | None
    approval_code: str | None
    git_commit: str | None
    payload_hash: str | None  # the stored payload that went out (Ledger.payload)
    promotional: bool | None  # as the post was when it was claimed; None: recorded by an older socialpub
    audience: str | None
    number: int  # 1 for the first dissemination of this (post, channel), 2 for the next…
    kind: str  # "new", "revision" (other content than the one before) or "re-send" (the same content again)
    previous: int | None  # the event id of the dissemination before it
    retracted_at: datetime | None = None


def is_dissemination(event: Mapping[str, Any]) -> bool:
    detail = _detail(event)
    action = event.get("action")
    return bool(
        action == "published"
        or (action in ("reconciled", "looked-first") and detail.get("found") is True)
        or (action == "resolve" and detail.get("resolution") == "published")
    )


def disseminations(events: Iterable[Mapping[str, Any]], rows: Iterable[Row] = ()) -> list[Dissemination]:
    """Every dissemination on record, in the order of the events (`Ledger.events()`, all of them: whether
    one is new or a revision depends on those before it). `rows` (`Ledger.rows()`) give the platform time of
    dissemination events recorded before the events carried it."""
    current = {(r.post_id, r.channel): r for r in rows}
    claims: dict[tuple[str, str], dict[str, Any]] = {}
    last: dict[tuple[str, str], Dissemination] = {}
    counts: dict[tuple[str, str], int] = {}
    out: list[Dissemination] = []
    for event in sorted(events, key=lambda e: int(e["id"])):
        pair = (str(event.get("post_id")), str(event.get("channel")))
        detail = _detail(event)
        action = event.get("action")
        if action in _CLAIMS:
            claims[pair] = detail
        elif action == "retract" and pair in last and last[pair].retracted_at is None:
            last[pair].retracted_at = parse_iso(event["at"])
        elif is_dissemination(event):
            claim = claims.get(pair, {})
            at, source = _when(event, detail, current.get(pair))
            before = last.get(pair)
            payload = claim.get("payload") if isinstance(claim.get("payload"), str) else None
            number = counts[pair] = counts.get(pair, 0) + 1
            kind = "new" if before is None else "re-send" if _same(before, payload, event) else "revision"
            promotional = claim.get("promotional")
            audience = claim.get("audience")
            piece = Dissemination(
                event_id=int(event["id"]), post_id=pair[0], channel=pair[1], at=at, time_source=source,
                remote_id=event.get("remote_id"), url=event.get("url"), content_hash=event.get("content_hash"),
                approval_code=event.get("approval_code"), git_commit=event.get("git_commit"),
                payload_hash=payload, promotional=promotional if isinstance(promotional, bool) else None,
                audience=audience if isinstance(audience, str) else None, number=number, kind=kind,
                previous=before.event_id if before else None,
            )
            out.append(piece)
            last[pair] = piece
    return out


def _when(event: Mapping[str, Any], detail: Mapping[str, Any], row: Row | None) -> tuple[datetime, str]:
    if event.get("action") == "resolve":
        return _parsed(event["at"]), "person"
    stated = detail.get("published_at")
    if isinstance(stated, str):
        try:
            return _parsed(stated), "platform"
        except ValueError:
            pass  # an unreadable value: the recorded time below
    if row is not None and row.published_at is not None and row.remote_id and row.remote_id == event.get("remote_id"):
        return row.published_at, "platform"  # an event of an older socialpub: its row still holds the time
    return _parsed(event["at"]), "ledger"


def _parsed(text: str) -> datetime:
    moment = parse_iso(text)
    if moment is None or moment.tzinfo is None:
        raise ValueError(f"not a time with an offset: {text!r}")
    return moment


def _same(before: Dissemination, payload: str | None, event: Mapping[str, Any]) -> bool:
    if payload and before.payload_hash:
        return payload == before.payload_hash
    return bool(event.get("content_hash")) and event.get("content_hash") == before.content_hash


# The events `form_2253_states` reads: claims, disseminations and exports (a dissemination's own actions).
STATE_ACTIONS = (*_CLAIMS, "published", "reconciled", "looked-first", "resolve", EXPORTED)


def exported_states(ledger: Ledger) -> dict[tuple[str, str], str]:
    """`form_2253_states` of the ledger, read from the events it needs only (not the whole trail)."""
    return form_2253_states(ledger.events(actions=STATE_ACTIONS))


def form_2253_states(events: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], str]:
    """(post, channel) -> "exported" when each of its promotional disseminations has been exported (`export
    2253`), else "pending"; a (post, channel) without one is not in it (`status` and `agenda` show these).
    The same reading as `disseminations`, without building them: `status` runs it over the whole trail."""
    promotional: dict[tuple[str, str], bool] = {}  # as the latest claim recorded it (unknown: counted)
    pieces: dict[tuple[str, str], list[int]] = {}
    exported: set[int] = set()
    for event in sorted(events, key=lambda e: int(e["id"])):
        action = event.get("action")
        detail = _detail(event)
        pair = (str(event.get("post_id")), str(event.get("channel")))
        if action in _CLAIMS:
            promotional[pair] = detail.get("promotional") is not False
        elif action == EXPORTED and isinstance(detail.get("dissemination"), int):
            exported.add(detail["dissemination"])
        elif is_dissemination(event) and promotional.get(pair, True):
            pieces.setdefault(pair, []).append(int(event["id"]))
    return {pair: "exported" if all(i in exported for i in ids) else "pending" for pair, ids in pieces.items()}


def _detail(event: Mapping[str, Any]) -> Mapping[str, Any]:
    """An event's detail; anything but an object (a ledger edited by hand) reads as none."""
    detail = event.get("detail")
    return detail if isinstance(detail, Mapping) else {}
