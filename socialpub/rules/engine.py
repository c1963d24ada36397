"""The compliance engine: a catalogue of rules (RULES.md), how they see a post, and what they report.

A rule is a function registered with `@rule(...)`. Post-scope rules run once per post (approval,
campaign window…); channel-scope rules run once per (post, channel) on what that channel would receive.
Content rules iterate `ctx.units()`: one unit per tweet of a thread (or the whole post elsewhere), so that
risk information "in the next tweet" does not balance a benefit claim.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from socialpub.rules import text as T

if TYPE_CHECKING:
    from socialpub.adapters.base import Rendered
    from socialpub.config import Compliance
    from socialpub.posts import Post, Source


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    level: str  # error | warning
    scope: str  # post | channel
    suppressible: bool
    principle: str
    summary: str
    help: str  # how to fix it
    check: Callable[[Context], Iterable[Hit]]  # everything the rule finds in a context (`when` included)
    # A cheap precondition: where it is false the rule finds nothing, and the engine does not even start
    # `body` (most rules have nothing to look at in most posts: no product named, no claim word, not
    # sponsored…). It may repeat the body's own first checks; what it adds is the word lists' pre-check.
    when: Callable[[Context], bool] | None = None
    body: Callable[[Context], Iterable[Hit]] | None = None  # `check` without `when`


RULES: dict[str, Rule] = {}


def rule(
    id: str,
    name: str,
    level: str,
    *,
    scope: str = "channel",
    suppressible: bool = True,
    principle: str = "",
    summary: str,
    help: str,
    when: Callable[[Context], bool] | None = None,
) -> Callable[[Callable[[Context], Iterable[Hit]]], Callable[[Context], Iterable[Hit]]]:
    """Register a rule of the catalogue. `when` is its precondition: the decorated function (the body) runs
    only where it holds, and the function the decorator returns checks it first."""

    def register(body: Callable[[Context], Iterable[Hit]]) -> Callable[[Context], Iterable[Hit]]:
        if when is None:
            RULES[id] = Rule(id, name, level, scope, suppressible, principle, summary, help, body)
            return body

        @functools.wraps(body)
        def check(ctx: Context) -> Iterable[Hit]:
            return body(ctx) if when(ctx) else ()

        RULES[id] = Rule(id, name, level, scope, suppressible, principle, summary, help, check, when, body)
        return check

    return register


@dataclass(frozen=True)
class Hit:
    """What a rule found: a message, and the offending text (excerpt) in the field it came from."""

    message: str
    excerpt: str | None = None
    source: Source | None = None
    hint: str | None = None
    line: int | None = None  # when the rule knows the line itself (e.g. a front-matter key)


@dataclass
class Finding:
    rule: str
    name: str
    severity: str
    post: str | None
    channel: str | None
    file: str
    line: int | None
    column: int | None
    message: str
    excerpt: str | None = None
    hint: str | None = None
    suppressed: bool = False
    suppression: dict[str, str] | None = None

    @property
    def blocking(self) -> bool:
        return self.severity == "error" and not self.suppressed

    @property
    def fingerprint(self) -> str:
        """Stable across runs and line moves: what was found where, not at which line."""
        key = "\x1f".join(str(x) for x in (self.rule, self.file, self.post, self.channel, self.excerpt or self.message))
        return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]

    def to_dict(self) -> dict[str, object]:
        data: dict[str, object] = {
            "rule": self.rule,
            "name": self.name,
            "severity": self.severity,
            "post": self.post,
            "channel": self.channel,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "message": self.message,
            "excerpt": self.excerpt,
            "hint": self.hint,
            "suppressed": self.suppressed,
        }
        if self.suppression:
            data["suppression"] = self.suppression
        return data


# --- what rules see ------------------------------------------------------------------------------


class _once:
    """A computed attribute stored on the instance at first use (functools.cached_property without its lock:
    these objects live in one thread and are read many times per post)."""

    def __init__(self, compute: Callable[[Any], Any]) -> None:
        self.compute = compute
        self.name = compute.__name__
        self.__doc__ = compute.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        value = instance.__dict__[self.name] = self.compute(instance)
        return value


@dataclass(frozen=True, init=False)
class Field:
    """One piece of text a channel receives: name ('text', 'title', 'alt', 'link'), value, and where from."""

    name: str
    value: str
    source: Source | None

    def __init__(self, name: str, value: str, source: Source | None) -> None:
        # What the frozen dataclass's __init__ does, without its three object.__setattr__ calls (a post
        # makes several fields per channel).
        attributes = self.__dict__
        attributes["name"] = name
        attributes["value"] = value
        attributes["source"] = source

    @_once
    def masked(self) -> str:
        """The value with URLs blanked out (same length, so offsets still point into `value`)."""
        return T.mask_urls(self.value)

    @_once
    def words(self) -> frozenset[str] | None:
        """The words of `masked`, for the pre-check of word lists (`T.Matcher`; see `T.words_of`)."""
        return T.words_of(self.masked)

    @_once
    def value_words(self) -> frozenset[str] | None:
        """The words of `value`, URLs included: `T.words_of(self.value)`, made of the words of `masked` and
        those of each URL (a URL starts and ends a word, so masking it splits none)."""
        words = self.words
        for url, _, _ in T.spans(self.value):
            more = T.words_of(url)
            if words is None or more is None:
                return None
            words = words | more
        return words

    @_once
    def has_digit(self) -> bool:
        """Whether `masked` holds a (Unicode decimal) digit."""
        return T.has_digit(self.masked)


@dataclass(frozen=True, init=False)
class Unit:
    """What a rule checks as one post: a tweet of a thread with its media alt texts, or a whole post."""

    index: int
    fields: tuple[Field, ...]

    def __init__(self, index: int, fields: tuple[Field, ...]) -> None:
        attributes = self.__dict__
        attributes["index"] = index
        attributes["fields"] = fields

    def prose(self) -> tuple[Field, ...]:
        """Fields of words (title, text, alt texts): where brand, claim and list rules look."""
        return self._prose

    @_once
    def _prose(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.name != "link")

    def search(self, pattern: re.Pattern[str] | T.Matcher) -> Iterator[tuple[Field, re.Match[str]]]:
        for f in self._prose:
            matches = pattern.finditer(f.masked, words=f.words) if isinstance(pattern, T.Matcher) else \
                pattern.finditer(f.masked)
            for match in matches:
                yield f, match

    def first(self, pattern: re.Pattern[str] | T.Matcher) -> tuple[Field, re.Match[str]] | None:
        return next(self.search(pattern), None)

    def has(self, pattern: re.Pattern[str] | T.Matcher) -> bool:
        return self.first(pattern) is not None

    def urls(self) -> list[tuple[Field, str]]:
        out = []
        for f in self.fields:
            for url in T.find_urls(f.value):
                out.append((f, url))
        return out


@dataclass(init=False)
class Context:
    post: Post
    compliance: Compliance
    rendered: Rendered | None  # None for post-scope rules
    at: datetime | None  # when the post goes out (or --at); None when unknown
    timezone: object = None  # ZoneInfo of [defaults]
    all_renders: list[Rendered] = field(default_factory=list)  # every channel of the post (content hash)
    _units: list[Unit] | None = field(default=None, repr=False)
    # What rules compute once per context and share (e.g. the visible texts of the conduct rules).
    memo: dict[object, object] = field(default_factory=dict, repr=False)

    def __init__(
        self,
        post: Post,
        compliance: Compliance,
        rendered: Rendered | None,
        at: datetime | None,
        timezone: object = None,
        all_renders: list[Rendered] | None = None,
        _units: list[Unit] | None = None,
        memo: dict[object, object] | None = None,
    ) -> None:
        # The dataclass's __init__, written out: a post makes one context per channel and one for itself.
        self.post = post
        self.compliance = compliance
        self.rendered = rendered
        self.at = at
        self.timezone = timezone
        self.all_renders = [] if all_renders is None else all_renders
        self._units = _units
        self.memo = {} if memo is None else memo

    @property
    def channel(self) -> str | None:
        return self.rendered.channel.name if self.rendered else None

    @property
    def kind(self) -> str | None:
        return self.rendered.kind if self.rendered else None

    def units(self) -> list[Unit]:
        """Per tweet of a thread (else one): title (first unit), text, media alt texts, link."""
        if self._units is not None:
            return self._units
        units: list[Unit] = []
        if self.rendered is None:
            post = self.post
            fields = [Field("text", post.text, post.text_source)]
            if post.title:
                fields.insert(0, Field("title", post.title, None))
            fields += [Field("alt", m.alt or "", None) for m in post.media if m.alt]
            if post.link:
                fields.append(Field("link", post.link, None))
            units.append(Unit(0, tuple(fields)))
        else:
            r = self.rendered
            for i, part in enumerate(r.parts):
                fields = []
                if i == 0 and r.title:
                    fields.append(Field("title", r.title, r.title_source))
                fields.append(Field("text", part.text, part.source))
                fields += [Field("alt", m.alt, None) for m in part.media if m.alt]
                if i == 0 and r.link and r.link not in part.text:
                    fields.append(Field("link", r.link, r.link_source))
                units.append(Unit(i, tuple(fields)))
        self._units = units
        return units

    @_once
    def prose_words(self) -> frozenset[str] | None:
        """The words of every prose field of every unit (None when one of them has no usable word set)."""
        found: frozenset[str] | None = frozenset()
        for unit in self.units():
            for f in unit.prose():
                words = f.words
                if words is None:
                    found = None
                    break
                found = found | words if found else words
            if found is None:
                break
        return found

    @_once
    def prose_lower(self) -> str:
        """The masked prose fields of every unit, lower-cased, one after the other (every word of
        `prose_words` is in it)."""
        return "\n".join(f.masked for unit in self.units() for f in unit.prose()).lower()

    def may_match(self, matcher: T.Matcher) -> bool:
        """Whether the list can match in some prose field of some unit (masked, or with parts blanked out):
        when not, a rule that reads only those texts with it finds nothing and can stop at once."""
        words = self.prose_words
        if words is None or not matcher.wildcards:
            return matcher.may_match_words(words)
        return matcher.may_match_words(words, self.prose_lower)

    def words(self, name: str) -> T.Matcher:
        """A built-in word list extended by [compliance.lexicon], compiled once per configuration."""
        key = ("words", name)
        cache = self.compliance.cache
        found = cache.get(key)
        if found is None:
            from socialpub.rules.lexicon import BUILTIN

            found = cache[key] = T.matcher((*BUILTIN.get(name, ()), *self.compliance.lexicon.get(name, ())))
        return found  # type: ignore[no-any-return]

    def terms(self, key: object, terms: Iterable[str]) -> T.Matcher:
        """A configured list (product names, risks…) compiled once per configuration."""
        cache = self.compliance.cache
        full = ("terms", key)
        found = cache.get(full)
        if found is None:
            found = cache[full] = T.matcher(tuple(terms))
        return found  # type: ignore[no-any-return]


def evaluate(
    post: Post,
    renders: list[Rendered],
    compliance: Compliance,
    *,
    at: datetime | None,
    timezone: object = None,
    only: Iterable[str] | None = None,
    all_renders: list[Rendered] | None = None,
) -> list[Finding]:
    """Every finding of every rule for one post and its rendered channels, suppressions applied."""
    import socialpub.rules  # noqa: F401  (registers the catalogue)

    findings: list[Finding] = []
    wanted = set(only) if only else None
    everything = renders if all_renders is None else all_renders
    post_ctx = Context(post, compliance, None, at, timezone, everything)
    channel_ctxs = [Context(post, compliance, r, at, timezone, everything) for r in renders]  # units made once
    rules, post_levels, channel_levels = _levels(compliance, channel_ctxs)
    for i, r in enumerate(rules):
        if wanted and r.id not in wanted:
            continue
        when = r.when
        check = r.check if when is None else r.body
        if r.scope == "post":
            level = post_levels[i]
            if level and (when is None or when(post_ctx)):
                for hit in check(post_ctx):  # type: ignore[misc]
                    findings.append(_finding(r, post_ctx, level, hit))
            continue
        for ctx, levels in channel_levels:
            level = levels[i]
            if level and (when is None or when(ctx)):
                for hit in check(ctx):  # type: ignore[misc]
                    findings.append(_finding(r, ctx, level, hit))
    return _suppress(post, findings) if post.suppress else findings


_LevelTable = tuple[tuple[Rule, ...], dict[tuple[str | None, str | None], tuple[str | None, ...]]]


def _levels(
    compliance: Compliance, ctxs: list[Context]
) -> tuple[tuple[Rule, ...], tuple[str | None, ...], list[tuple[Context, tuple[str | None, ...]]]]:
    """The catalogue, and each rule's level (None: off) for the post and for each channel context, from a
    table made once per configuration and channel (and again if the catalogue changes)."""
    rules = tuple(RULES.values())
    table: _LevelTable | None = compliance.cache.get(("engine", "levels"))
    if table is None or table[0] != rules:
        table = compliance.cache[("engine", "levels")] = (rules, {})
    by_channel = table[1]

    def levels(channel: str | None, kind: str | None) -> tuple[str | None, ...]:
        found = by_channel.get((channel, kind))
        if found is None:
            found = by_channel[(channel, kind)] = tuple(_level(r, compliance, channel, kind) for r in rules)
        return found

    return rules, levels(None, None), [(ctx, levels(ctx.channel, ctx.kind)) for ctx in ctxs]


def _level(r: Rule, compliance: Compliance, channel: str | None, kind: str | None) -> str | None:
    setting = compliance.rules.get(r.id)
    if setting is None:
        return r.level
    if setting.channels is not None and channel is not None:
        if channel not in setting.channels and kind not in setting.channels:
            return None
    level = setting.level or r.level
    if not r.suppressible:
        return "error"
    return None if level == "off" else level


def _finding(r: Rule, ctx: Context, level: str, hit: Hit) -> Finding:
    post = ctx.post
    if hit.line is not None:
        line, column = hit.line, None
    elif hit.excerpt:
        line, column = post.locate(hit.excerpt, hit.source)
    elif hit.source is not None:
        line, column = hit.source.line, None
    else:
        line, column = None, None
    return Finding(
        rule=r.id,
        name=r.name,
        severity=level,
        post=post.id,
        channel=ctx.channel,
        file=post.file,
        line=line,
        column=column,
        message=hit.message,
        excerpt=hit.excerpt,
        hint=hit.hint or r.help,
    )


def _run(r: Rule, ctx: Context, level: str) -> list[Finding]:
    """The findings of one rule in one context."""
    return [_finding(r, ctx, level, hit) for hit in r.check(ctx)]


def _suppress(post: Post, findings: list[Finding]) -> list[Finding]:
    waivers = {s.rule: s for s in post.suppress}
    for finding in findings:
        waiver = waivers.get(finding.rule)
        if waiver is None:
            continue
        if not RULES[finding.rule].suppressible:
            finding.hint = (finding.hint or "") + f" ({finding.rule} cannot be suppressed; the entry has no effect)"
            continue
        finding.suppressed = True
        finding.suppression = {"reason": waiver.reason, **({"mlr_ref": waiver.mlr_ref} if waiver.mlr_ref else {})}
    return findings
