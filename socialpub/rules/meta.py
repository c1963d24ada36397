"""SP-META-001..008: the post's paperwork — approval code and age, campaign window, links, alt text, Form
FDA 2253, and whether the content is still what was approved. How each decides: docs/rules.md.

Times: `ctx.at` is when the post goes out (`--at`, else its `publish_at`, else now). Calendar judgements
(approval month, campaign days, the expiry warning window) are made in whole days of `[defaults].timezone`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo
from functools import lru_cache
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from socialpub.hashing import content_hash, same_content
from socialpub.rules import text as T
from socialpub.rules.engine import Context, Hit, rule
from socialpub.tomlsource import PLAUSIBLE_YEARS, Source

if TYPE_CHECKING:
    from socialpub.config import CodeRegex

# --- approval code (META-001/002/003) -------------------------------------------------------------


@dataclass(frozen=True)
class Approval:
    """An approval code read with `[compliance.approval] code_regex`."""

    code: str  # as written in the post
    matched: bool
    start: datetime | None = None  # first day of the approval month, 00:00 in the configured zone
    expires: datetime | None = None  # start + max_age_months
    problem: str | None = None  # the code matches, but its month/year is not a date


def _zone(ctx: Context) -> tzinfo:
    return ctx.timezone if isinstance(ctx.timezone, tzinfo) else UTC


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    total = year * 12 + (month - 1) + months
    return total // 12, total % 12 + 1


def approval_of(ctx: Context) -> Approval | None:
    """The post's approval code, parsed once per post (None when it has none)."""
    memo = ctx.memo
    if "meta.approval" in memo:
        return memo["meta.approval"]  # type: ignore[return-value]
    found = memo["meta.approval"] = _approval_of(ctx)
    return found


def _approval_of(ctx: Context) -> Approval | None:
    code = ctx.post.approval_code
    if code is None or not code.strip():
        return None
    key = (code, ctx.compliance.max_age_months, _zone(ctx))
    approvals = ctx.compliance.cache.approvals
    if key in approvals:
        return approvals[key]
    groups = _date_groups(ctx.compliance.code_regex, code.strip())
    approval = None
    if groups is not None:
        month_text, year_text = groups
        # A regex without month/yy groups says nothing about the approval date: META-002/003 cannot judge.
        # isdecimal, not isdigit: int() refuses "²", which isdigit() accepts.
        if month_text and year_text and month_text.isdecimal() and year_text.isdecimal():
            # Longer numbers are no month or year (and int() refuses 4,301 digits and more).
            month = int(month_text) if len(month_text) <= 4 else 0
            year = -1 if len(year_text) > 4 else int(year_text) if len(year_text) == 4 else 2000 + int(year_text)
            if not 1 <= month <= 12:
                approval = Approval(code, True, problem=f"month {month_text} is not a month (1-12)")
            elif year not in PLAUSIBLE_YEARS:  # "6/0001", "6/9999": no approval date, and no expiry in range
                approval = Approval(code, True, problem=f"year {year_text} is not a year from "
                                    f"{PLAUSIBLE_YEARS.start} to {PLAUSIBLE_YEARS.stop - 1}")
            else:
                start, expires = _validity(ctx, year, month)
                approval = Approval(code, True, start, expires)
    if approval is None:
        approval = Approval(code, matched=groups is not None)
    approvals[key] = approval
    return approval


def _date_groups(code_regex: CodeRegex, code: str) -> tuple[str | None, str | None] | None:
    """The groups month and yy of the code regex's match in `code` (None for a group the regex lacks or the
    match left out), None when it does not match (`search`, not `fullmatch`: the configured regex says itself
    whether it is anchored).

    The pattern matches UTF-8 bytes (`CodeRegex`: RE2, or `re` for the built-in pattern). Given the code's bytes,
    the re2 module hands the match over as it is; given a str, it first converts every offset between bytes and
    characters, which costs twice the match itself (a code per post). A group's bytes always decode: RE2 reading
    UTF-8 matches whole characters, and the built-in pattern's groups are ASCII digits."""
    data = code.encode("utf-8")
    match = code_regex.compiled.search(data)
    if match is None:
        return None
    # span() hands over RE2's offsets as they are; group(), groups() and groupdict() go through a slower path
    month = None if code_regex.month is None else match.span(code_regex.month)
    yy = None if code_regex.yy is None else match.span(code_regex.yy)
    return (None if month is None or month[0] < 0 else data[month[0] : month[1]].decode("utf-8"),
            None if yy is None or yy[0] < 0 else data[yy[0] : yy[1]].decode("utf-8"))


