"""`socialpub agenda`: the editorial calendar — what goes out when, where, and what clashes.

The warnings reuse the rules (SP-META-002 approval expiry, SP-META-004 campaign window) so that the
calendar and `check` never disagree; collisions (two posts on one channel closer than
`[defaults] min_gap`) are the calendar's own.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from socialpub.disseminations import exported_states
from socialpub.posts import load_posts
from socialpub.rules import evaluate
from socialpub.terminal import printable

if TYPE_CHECKING:
    from socialpub.config import Config
    from socialpub.ledger import Ledger
    from socialpub.posts import Post


@dataclass
class Entry:
    post: Post
    channel: str
    kind: str
    at: datetime
    state: str  # scheduled | published | failed | missed | … (from the ledger), or "scheduled"/"due"
    url: str | None = None
    warnings: list[str] = field(default_factory=list)
    form_2253: str | None = None  # a promotional post: exported, pending or not-disseminated (status's meaning)

    def to_dict(self, zone: Any) -> dict[str, Any]:
        return {
            "post": self.post.id,
            "title": self.post.title,
            "channel": self.channel,
            "kind": self.kind,
            "at": self.at.astimezone(UTC).isoformat(timespec="minutes"),
            "local": self.at.astimezone(zone).isoformat(timespec="minutes"),
            "state": self.state,
            "url": self.url,
            "campaign": self.post.campaign,
            "file": self.post.file,
            "warnings": self.warnings,
            "form_2253": self.form_2253,
        }


@dataclass
class Agenda:
    start: date
    end: date
    entries: list[Entry]
    campaigns: list[dict[str, Any]]
    unscheduled: int

    @property
    def warnings(self) -> int:
        return sum(len(e.warnings) for e in self.entries)


def build_agenda(config: Config, *, start: date, days: int, ledger: Ledger | None = None,
                 now: datetime | None = None) -> Agenda:
    """Every (post, channel) whose publish_at falls in [start, start + days) in the configured zone."""
    zone = config.defaults.timezone
    end = start + timedelta(days=days - 1)
    now = now or datetime.now(UTC)
    loaded = load_posts(config)
    rows = {(r.post_id, r.channel): r for r in ledger.rows()} if ledger is not None else {}
    exported = exported_states(ledger) if ledger is not None else {}
    entries: list[Entry] = []
    unscheduled = 0
    for post in loaded.posts:
        if post.publish_at is None:
            unscheduled += 1
            continue
        local_day = post.publish_at.astimezone(zone).date()
        if not start <= local_day <= end:
            continue
        rule_warnings = _rule_warnings(post, config)
        for channel in post.channels:
            row = rows.get((post.id, channel))
            state = row.state if row else ("due" if post.publish_at <= now else "scheduled")
            entries.append(Entry(post, channel, config.channels[channel].kind, post.publish_at, state,
                                 row.url if row else None, list(rule_warnings),
                                 exported.get((post.id, channel), "not-disseminated") if post.promotional else None))
    entries.sort(key=lambda e: (e.at, e.channel, e.post.id))
    _mark_collisions(entries, config.defaults.min_gap)
    campaigns = [
        {"name": c.name, "start": c.start.isoformat(), "end": c.end.isoformat()}
        for c in sorted(config.compliance.campaigns.values(), key=lambda c: c.start)
        if c.start <= end and c.end >= start
    ]
    return Agenda(start, end, entries, campaigns, unscheduled)


def _rule_warnings(post: Post, config: Config) -> list[str]:
    findings = evaluate(post, [], config.compliance, at=post.publish_at, timezone=config.defaults.timezone,
                        only=("SP-META-002", "SP-META-003", "SP-META-004"))
    return [f"{f.rule} {f.message}" for f in findings if not f.suppressed]


def _mark_collisions(entries: list[Entry], gap: timedelta) -> None:
    if gap <= timedelta(0):
        return
    by_channel: dict[str, list[Entry]] = {}
    for entry in entries:
        by_channel.setdefault(entry.channel, []).append(entry)
    for channel_entries in by_channel.values():
        for before, after in zip(channel_entries, channel_entries[1:], strict=False):
            apart = after.at - before.at
            if apart < gap:
                minutes = int(apart.total_seconds() // 60)
                after.warnings.append(
                    f"collision: {minutes} min after {before.post.id} on {after.channel} (min_gap {_span(gap)})"
                )


def _span(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60}h{minutes % 60:02d}m" if minutes >= 60 else f"{minutes}m"


def agenda_json(agenda: Agenda, zone: Any) -> str:
    from socialpub.report import envelope

    return envelope(
        "agenda",
        **{"from": agenda.start.isoformat()},  # a keyword of Python
        to=agenda.end.isoformat(),
        timezone=getattr(zone, "key", str(zone)),
        campaigns=agenda.campaigns,
        entries=[e.to_dict(zone) for e in agenda.entries],
        unscheduled=agenda.unscheduled,
        warnings=agenda.warnings,
    )


def agenda_text(agenda: Agenda, zone: Any) -> str:
    lines = [f"Agenda {agenda.start} to {agenda.end} ({getattr(zone, 'key', zone)})"]
    for c in agenda.campaigns:
        lines.append(f"  campaign {c['name']}: {c['start']} to {c['end']}")
    day: date | None = None
    for e in agenda.entries:
        local = e.at.astimezone(zone)
        if local.date() != day:
            day = local.date()
            active = [c["name"] for c in agenda.campaigns if c["start"] <= day.isoformat() <= c["end"]]
            lines.append("")
            lines.append(f"{day:%a %Y-%m-%d}" + (f"  [{', '.join(active)}]" if active else ""))
        detail = f"  {printable(e.url, one_line=True)}" if e.url else ""
        clock = local.isoformat(timespec="minutes")[11:]  # 09:00-04:00: the offset says which 01:30 is meant
        piece = f" [2253: {e.form_2253}]" if e.form_2253 else ""
        lines.append(f"  {clock}  {e.channel:<24} {printable(e.post.id, one_line=True)}  ({e.state}){piece}{detail}")
        for warning in e.warnings:
            lines.append(f"               ! {warning}")
    if not agenda.entries:
        lines.append("")
        lines.append("nothing scheduled in this period")
    lines.append("")
    lines.append(f"{len(agenda.entries)} scheduled, {agenda.warnings} warning(s), "
                 f"{agenda.unscheduled} post(s) without publish_at")
    return printable("\n".join(lines) + "\n")  # ids, titles and URLs come from post files


# --- iCalendar (RFC 5545) ---------------------------------------------------------------------------


def _ics_text(value: str) -> str:
    """TEXT escaping of RFC 5545 §3.3.11."""
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r\n", "\\n").replace(
        "\n", "\\n").replace("\r", "\\n")


def _fold(line: str) -> str:
    """Lines longer than 75 octets are folded (RFC 5545 §3.1), never inside a UTF-8 sequence."""
    out: list[str] = []
    current = ""
    size = 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > (75 if not out else 74):
            out.append(current)
            current, size = "", 0
        current += char
        size += width
    out.append(current)
    return "\r\n ".join(out)


def agenda_ics(agenda: Agenda, zone: Any, *, stamp: datetime | None = None) -> str:
    """One VEVENT per (post, channel) at its UTC time, plus all-day events for campaign windows."""
    stamp_text = (stamp or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//socialpub//editorial calendar//EN", "CALSCALE:GREGORIAN",
             f"X-WR-CALNAME:{_ics_text('socialpub agenda')}", f"X-WR-TIMEZONE:{getattr(zone, 'key', 'UTC')}"]
    for e in agenda.entries:
        uid = hashlib.sha256(f"{e.post.id}\x1f{e.channel}".encode()).hexdigest()[:24]
        start = e.at.astimezone(UTC)
        description = [f"Post: {e.post.id} ({e.post.file})", f"Channel: {e.channel} ({e.kind})", f"State: {e.state}"]
        if e.post.approval_code:
            description.append(f"Approval: {e.post.approval_code}")
        description += [f"Warning: {w}" for w in e.warnings]
        lines += [
            "BEGIN:VEVENT",
            f"UID:{uid}@socialpub",
            f"DTSTAMP:{stamp_text}",
            f"DTSTART:{start:%Y%m%dT%H%M%SZ}",
            f"DTEND:{start + timedelta(minutes=15):%Y%m%dT%H%M%SZ}",
            f"SUMMARY:{_ics_text(f'{e.channel}: {e.post.title or e.post.id}')}",
            f"DESCRIPTION:{_ics_text(chr(10).join(description))}",
            f"CATEGORIES:{_ics_text(e.kind)}",
        ]
        if e.url:
            lines.append(f"URL:{e.url}")
        lines.append("END:VEVENT")
    for c in agenda.campaigns:
        end = date.fromisoformat(c["end"]) + timedelta(days=1)  # DTEND of an all-day event is exclusive
        lines += [
            "BEGIN:VEVENT",
            f"UID:campaign-{hashlib.sha256(c['name'].encode()).hexdigest()[:16]}@socialpub",
            f"DTSTAMP:{stamp_text}",
            f"DTSTART;VALUE=DATE:{date.fromisoformat(c['start']):%Y%m%d}",
            f"DTEND;VALUE=DATE:{end:%Y%m%d}",
            f"SUMMARY:{_ics_text('Campaign: ' + c['name'])}",
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
