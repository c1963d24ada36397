"""The adapter seam: one class per platform, loaded on demand through one explicit registry (`KINDS`).

Everything socialpub knows about a platform is on its adapter class: what it is called, what a unit of it is
called, its limits and their config keys, its channel and credential keys, how the HTML preview draws it, its
simulator in `socialpub/sandbox/`, its consent flow, and what it can do (the `can_*` flags, which callers read
instead of trying a method). `render()` is pure and offline (check, preview and dry runs use it); `publish`,
`find`, `delete` and `verify` talk to the platform and import their SDK only when called.
"""

from __future__ import annotations

import importlib
import re
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from socialpub.errors import ConfigError, CredentialsError, PlatformError, PostError, SocialpubError
from socialpub.media import Media, kind_by_name
from socialpub.redact import guard_loggers
from socialpub.tomlsource import Key

if TYPE_CHECKING:
    from socialpub.config import Channel
    from socialpub.http import RateState
    from socialpub.posts import Fields, Post, Source
    from socialpub.sandbox import Platform

# The registry: kind -> "module:Class" of its adapter, imported on first use. Adding a platform means its adapter
# module, its simulator module and one line here (docs/architecture.md, "Adding a network").
KINDS: dict[str, str] = {
    "twitter": "socialpub.adapters.twitter:TwitterAdapter",
    "facebook": "socialpub.adapters.facebook:FacebookAdapter",
    "youtube": "socialpub.adapters.youtube:YouTubeAdapter",
    "pinterest": "socialpub.adapters.pinterest:PinterestAdapter",
}

# Keys every override table ([twitter], [az-us-twitter]) may set; each kind adds its own.
COMMON_OVERRIDE_KEYS: dict[str, Key] = {
    "text": Key(str),
    "title": Key(str),
    "link": Key(str),
    "media": Key(list),
}


@cache
def adapter_class(kind: str) -> type[Adapter]:
    """The adapter class of a kind, imported on first use."""
    try:
        target = KINDS[kind]
    except KeyError:
        raise ConfigError(f"unknown channel kind '{kind}'", hint=f"one of: {', '.join(KINDS)}") from None
    return load(target)  # type: ignore[no-any-return]


def load(target: str) -> Any:
    """What a "module:name" reference names, its module imported now (the registry's lazy references)."""
    module_name, _, name = target.partition(":")
    return getattr(importlib.import_module(module_name), name)


def adapter_for(
    channel: Channel, limits: dict[str, dict[str, int]] | None = None, environ: Mapping[str, str] | None = None
) -> Adapter:
    return adapter_class(channel.kind)(channel, limits=(limits or {}).get(channel.kind, {}), environ=environ)


@dataclass(frozen=True, slots=True)
class Part:
    """One unit the platform receives as a whole and the rules check on its own (a tweet of a thread)."""

    text: str
    source: Source
    media: tuple[Media, ...] = ()
    length: int = 0  # as the platform counts it (X: weighted length)


@dataclass(frozen=True, slots=True)
class Measure:
    """A length against its limit, for the preview and SP-CHANNEL-001."""

    what: str
    count: int
    limit: int
    unit: str = "characters"
    source: Source | None = None

    @property
    def over(self) -> bool:
        return self.count > self.limit


@dataclass(frozen=True, slots=True)
class Rendered:
    """What one channel would receive for one post."""

    post: Post
    channel: Channel
    kind: str
    parts: tuple[Part, ...]
    title: str | None = None
    title_source: Source | None = None
    link: str | None = None
    link_source: Source | None = None
    media: tuple[Media, ...] = ()
    thumbnail: Media | None = None
    board: str | None = None
    board_id: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    measures: tuple[Measure, ...] = ()
    media_issues: tuple[str, ...] = ()  # for SP-CHANNEL-002
    text_issues: tuple[str, ...] = ()  # other things the platform refuses in the text (SP-CHANNEL-001)
    problems: tuple[PostError, ...] = ()  # SP-FILE-002 found while rendering (e.g. an unknown board)
    fold: int | None = None  # characters shown before "more"; None: everything is shown
    alt_limit: int | None = None

    @property
    def text(self) -> str:
        return self.parts[0].text if self.parts else ""

    @property
    def platform(self) -> type[Adapter]:
        """The adapter class of this channel's kind: what the platform is (its unit, long form, card…)."""
        return adapter_class(self.kind)