def _validity(ctx: Context, year: int, month: int) -> tuple[datetime, datetime]:
    """The first day of an approval month and of the month it expires, 00:00 in the configured zone (many
    approval codes share a month)."""
    zone = _zone(ctx)
    key = (year, month, ctx.compliance.max_age_months, zone)
    months = ctx.compliance.cache.approval_months
    found = months.get(key)
    if found is None:
        end_year, end_month = _add_months(year, month, ctx.compliance.max_age_months)
        found = months[key] = (datetime(year, month, 1, tzinfo=zone), datetime(end_year, end_month, 1, tzinfo=zone))
    return found


def _timing(ctx: Context) -> str | None:
    """Where the post's time falls in its approval's validity: "before" its month, "after" its expiry, or
    "within"; None unless both are known (SP-META-002/003 cannot judge). Worked out once per post: both rules
    ask it first, as their precondition."""
    memo = ctx.memo
    if "meta.timing" in memo:
        return memo["meta.timing"]  # type: ignore[return-value]
    approval = approval_of(ctx)
    found = None
    if ctx.at is not None and approval is not None and approval.start is not None and approval.expires is not None:
        found = "before" if ctx.at < approval.start else "after" if ctx.at >= approval.expires else "within"
    memo["meta.timing"] = found
    return found


def _code_source(ctx: Context) -> Source:
    return Source(ctx.post.file, ctx.post.line("approval_code"))


def _local(moment: datetime, zone: tzinfo) -> datetime:
    """`moment` in the configured zone; at the calendar's very ends (year 1, year 9999: a library caller's
    `at`) the zone's offset would leave the calendar, and UTC's day is as good an answer."""
    try:
        return moment.astimezone(zone)
    except OverflowError:
        return moment.astimezone(UTC)


def _when(moment: datetime, zone: tzinfo) -> str:
    return _local(moment, zone).strftime("%Y-%m-%d %H:%M %Z").strip()


def _day(moment: datetime) -> str:
    return moment.date().isoformat()


def _normalise(text: str) -> str:
    return " ".join(text.split()).casefold()


@rule(
    "SP-META-001", "approval-code", "error", scope="post", suppressible=False, principle="P1",
    summary="Approval code missing, malformed or not approved.",
    help="Set approval_code to the MLR approval code exactly as it is printed (see [compliance.approval] "
    "code_regex) and approval_status = \"approved\" once MLR has approved the post.",
)
def approval_code(ctx: Context) -> Iterable[Hit]:
    post = ctx.post
    approval = approval_of(ctx)
    if approval is None:
        yield Hit(
            "no approval_code: every post needs its MLR approval code before it is published",
            line=post.line("approval_code"),
        )
    elif not approval.matched:
        yield Hit(
            f"approval_code '{approval.code}' does not match [compliance.approval] code_regex "
            f"({ctx.compliance.code_regex.pattern})",
            excerpt=approval.code,
            source=_code_source(ctx),
            hint="copy the code exactly as MLR issued it (spacing and 'Last Updated M/YY' included)",
        )
    elif approval.problem:
        yield Hit(
            f"approval_code '{approval.code}' is malformed: {approval.problem}",
            excerpt=approval.code,
            source=_code_source(ctx),
        )

    status = post.approval_status
    if status is None or not status.strip():
        yield Hit(
            "no approval_status: the post is publishable only with approval_status = \"approved\"",
            line=post.line("approval_status") if status is not None else post.line("approval_code"),
        )
    elif status.strip().casefold() != "approved":
        yield Hit(
            f"approval_status is '{status}', not 'approved': MLR has not approved this post",
            excerpt=status,
            source=Source(post.file, post.line("approval_status")),
            hint="publish only after MLR approval; then set approval_status = \"approved\"",
        )

    # Optional: channels (names or kinds) where the code must also be printed in the visible text.
    wanted = ctx.compliance.code_in_body
    if approval is None or not wanted:
        return
    needle = _normalise(approval.code)
    for r in ctx.all_renders:
        if r.channel.name not in wanted and r.kind not in wanted:
            continue
        visible = [r.title or "", *(p.text for p in r.parts)]
        if any(needle in _normalise(t) for t in visible):
            continue
        yield Hit(
            f"approval code '{approval.code.strip()}' does not appear in the visible text of channel "
            f"{r.channel.name} ([compliance.approval] code_in_body lists it)",
            source=r.parts[0].source if r.parts else None,
            hint=f"add the approval code to the text {r.channel.name} receives "
            "(e.g. at the end of the description)",
        )


