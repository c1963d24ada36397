"""What `watch` and `inbox` print, and the files `inbox export` writes for pharmacovigilance (PV) intake.

Everything here but `show_text` and the export prints ids, counts, clocks and hashes only: comment text and
authors are health information and stay out of cron mail, CI logs and terminals' scrollback unless a person
asks for one item (`inbox show`) or exports them to a file only its owner may read.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

from socialpub.errors import SocialpubError
from socialpub.inbox import Item, StoredComment
from socialpub.ledger import iso
from socialpub.report import csv_safe, envelope
from socialpub.terminal import printable


def _local(moment: datetime | None, zone: tzinfo) -> str:
    return moment.astimezone(zone).isoformat(sep=" ", timespec="minutes") if moment else "-"


def _due(moment: datetime, zone: tzinfo) -> str:
    """A due time as people say it: the end of a business day (`moment` is the instant that day ends)."""
    return f"end of {(moment - timedelta(microseconds=1)).astimezone(zone):%a %Y-%m-%d}"


def clock_warning(done: Any) -> str | None:
    """What a watch whose clock is behind the last read says, even with --quiet (cron mail should show it)."""
    if done.clock_behind is None:
        return None
    return (f"watch: the clock is behind the last read ({iso(done.clock_behind)}): the times this watch recorded "
            "go backwards and posts published after its clock were not read; check the system clock or --now")


def watch_text(done: Any) -> str:
    """One `watch`: counts and item ids."""
    lines = [f"watch: {done.reads} read(s), {done.new_comments} new comment(s), {len(done.queued)} queued"
             + (f": {', '.join(done.queued)}" if done.queued else "")]
    if done.incomplete:
        lines.append(f"watch: {done.incomplete} read(s) stopped at a limit; the next watch resumes from there")
    for channel, (count, minutes) in sorted(done.spaced.items()):
        lines.append(f"watch: {printable(channel, one_line=True)}: {count} read(s) not due yet: its reads spend the "
                     f"platform's daily quota, so each is read every {minutes} min")
    for channel, count in sorted(done.unreadable.items()):
        lines.append(f"watch: {printable(channel, one_line=True)}: the platform's API cannot read comments; "
                     f"{count} published item(s) to review by hand (socialpub watch --report lists their URLs)")
    for failed in done.failed:
        target = f"{printable(failed['post'], one_line=True)} → {printable(failed['channel'], one_line=True)}"
        lines.append(f"watch: {target} could not be read: {printable(failed['error'], one_line=True)}")
    if done.not_reached:
        lines.append(f"watch: {len(done.not_reached)} read(s) left for the next watch: "
                     f"{printable(done.not_reached[0]['why'], one_line=True)}")
    if done.overdue:
        lines.append(f"watch: OVERDUE at PV: {', '.join(done.overdue)}")
    if done.waiting:
        lines.append(f"watch: {len(done.waiting)} item(s) wait for a person (socialpub inbox)")
    else:
        lines.append("watch: nothing needs a person")
    return "\n".join(lines) + "\n"


def coverage_text(rows: list[dict[str, Any]], zone: tzinfo) -> str:
    if not rows:
        return "nothing published yet: nothing to watch\n"
    lines = []
    for row in rows:
        target = f"{printable(row['post'] or '(mentions)', one_line=True)} → {printable(row['channel'], one_line=True)}"
        last = _local(datetime.fromisoformat(row["last_read_at"]), zone) if row["last_read_at"] else "never"
        lines.append(f"{row['state']:<15} {target}  last read {last}, {row['comments_seen']} comment(s) seen"
                     + (f", watched until {_local(datetime.fromisoformat(row['watch_until']), zone)}"
                        if row["watch_until"] else ""))
        if row["state"] in ("review by hand", "not watched") and row["url"]:
            lines.append(f"    review by hand: {printable(row['url'], one_line=True)}")
        for gap in row["gaps"]:
            if gap["kind"] != "unreadable":
                lines.append(f"    gap ({gap['kind']}): {printable(gap['detail'], one_line=True)}")
    return "\n".join(lines) + "\n"


def items_text(items: list[Item], now: datetime, zone: tzinfo) -> str:
    if not items:
        return "the safety inbox is empty: nothing waits for a person\n"
    lines = []
    for it in items:
        overdue = "OVERDUE " if it.overdue(now) else ""
        state = it.state if it.state != "triaged" else f"triaged as {it.triaged_as}, to forward"
        lines.append(
            f"{it.id}  {overdue}{it.category:<9} {'+'.join(it.elements) or '-':<31} day 0 {_local(it.day0, zone)}  "
            f"due {_due(it.due, zone)}  {printable(it.post_id or '(mention)', one_line=True)} → "
            f"{printable(it.channel, one_line=True)}  {state}  sha256:{it.text_sha256[:12]}"
        )
    return "\n".join(lines) + "\n"


def items_json(items: list[Item], now: datetime) -> str:
    return envelope("inbox", items=[it.to_dict(now) for it in items])


def marked(text: str, spans: tuple[dict[str, Any], ...] | list[dict[str, Any]]) -> str:
    """The comment with its evidence marked: [words](element) at each span, the rest as written (escaped)."""
    out, at = [], 0
    for span in sorted(spans, key=lambda s: (s["start"], -s["end"])):
        start, end = int(span["start"]), int(span["end"])
        if start < at or not 0 <= start < end <= len(text):
            continue  # overlapping or out of range: the first mark stands
        out.append(printable(text[at:start]))
        out.append(f"[{printable(text[start:end], one_line=True)}]({span['element']})")
        at = end
    out.append(printable(text[at:]))
    return "".join(out)


def show_text(it: Item, comment: StoredComment, now: datetime, zone: tzinfo, *, with_text: bool) -> str:
    lines = [
        f"{it.id}  {it.category}{'  OVERDUE' if it.overdue(now) else ''}  state {it.state}"
        + (f" (as {it.triaged_as} by {printable(it.triaged_by or '', one_line=True)} at {_local(it.triaged_at, zone)})"
           if it.triaged_as else "")
        + (f", forwarded as {printable(it.pv_ref or '', one_line=True)} by "
           f"{printable(it.forwarded_by or '', one_line=True)} at {_local(it.forwarded_at, zone)}"
           if it.pv_ref else ""),
        f"elements: {', '.join(it.elements) or 'none'}" + (f"; special situations: {', '.join(it.situations)}"
                                                             if it.situations else ""),
        f"day 0:    {_local(it.day0, zone)} (platform {_local(comment.platform_at, zone)}, first seen "
        f"{_local(comment.first_seen_at, zone)})",
        f"due:      {_due(it.due, zone)} ({it.due.astimezone(zone).tzname()})",
        f"answers:  {printable(it.post_id or '(a mention of the account)', one_line=True)} on "
        f"{printable(it.channel, one_line=True)}"
        + (f" (post {printable(comment.answers_remote_id, one_line=True)})" if comment.answers_remote_id else ""),
        f"sha256:   {it.text_sha256}" + ("  (deleted on the platform)" if comment.deleted else ""),
    ]
    if comment.held:
        lines.append(f"not public: {HELD.get(comment.held, printable(comment.held, one_line=True))} on the "
                     "platform; only the account sees it")
    if with_text:
        lines.append(f"link:     {printable(comment.url or '-', one_line=True)}")  # an X link names its author
        lines.append(f"author:   {printable(comment.author or '(withheld)', one_line=True)}"
                     + (f" ({printable(comment.author_id, one_line=True)})" if comment.author_id else ""))
        if it.reasons:
            lines.append(f"why:      {printable('; '.join(it.reasons), one_line=True)}")
        lines.append("text, evidence marked [like this](element):")
        lines += ["  " + line for line in marked(comment.text, it.spans).split("\n")]
    else:
        lines.append("text, author and link withheld: stdout is not a terminal (they are health information; "
                     "an X link names the author); run it on a terminal, or add --force-text to print them anyway")
    return "\n".join(lines) + "\n"


# --- the export for PV intake -------------------------------------------------------------------------------

EXPORT_COLUMNS = ("id", "category", "state", "triaged_as", "day0", "due", "platform_url", "author", "author_id",
                  "text", "product", "event", "patient", "reporter", "situations", "post", "channel", "comment_id",
                  "text_sha256", "public")
HELD = {"heldForReview": "held for review", "likelySpam": "held as likely spam"}  # YouTube's moderation statuses


def export_records(pairs: list[tuple[Item, StoredComment]]) -> list[dict[str, Any]]:
    records = []
    for it, comment in pairs:
        records.append({
            "id": it.id, "category": it.category, "state": it.state, "triaged_as": it.triaged_as,
            "day0": iso(it.day0), "due": iso(it.due), "platform_url": comment.url, "author": comment.author,
            "author_id": comment.author_id, "text": comment.text,
            **{element: element in it.elements for element in ("product", "event", "patient", "reporter")},
            "situations": list(it.situations), "post": it.post_id or None, "channel": it.channel,
            "comment_id": it.comment_id, "text_sha256": it.text_sha256,
            "public": not comment.held,  # False: held by the platform, seen by the account only
            "evidence": [{k: s[k] for k in ("element", "start", "end", "label")} for s in it.spans],
        })
    return records


def export_csv(records: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")  # RFC 4180 (see report.history_csv)
    writer.writerow(EXPORT_COLUMNS)
    for record in records:
        writer.writerow([csv_safe(";".join(v) if isinstance(v := record[c], list) else
                                  ("yes" if v is True else "no" if v is False else v)) for c in EXPORT_COLUMNS])
    return buffer.getvalue()


def export_json(records: list[dict[str, Any]]) -> str:
    return envelope("inbox export", items=records)


def write_private(path: Path, text: str) -> None:
    """`text` to `path`, readable by its owner only (0600) from the first byte, or nothing at all: written to a
    new file beside it and renamed over it only when complete (a full disk leaves no half an export). Refused:
    a folder that does not exist (a typo must not leave a new folder of health data behind), a symbolic link,
    and anything that is not a regular file (a folder, a device, a pipe)."""
    import stat
    import tempfile

    def refuse(why: str) -> SocialpubError:
        return SocialpubError(f"cannot write {path}: {why}; nothing was exported",
                              hint="a writable regular file in an existing folder, not a symbolic link")

    if not path.parent.is_dir():
        raise refuse(f"the folder {path.parent} does not exist")
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise refuse(exc.strerror or type(exc).__name__) from None
    if mode is not None and stat.S_ISLNK(mode):
        raise refuse("it is a symbolic link")
    if mode is not None and stat.S_ISDIR(mode):
        raise refuse("it is a directory")
    if mode is not None and not stat.S_ISREG(mode):
        raise refuse("it is not a regular file")
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)  # mode 0600
    except OSError as exc:
        raise refuse(exc.strerror or type(exc).__name__) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise refuse(exc.strerror or type(exc).__name__) from None