class Issue(str):
    """Something the platform would refuse (SP-CHANNEL-001/002), with the hint that fits it."""

    hint: str | None

    def __new__(cls, message: str, hint: str | None = None) -> Issue:
        issue = super().__new__(cls, message)
        issue.hint = hint
        return issue


@dataclass(frozen=True, slots=True)
class Comment:
    """A reply, comment or mention someone made on or about one of our posts, as the platform gave it.

    Comments are health data (a reply may report an adverse event): the text and the author go to the
    inbox only, never into an exception message, a log line or a ledger event."""

    id: str  # the platform's id of the comment/reply/tweet
    text: str  # verbatim
    author: str  # handle or display name as given ("" when withheld)
    author_id: str  # "" when withheld
    created_at: datetime | None  # the platform's time, UTC-aware
    url: str | None  # a link a person can open
    parent_id: str | None = None  # the comment it answers; None for a direct reply/comment to our post
    kind: str = "reply"  # "reply" (X conversation), "comment" (Facebook, YouTube), "mention" (X mention)
    deleted: bool = False  # the platform shows it as removed
    # X: a mention that is a reply in the conversation of one of our watched posts (its first tweet's id):
    # `watch` files it under that post, as the post's own read does, whichever of the two sees it first
    thread: str | None = None
    # The platform holds it from the public (YouTube: "heldForReview", "likelySpam"): only the account sees it
    held: str | None = None


class Stop(str):
    """A gap that lasts only until the read goes on (a rate window used up, a transient failure): the ledger
    keeps one such gap per (post, channel) while it lasts, whatever numbers (seconds, clock times) its text
    holds, not one per watch."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class CommentPage:
    """What one read of one published (post, channel) returned."""

    comments: tuple[Comment, ...]
    cursor: str | None  # the new high-water mark to pass back as `since` next time (None: keep the old one)
    complete: bool  # False when a limit (rate window, page/budget cap) stopped the read: resume from cursor
    gaps: tuple[str, ...] = ()  # what could not be read and why, in words (e.g. X recent search covers 7 days)


@dataclass(frozen=True)
class Receipt:
    """What a platform answered to a publish: enough to find, link and delete the post later."""

    remote_id: str
    url: str | None = None
    published_at: datetime | None = None
    extra_ids: tuple[str, ...] = ()  # later tweets of a thread

    def __post_init__(self) -> None:
        # The ids are how the post is found and deleted later: one that cannot be the platform's (a NUL, a line
        # break, a lone surrogate, blanks around it) is a malformed answer, never stored as something else.
        # The post may have been made all the same: an unknown outcome, reconciled before anything is resent.
        for remote_id in (self.remote_id, *self.extra_ids):
            if not well_formed_id(remote_id):
                raise PlatformError(
                    f"the platform answered with a malformed post id {remote_id!r:.80}",
                    transient=False,
                    maybe_sent=True,
                    hint="look on the platform; once you know, settle it with `socialpub resolve` (nothing is "
                    "sent again before that)",
                )


def well_formed_id(value: object) -> bool:
    """A platform's id as it can be stored, shown and sent back: non-empty printable text, no surrounding blanks."""
    return isinstance(value, str) and value != "" and value.isprintable() and value == value.strip()