@rule(
    "SP-META-002", "approval-expired", "error", scope="post", suppressible=False, principle="P1",
    summary="Approval expired or future-dated at publish time.",
    help="Get the post re-approved (a new approval code), or publish it within the approval's validity.",
    when=lambda ctx: _timing(ctx) in ("before", "after"),
)
def approval_expired(ctx: Context) -> Iterable[Hit]:
    approval = approval_of(ctx)
    if ctx.at is None or approval is None or approval.start is None or approval.expires is None:
        return
    zone = _zone(ctx)
    if _timing(ctx) == "before":
        yield Hit(
            f"approval '{approval.code.strip()}' dates from {_day(approval.start)}, after the post goes out "
            f"({_when(ctx.at, zone)}): an approval cannot be future-dated",
            excerpt=approval.code,
            source=_code_source(ctx),
            hint="check the approval code's month/year and the publish time",
        )
    elif _timing(ctx) == "after":
        yield Hit(
            f"approval '{approval.code.strip()}' of {_day(approval.start)} expired on "
            f"{_day(approval.expires)} ({ctx.compliance.max_age_months} months); the post goes out "
            f"{_when(ctx.at, zone)}",
            excerpt=approval.code,
            source=_code_source(ctx),
        )


@rule(
    "SP-META-003", "approval-expiring", "warning", scope="post", principle="P1",
    summary="Approval expires soon after publish time.",
    help="Start the re-approval now, so that the post (and any re-use of it) stays covered.",
    when=lambda ctx: _timing(ctx) == "within",  # else SP-META-002, or nothing to judge
)
def approval_expiring(ctx: Context) -> Iterable[Hit]:
    approval = approval_of(ctx)
    if ctx.at is None or approval is None or approval.expires is None or _timing(ctx) != "within":
        return
    zone = _zone(ctx)
    # Whole days in the configured zone: the window opens at 00:00 local, N days before the expiry day.
    days = ctx.compliance.warn_within_days
    expiry_day = approval.expires.date()
    key = (expiry_day, days, zone)  # approvals expire on few distinct days
    opens = ctx.compliance.cache.warning_opens.get(key)
    if opens is None:
        opens = ctx.compliance.cache.warning_opens[key] = datetime.combine(expiry_day - timedelta(days=days), time(),
                                                                           tzinfo=zone)
    if ctx.at >= opens:
        left = (approval.expires.date() - _local(ctx.at, zone).date()).days
        yield Hit(
            f"approval '{approval.code.strip()}' expires on {_day(approval.expires)}, {left} day(s) after "
            f"the post goes out ({_when(ctx.at, zone)}; warning within {days} days)",
            excerpt=approval.code,
            source=_code_source(ctx),
        )


# --- campaign window (META-004) -------------------------------------------------------------------


@rule(
    "SP-META-004", "outside-campaign", "error", scope="post", principle="P1",
    summary="Publish time outside the campaign window.",
    help="Move publish_at into the campaign's days, or change the campaign (or its window in channels.toml).",
    when=lambda ctx: ctx.at is not None and ctx.post.campaign is not None,
)
def outside_campaign(ctx: Context) -> Iterable[Hit]:
    post = ctx.post
    # An unknown campaign is SP-FILE-002 (the loader sets campaign to None), and only that.
    if ctx.at is None or post.campaign is None:
        return
    campaign = ctx.compliance.campaigns.get(post.campaign)
    if campaign is None:
        return
    zone = _zone(ctx)
    day = _local(ctx.at, zone).date()  # whole days in [defaults].timezone, both ends included
    if campaign.start <= day <= campaign.end:
        return
    side = "before it starts" if day < campaign.start else "after it ends"
    own_time = post.publish_at is not None and ctx.at == post.publish_at
    yield Hit(
        f"the post goes out {_when(ctx.at, zone)} ({day.isoformat()}), {side}: campaign '{campaign.name}' "
        f"runs {campaign.start.isoformat()} to {campaign.end.isoformat()} ({getattr(zone, 'key', zone)})",
        line=post.line("publish_at") if own_time else post.line("campaign"),
    )


