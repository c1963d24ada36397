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


@dataclass(frozen=True)
class Receipt:
    """What a platform answered to a publish: enough to find, link and delete the post later."""

    remote_id: str
    url: str | None = None
    published_at: datetime | None = None
    extra_ids: tuple[str, ...] = ()  # later tweets of a thread


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
        """Delete a published post. Only when `can_delete`."""
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


_LIVE: weakref.WeakSet[Adapter] = weakref.WeakSet()  # adapters whose secrets the SDK log filter knows


def _live_secrets() -> list[str]:
    return [s for adapter in list(_LIVE) for s in adapter.known_secrets()]


def refused(label: str, message: str, hint: str) -> PlatformError:
    """Something the platform would refuse, found before sending: permanent, and nothing was sent."""
    return PlatformError(f"{label}: {message}", transient=False, maybe_sent=False, hint=hint)


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 time a platform answered ("…Z", "…+0000"; without an offset: UTC) in UTC, or None for
    anything else (a number, garbage, a time that does not exist in UTC)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
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


def usable_token(value: Any) -> bool:
    """Whether a token a platform issued can be used (and stored): a one-line string of printable ASCII."""
    return isinstance(value, str) and _CREDENTIAL.fullmatch(value) is not None


def with_link(text: str, link: str | None, separator: str = " ") -> str:
    """The text with the link appended, unless the text already carries it."""
    if not link or link in text:
        return text
    return f"{text.rstrip()}{separator}{link}" if text.strip() else link