class Adapter:
    """One platform. Its facts are class attributes; limits may be overridden in [compliance.limits.KIND]."""

    kind: ClassVar[str]
    label: ClassVar[str]  # the platform's name in messages ("X")
    card_label: ClassVar[str] = ""  # the heading of its preview card, when not `label` ("Facebook Page")
    unit: ClassVar[str] = "post"  # what one item on it is called in messages ("tweet", "video", "pin")
    long_form: ClassVar[bool] = False  # read as a page, not a stream (SP-SAFETY-003 wants the MedWatch statement)
    account_key: ClassVar[str] = "account"  # the channel key that names the account (`socialpub channels`)
    preview_card: ClassVar[str] = "generic"  # its card's layout in the HTML preview (socialpub/html/cards.py)
    sandbox: ClassVar[str] = ""  # "module:Class" of its simulator in socialpub/sandbox/
    # What it can do beyond render, publish and verify: callers ask these flags, never try a method and see.
    can_find: ClassVar[bool] = False  # look for a post among the account's recent ones (reconciliation)
    can_delete: ClassVar[bool] = False  # `socialpub retract`
    can_schedule_natively: ClassVar[bool] = False  # the platform publishes at publish_at (native_schedule)
    can_authorize: ClassVar[bool] = False  # `socialpub auth CHANNEL` runs its consent flow
    # "module:function" of that consent flow; by default the adapter module's `authorize`.
    consent_flow: ClassVar[str] = ""
    limits: ClassVar[dict[str, int]] = {}  # limit -> value; each is a key of [compliance.limits.KIND]
    fold_chars: ClassVar[int | None] = None
    channel_keys: ClassVar[dict[str, Key]] = {}
    credential_keys: ClassVar[frozenset[str]] = frozenset()
    override_keys: ClassVar[dict[str, Key]] = {}
    # The platform may replace the refresh token at each refresh (the old one then fails): refreshes are
    # serialised across processes and hosts, and the new token stored where they all read it.
    rotating_refresh: ClassVar[bool] = False
    # Loggers of its SDK and transport that may write a credential: their records are redacted (guard_logs).
    sdk_loggers: ClassVar[tuple[str, ...]] = ()
    timeout: float  # seconds to wait for an answer; may be set on an instance before its first request
    # How the client waits between polls and resumes (the platform says how long); tests replace it, so
    # that a wait is counted, not spent.
    sleep: Callable[[float], None] = staticmethod(time.sleep)

    def __init__(
        self,
        channel: Channel,
        *,
        limits: dict[str, int] | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.channel = channel
        self.configured_limits = limits or {}
        self._limits = {**self.limits, **self.configured_limits}  # asked for by every render
        self.environ = environ  # where env: references are read (None: the process environment)
        self._secrets: dict[str, str] = {}
        # The ledger's lock for refreshing a rotating token across hosts (set by the Renderer when publishing).
        self.token_lock: Callable[[str], AbstractContextManager[None]] | None = None
        self._refreshing = threading.Lock()
        self._rates: list[RateState] = []  # of the sessions it talks through (rate_wait)
        self.setup()

    def setup(self) -> None:
        """The state of a platform's own client (sessions, tokens of this run), made empty: override it."""

    # --- what the platform is ---

    @classmethod
    def limit_keys(cls) -> tuple[str, ...]:
        """The keys [compliance.limits.KIND] takes for this kind: its limits and the fold."""
        return (*cls.limits, "fold_chars")

    @classmethod
    def shows_link_card(cls, rendered: Rendered) -> bool:
        """Whether the platform shows the post's link as a card of its own (most do), not inside the text."""
        return bool(rendered.link)

    @classmethod
    def simulator(cls) -> type[Platform]:
        """Its simulated platform, imported now."""
        return load(cls.sandbox)  # type: ignore[no-any-return]

    @classmethod
    def authorize(cls, channel: Channel, **options: Any) -> dict[str, str]:
        """Run the platform's consent flow (`socialpub auth`) and return the tokens to store; only when
        `can_authorize`. Options: environ, open_browser, port, on_url(url), timeout (see the flows)."""
        if not cls.can_authorize:
            raise SocialpubError(f"socialpub has no consent flow for {cls.label}")
        flow = load(cls.consent_flow or f"{cls.__module__}:authorize")
        return flow(channel, **options)  # type: ignore[no-any-return]

    def secret(self, key: str) -> str:
        """A credential's value, read from its reference on first use. Never log or show it."""
        if key not in self._secrets:
            ref = self.channel.credentials.get(key)
            if ref is None:
                raise CredentialsError(
                    f"channel {self.channel.name} has no {key}",
                    key=f"channels.{self.channel.name}.{key}",
                    hint=f'add {key} = "env:NAME" to [channels.{self.channel.name}] in channels.toml',
                )
            value = ref.resolve(self.environ)  # type: ignore[arg-type]
            if not _CREDENTIAL.fullmatch(value):
                # It would go into an HTTP header (or a signature of one): refused here, before anything is
                # sent, rather than as an error of the HTTP library (which may quote the value).
                raise CredentialsError(
                    f"the value of {ref} holds characters no credential has (line breaks, control characters "
                    "or non-ASCII letters)",
                    key=f"channels.{self.channel.name}.{key}",
                    hint="copy the value again from the platform's developer console, as one line",
                )
            self._secrets[key] = value
        return self._secrets[key]

    def has_secret(self, key: str) -> bool:
        return key in self.channel.credentials

    def stored(self, key: str) -> str | None:
        """A `file:` credential as it is on disk now (another process may have renewed it), or None when it
        is not a file or cannot be read."""
        ref = self.channel.credentials.get(key)
        if ref is None or ref.scheme != "file":
            return None
        try:
            return ref.resolve(self.environ)  # type: ignore[arg-type]
        except CredentialsError:
            return None

    @contextmanager
    def refresh_lock(self) -> Iterator[None]:
        """Held while a rotating token is refreshed: by one thread, one process (a lock file beside the refresh
        token's file) and one host sharing the ledger (its token lock) at a time. Re-read the stored token
        inside it: whoever held it before may have refreshed already."""
        from socialpub.ledger import file_lock

        with self._refreshing, ExitStack() as stack:
            if self.token_lock is not None:
                stack.enter_context(self.token_lock(f"refresh:{self.channel.name}"))
            ref = self.channel.credentials.get("refresh_token")
            if ref is not None and ref.scheme == "file":
                path = Path(ref.target)
                try:
                    stack.enter_context(file_lock(path.with_name(f".{path.name}.lock")))
                except OSError:  # a read-only secret mount: the new token could not be stored there either
                    pass
            yield

    def paced(self, session: S) -> S:
        """A session of `socialpub.http.make_session`, whose rate-limit headers `rate_wait` is to read."""
        self._rates.append(session.rate)  # type: ignore[attr-defined]
        return session

    def rate_wait(self) -> float | None:
        """Seconds to wait before the next call because a rate-limit window is used up (from the headers
        of the sessions this adapter made, `paced`), or None."""
        waits = [wait for rate in self._rates if (wait := rate.wait())]
        return max(waits) if waits else None

    def read_wait(self) -> float | None:
        """Seconds reading comments waits before its next call (`watch` paces reads with it): `rate_wait`,
        unless the platform tells of limits near their end (Facebook's usage headers)."""
        return self.rate_wait()

    def known_secrets(self) -> list[str]:
        """Every secret read so far, for scrubbing messages before they are shown or stored."""
        return list(self._secrets.values())

    def limit(self, name: str) -> int:
        return self._limits[name]

    @property
    def fold(self) -> int | None:
        return self.configured_limits.get("fold_chars", self.fold_chars)

    def field(self, post: Post, key: str, default: Any = None) -> tuple[Any, Source | None]:
        return post.value(self.channel.name, self.kind, key, default)

    def fields(self, post: Post) -> Fields:
        """`field` for several keys: the post's override tables for this channel are looked up once."""
        return post.fields(self.channel.name, self.kind)

    def render(self, post: Post) -> Rendered:
        """What this channel would receive for `post`: pure and offline (check, preview and dry runs use it)."""
        raise NotImplementedError  # every platform renders

    def rendered(self, post: Post, parts: tuple[Part, ...], **fields: Any) -> Rendered:
        """A `Rendered` of this channel: its post, channel, kind and fold, and the platform's `fields`."""
        return Rendered(post=post, channel=self.channel, kind=self.kind, parts=parts, fold=self.fold, **fields)

    def media_issues(self, media: tuple[Media, ...]) -> list[str]:
        """Media the platform would refuse (counts and types), for SP-CHANNEL-002."""
        if not media:
            return []
        images = sum(1 for m in media if m.kind in ("image", "gif"))
        videos = sum(1 for m in media if m.kind == "video")
        table = f"[{self.kind}] media = [{{ path = \"…\", alt = \"…\" }}]"
        issues = []
        for m in media:
            named = kind_by_name(m.path)
            if m.mime and named and named != m.kind and {named, m.kind} != {"image", "gif"}:
                issues.append(Issue(
                    f"'{m.path}' is a {m.mime} file by its bytes, not the {named} its name says",
                    "replace it with the intended file, or rename it to match what it is",
                ))
        for what, count in (("images", images), ("videos", videos)):
            limit = self._limits[what]
            if count > limit:
                hint = (f"{self.label} takes no {what}: give this channel its own media with {table}" if limit == 0
                        else f"keep at most {limit} for {self.label}, e.g. with {table}")
                issues.append(Issue(f"{count} {what}; {self.label} takes at most {limit}", hint))
        if images and videos:
            issues.append(Issue(f"images and a video together; {self.label} takes one or the other",
                                f"keep either the images or the video for {self.label}, e.g. with {table}"))
        return issues

    # --- the network side: publish and verify every platform has; find and delete when its flag says so ---

    def publish(self, rendered: Rendered, *, gate: Gate | None = None, progress: Progress | None = None) -> Receipt:
        """Make the post. `gate()` is called right before each request that makes (part of) a post and
        raises `Stopped` when none may start (publishing paused, claim lost). `progress(sent, total)` is
        called as the bytes of a streamed media file go out (from 0 to its size)."""
        raise NotImplementedError  # every platform publishes

    def verify(self) -> list[str]:
        """Check the credentials with the platform; the warnings about what will fail later."""
        raise NotImplementedError  # every platform verifies

    def find(self, rendered: Rendered) -> Receipt | None:
        """The account's recent post that is `rendered`, or None. Only when `can_find`."""
        raise self.unable("look for posts on")

    def delete(self, remote_id: str) -> None:
        """Delete a published post. Only when `can_delete`. A post that does not exist is a PlatformError with
        `gone` (or no error); one whose answer was lost is `maybe_sent` (socialpub.status asks again)."""
        raise self.unable("delete posts from")

    # --- what every platform's client shares ---

    def unable(self, what: str) -> PlatformError:
        return PlatformError(f"socialpub cannot {what} {self.label}", transient=False, maybe_sent=False)

    def refused(self, message: str, hint: str) -> PlatformError:
        """Something the platform would refuse, found before sending: permanent, and nothing was sent."""
        return refused(self.label, message, hint)

    def guard_logs(self) -> None:
        """Keep this adapter's secrets out of its SDK's log records (`sdk_loggers`), the tokens it receives
        later in the run included: the filter asks every live adapter for its secrets at each record."""
        _LIVE.add(self)
        guard_loggers(self.sdk_loggers, self.known_secrets(), source=_live_secrets)

    # --- reading replies and comments on what was published (the safety inbox) ---

    can_read_comments: ClassVar[bool] = False  # Pinterest: False (the v5 API has no comments endpoint)
    can_read_mentions: ClassVar[bool] = False  # X only: mentions of the account, not tied to one post
    # Reads spend a daily quota shared with publishing (YouTube): `watch` spreads them ([safety] quota_read_units)
    reads_spend_quota: ClassVar[bool] = False
    units_per_read: ClassVar[int] = 1  # quota units (list calls) a read spends at least (YouTube: 3)

    def read_comments(
        self, remote_id: str, *, extra_ids: tuple[str, ...] = (), published_at: datetime | None, since: str | None,
        now: datetime, budget: int = 100,
    ) -> CommentPage:
        """What people wrote on a published post (and on `extra_ids`, the rest of it) after the high-water mark
        `since` (the cursor of the last page read, complete or not; opaque to callers), at most about `budget`
        comments or requests' worth. A complete page is caught up as of `now`. A comment may come a second time
        in rare cases (a cursor that cannot be read, a read restarted after a platform's page token expired):
        know comments by id. A transient failure after some pages ends the page early (a gap says why); one
        before anything was read, or a permanent one, raises PlatformError, naming comments by id only."""
        raise NotImplementedError(f"reading comments on {self.label} is not available")

    def read_mentions(self, *, since: str | None, now: datetime, budget: int = 100,
                      watched: frozenset[str] = frozenset()) -> CommentPage:
        """Posts that mention the account, after the high-water mark `since`. Those that are replies in the
        conversation of a post of `watched` (its tweets' ids), which `read_comments` reads too, come with
        `thread` set and outside the budget: the budget is the mentions'."""
        raise NotImplementedError(f"reading mentions on {self.label} is not available")


_LIVE: weakref.WeakSet[Adapter] = weakref.WeakSet()  # adapters whose secrets the SDK log filter knows


def _live_secrets() -> list[str]:
    return [s for adapter in list(_LIVE) for s in adapter.known_secrets()]


def refused(label: str, message: str, hint: str) -> PlatformError:
    """Something the platform would refuse, found before sending: permanent, and nothing was sent."""
    return PlatformError(f"{label}: {message}", transient=False, maybe_sent=False, hint=hint)


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 time a platform answered ("…Z", "…+0000"; without an offset: UTC) in UTC, or None for
    anything else (a number, garbage, a time that does not exist in UTC)."""
    if not isinstance(value, str) or not 10 <= len(value) <= 40:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except (ValueError, OverflowError):  # OverflowError: year 1 at +01:00 is before the first UTC day
        return None


S = TypeVar("S")
Gate = Callable[[], None]
Progress = Callable[[int, int], None]  # (bytes of the file sent so far, its size)

_CREDENTIAL = re.compile(r"[\x20-\x7e]+")  # printable ASCII: what HTTP headers carry as they are


# --- reading platform answers: whatever shape they come in, never an exception ----------------------------


def answer_object(value: Any) -> dict[str, Any]:
    """`value` when it is a JSON object, else an empty one (a list, a string, null, a number)."""
    return value if isinstance(value, dict) else {}


def answer_objects(value: Any) -> list[dict[str, Any]]:
    """The objects of a JSON array; nothing when `value` is no array (an object, a string, a number)."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def answer_text(value: Any) -> str:
    """A string or a number (ids come as either) as text; "" for anything else (null, true, objects)."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return ""
    return str(value)


# --- the high-water mark of a read (CommentPage.cursor): opaque to callers, small JSON to the adapters -----

MAX_CURSOR = 64 * 1024  # characters; a longer stored cursor is not one this code wrote


def cursor_of(since: str | None) -> dict[str, Any]:
    """The fields of a cursor an adapter wrote earlier; {} for none, or for one it cannot have written (the
    read then starts afresh: comments may come again, and the inbox knows them by id)."""
    import json

    if not isinstance(since, str) or len(since) > MAX_CURSOR:
        return {}
    try:
        fields = json.loads(since)
    except ValueError:
        return {}
    return fields if isinstance(fields, dict) else {}


def cursor_text(**fields: Any) -> str:
    """A cursor of these fields (those that are None are left out)."""
    import json

    return json.dumps({k: v for k, v in fields.items() if v is not None}, separators=(",", ":"), sort_keys=True)


class TimeMark:
    """The high-water mark of a list read by the comments' times (Facebook, YouTube: no since_id): the newest
    time read, and the ids read in the `overlap` before it. A comment can show up in a platform's list a little
    after its time (replicas catch up): each read goes back `overlap` seconds and leaves out the ids it read."""

    overlap = 300  # seconds
    most = 500  # ids kept; a busier overlap may bring a few comments twice (the inbox knows them by id)

    def __init__(self, value: Any, now: datetime) -> None:
        self.now = int(as_utc(now).timestamp()) + 60  # a time beyond this is a wrong clock, not a comment's
        fields = answer_object(value)
        newest = fields.get("t")
        self.newest: int | None = newest if isinstance(newest, int) and not isinstance(newest, bool) else None
        seen = answer_object(fields.get("seen"))
        self.seen = {k: v for k, v in seen.items() if isinstance(v, int) and not isinstance(v, bool)}
        if self.newest is not None and self.newest > self.now:  # it would hide every comment until then
            self.newest, self.seen = None, {}

    @property
    def since(self) -> int | None:
        """Unix time to ask the platform from."""
        return None if self.newest is None else self.newest - self.overlap

    def is_new(self, comment_id: str, when: int | None) -> bool:
        if comment_id in self.seen:
            return False
        return self.newest is None or when is None or when >= self.newest - self.overlap

    def older(self, when: int | None) -> bool:
        """Whether a list sorted newest first has gone below the mark (the rest was read before)."""
        return self.newest is not None and when is not None and when < self.newest - self.overlap

    def add(self, comment_id: str, when: int | None) -> None:
        if when is not None:
            when = min(when, self.now)  # a comment dated in the future must not move the mark there
        if when is not None and (self.newest is None or when > self.newest):
            self.newest = when
        self.seen[comment_id] = when if when is not None else (self.newest or 0)
        floor = (self.newest or 0) - self.overlap
        self.seen = {k: v for k, v in self.seen.items() if v >= floor}
        if len(self.seen) > self.most:
            self.seen = dict(sorted(self.seen.items(), key=lambda item: item[1])[-self.most :])

    def dump(self) -> dict[str, Any] | None:
        return None if self.newest is None and not self.seen else {"t": self.newest, "seen": self.seen}


def as_utc(moment: datetime) -> datetime:
    """A time in UTC; one without an offset is taken as UTC already (as the ledger writes times)."""
    from datetime import UTC

    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def stopped_early(error: Exception) -> str:
    """The gap a transient failure leaves when a read stops after some pages (what it read is kept)."""
    message = getattr(error, "message", "") or type(error).__name__
    hint = getattr(error, "hint", None)
    return Stop(f"the read stopped early ({message}{f'; {hint}' if hint else ''}): the rest is read next time")


def iso(moment: datetime) -> str:
    """A UTC time as cursors and gap messages write it."""
    from datetime import UTC

    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def usable_token(value: Any) -> bool:
    """Whether a token a platform issued can be used (and stored): a one-line string of printable ASCII."""
    return isinstance(value, str) and _CREDENTIAL.fullmatch(value) is not None


def with_link(text: str, link: str | None, separator: str = " ") -> str:
    """The text with the link appended, unless the text already carries it."""
    if not link or link in text:
        return text
    return f"{text.rstrip()}{separator}{link}" if text.strip() else link