# --- links (META-005) -----------------------------------------------------------------------------

# Well-known URL shorteners: they hide where a reader is taken, so they are refused even when
# `allow_hosts` is empty. `deny_hosts` extends this list; an exact `allow_hosts` entry overrides it.
SHORTENERS = (
    "bit.ly", "bitly.com", "bit.do", "ow.ly", "tinyurl.com", "goo.gl", "t.co", "buff.ly", "is.gd", "v.gd",
    "tiny.cc", "t.ly", "rebrand.ly", "cutt.ly", "shorturl.at", "rb.gy", "lnkd.in", "dlvr.it", "trib.al",
    "s.id", "tr.im",
)
# A scheme-less "word.ext" whose ending is a file extension is a file name, not a link ("photo.jpg").
_FILE_ENDINGS = frozenset(
    "jpg jpeg png gif webp heic heif tif tiff bmp svg avif mp4 m4v mov webm avi mkv wmv mp3 wav pdf doc docx "
    "xls xlsx ppt pptx txt csv json js html htm zip exe".split()
)
_SCHEME = T.lazy(r"^[a-z][a-z0-9+.\-]*://", re.IGNORECASE)


def _under(host: str, domain: str) -> bool:
    """`host` is `domain` or one of its subdomains."""
    return host == domain or host.endswith("." + domain)


def _allowed(host: str, allow: tuple[str, ...]) -> bool:
    # An entry allows its own subdomains, and "www.example.com" also allows "example.com" (the same site).
    for entry in allow:
        if _under(host, entry):
            return True
        if entry.startswith("www.") and host == entry[4:]:
            return True
    return False


def link_problems(url: str, ctx: Context) -> list[str]:
    """Why a URL may not be posted (empty list: it may)."""
    compliance = ctx.compliance
    host = T.host(url)
    reasons = []
    if not host:
        return [f"cannot tell the host of link {url}"]
    denied = next((d for d in compliance.deny_hosts if _under(host, d)), None)
    shortener = next((s for s in SHORTENERS if _under(host, s)), None)
    if denied and shortener:
        reasons.append(f"{host} is a URL shortener (on [compliance.links] deny_hosts): it hides where the "
                       "reader is taken")
    elif denied:
        via = f" ({denied})" if denied != host else ""
        reasons.append(f"{host} is on [compliance.links] deny_hosts{via}")
    elif shortener and host not in compliance.allow_hosts:
        reasons.append(f"{host} is a URL shortener: it hides where the reader is taken")
    elif compliance.allow_hosts and not _allowed(host, compliance.allow_hosts):
        reasons.append(f"{host} is not in [compliance.links] allow_hosts")
    if compliance.require_https and url.lower().startswith("http://"):
        reasons.append("it uses http:, not https: ([compliance.links] require_https)")
    return reasons


def _is_file_name(url: str) -> bool:
    if _SCHEME.match(url) or "/" in url:
        return False
    return url.rsplit(".", 1)[-1].lower() in _FILE_ENDINGS


@rule(
    "SP-META-005", "link-not-allowed", "error", principle="P1, P3",
    summary="Link host not allow-listed, or a URL shortener.",
    help="Link directly to an approved page (full https:// URL on an allow-listed host); add a host to "
    "[compliance.links] allow_hosts only after review.",
)
def link_not_allowed(ctx: Context) -> Iterable[Hit]:
    seen: set[str] = set()
    verdicts = ctx.compliance.cache.link_verdicts  # url -> reasons, once per configuration
    for unit in ctx.units():
        for f in unit.fields:
            if f.name == "alt":
                continue  # alt text is read aloud, never followed as a link
            for url in f.facts.urls:
                if url in seen:
                    continue
                seen.add(url)
                reasons = verdicts.get(url)
                if reasons is None:
                    reasons = verdicts[url] = () if _is_file_name(url) else tuple(link_problems(url, ctx))
                if reasons:
                    yield Hit(f"link {url}: " + "; ".join(reasons), excerpt=url, source=f.source)


# --- alt text (META-006) --------------------------------------------------------------------------

_MIN_ALT = 10
_MEDIA_SUFFIX = T.lazy(
    r"\.(?:jpe?g|png|gif|webp|heic|heif|tiff?|bmp|svg|avif|mp4|m4v|mov|webm|avi|mkv|wmv)$", re.IGNORECASE
)
# One token with a digit, underscore, path separator or 2+ hyphens: "DSC0001", "IMG_2041", "team-pic-final".
_TOKEN_NAME = T.lazy(r"^\S*(?:[\d_/\\]|-\S*-)\S*$")
_PLACEHOLDERS = frozenset(
    ("image", "photo", "picture", "pic", "img", "graphic", "video", "placeholder", "alt", "alt text",
     "untitled", "screenshot", "thumbnail", "logo", "todo", "tbd", "image description", "description",
     "alt text here", "insert alt text", "no alt text")
)


@lru_cache(maxsize=4096)  # the same image and alt text usually go to several channels
def alt_problem(alt: str | None, path: str, limit: int | None) -> str | None:
    """Why an alt text is unusable (None: it is fine)."""
    text = (alt or "").strip()
    if not text:
        return "has no alt text"
    stem = PurePosixPath(path).stem.casefold()
    name = PurePosixPath(path).name.casefold()
    if (
        _MEDIA_SUFFIX.search(text)
        or _TOKEN_NAME.match(text)
        or text.casefold() in (stem, name, path.casefold())
    ):
        return f"has alt text '{text}', which looks like a file name, not a description"
    if re.sub(r"[^\w ]+", "", text).strip().casefold() in _PLACEHOLDERS:
        return f"has the placeholder alt text '{text}'"
    if len(text) < _MIN_ALT:
        return f"has alt text '{text}' of {len(text)} characters (at least {_MIN_ALT} describe an image)"
    if limit is not None and len(alt or "") > limit:
        return f"has alt text of {len(alt or ''):,} characters; the channel takes at most {limit:,}"
    return None


@rule(
    "SP-META-006", "alt-text", "error", principle="P2",
    summary="Missing or unusable alt text.",
    help="Describe what the image or video shows in a sentence, e.g. alt = \"Collage of hand-written signs "
    "that say strength\" (WCAG 1.1.1).",
    when=lambda ctx: bool(ctx.rendered.media),  # type: ignore[union-attr]
)
def alt_text(ctx: Context) -> Iterable[Hit]:
    assert ctx.rendered is not None
    r = ctx.rendered
    # Thumbnails/cover images take no alt text on the platforms, so only the media items are judged.
    for media in r.media:
        if media.problem is not None:
            continue  # a missing or unreadable file is SP-FILE-002, and only that
        problem = alt_problem(media.alt, media.path, r.alt_limit)
        if problem:
            yield Hit(f"{media.path} {problem}", excerpt=(media.alt or "").strip() or None, line=media.line)


# --- Form FDA 2253 (META-007) ---------------------------------------------------------------------


@rule(
    "SP-META-007", "form-2253", "warning", scope="post", principle="P1",
    summary="Branded post not flagged for Form FDA 2253.",
    help="Set form_2253 = true once the post is listed for its Form FDA 2253 submission.",
    when=lambda ctx: ctx.post.post_type == "branded" and not ctx.post.form_2253,
)
def form_2253(ctx: Context) -> Iterable[Hit]:
    post = ctx.post
    if post.post_type == "branded" and not post.form_2253:
        where = "form_2253" if post.doc and ("form_2253",) in post.doc.lines else "post_type"
        yield Hit(
            "branded post without form_2253 = true: promotional posts must be submitted to FDA on Form 2253 "
            "when first published",
            line=post.line(where),
        )


# --- content hash (META-008) ----------------------------------------------------------------------


@rule(
    "SP-META-008", "changed-since-approval", "error", scope="post", suppressible=False, principle="P1",
    summary="Content changed since it was approved (approved_sha256 no longer matches).",
    help="Have the changed post re-approved, then record its new hash (`socialpub hash POST`) in "
    "approved_sha256.",
    when=lambda ctx: bool(ctx.post.approved_sha256),
)
def changed_since_approval(ctx: Context) -> Iterable[Hit]:
    approved = ctx.post.approved_sha256
    if not approved:
        return
    if not same_content(approved, ctx.all_renders, ctx.compliance.limits):
        current = content_hash(ctx.all_renders)
        yield Hit(
            f"content changed since approval: its hash is now {current[:12]}…, approved_sha256 is "
            f"{approved[:12]}… (the hash covers every channel's text, title, link, board and media bytes)",
            line=ctx.post.line("approved_sha256"),
            hint="get the changed post re-approved, then set approved_sha256 to the hash that "
            "`socialpub hash POST` prints; or undo the change",
        )
