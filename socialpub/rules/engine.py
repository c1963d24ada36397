"""The compliance engine: a catalogue of rules (docs/rules.md), how they see a post, and what they report.

A rule is a function registered with `@rule(...)`. Post-scope rules run once per post (approval,
campaign window…); channel-scope rules run once per (post, channel) on what that channel would receive.
Content rules iterate `ctx.units()`: one unit per tweet of a thread (or the whole post elsewhere), so that
risk information "in the next tweet" does not balance a benefit claim.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

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
    # sponsored…). It combines the pre-check of the rule's word lists and its own `when` (the body's first checks).
    when: Callable[[Context], bool] | None = None
    body: Callable[[Context], Iterable[Hit]] | None = None  # `check` without `when`
    # The word lists without which the rule finds nothing (`WordLists`): where none of them can match the prose of
    # a context's units, `when` is false.
    lists: WordLists | None = None
    condition: Callable[[Context], bool] | None = None  # the rule's own `when`, without the lists' pre-check


# What a rule declares it needs: names of built-in lists (lexicon.py, extended by [compliance.lexicon]), or a
# function of the context giving the lists built from the configuration (product names, pipeline…): the engine
# compiles them once per configuration (`_plan`), so the function must read nothing but `ctx.compliance`.
WordLists = tuple[str, ...] | Callable[["Context"], Iterable[T.Matcher]]


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
    lists: WordLists | None = None,
) -> Callable[[Callable[[Context], Iterable[Hit]]], Callable[[Context], Iterable[Hit]]]:
    """Register a rule of the catalogue. `when` is its precondition and `lists` the word lists it needs to find
    anything (read in the prose of the context's units: a rule that reads other texts with them, such as the
    text a reply answers, says so in its own `when`). The decorated function (the body) runs only where `when`
    holds and one of the lists can match; the function the decorator returns checks that first."""

    def register(body: Callable[[Context], Iterable[Hit]]) -> Callable[[Context], Iterable[Hit]]:
        precondition = when if lists is None else _needing(lists, when)
        if precondition is None:
            RULES[id] = Rule(id, name, level, scope, suppressible, principle, summary, help, body)
            return body

        @functools.wraps(body)
        def check(ctx: Context) -> Iterable[Hit]:
            return body(ctx) if precondition(ctx) else ()

        RULES[id] = Rule(id, name, level, scope, suppressible, principle, summary, help, check, precondition, body,
                         lists, when)
        return check

    return register


def _needing(lists: WordLists, when: Callable[[Context], bool] | None) -> Callable[[Context], bool]:
    """Whether one of the lists can match in the context (`Context.may_match`, answered once per context for the
    rules that declare the same lists), then `when` (if any)."""
    if isinstance(lists, tuple):
        names = lists

        def matchers(ctx: Context) -> Iterable[T.Matcher]:
            return map(ctx.words, names)
    else:
        matchers = lists
    key = ("lists", lists)

    def precondition(ctx: Context) -> bool:
        found = ctx.memo.get(key)
        if found is None:
            found = False
            for matcher in matchers(ctx):
                if ctx.may_match(matcher):
                    found = True
                    break
            ctx.memo[key] = found
        return found and (when is None or when(ctx))  # type: ignore[return-value]

    return precondition


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


@dataclass(frozen=True, slots=True)
class Field:
    """One piece of text a channel receives: name ('text', 'title', 'alt', 'link'), value, and where from.

    `value` is what the rules read. A field made with `Field.of` reads the text as a reader sees it
    (`T.view`: invisible characters dropped, compatibility forms and look-alike letters folded); `view` then
    maps it back to the text that is sent (`original`), and the engine turns the excerpts of findings back
    into that text."""

    name: str
    value: str
    source: Source | None
    view: T.View | None = None
    # What the rules read of the value (`T.Facts`, each part computed at first use), shared with every field of
    # the same text; looked up once here: the rules read it many times per field.
    facts: T.Facts = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "facts", T.facts(self.value))

    @staticmethod
    def of(name: str, text: str, source: Source | None) -> Field:
        """The field of a text as the rules read it: its normalised view (pure ASCII without control characters
        reads as it is)."""
        found = None if T.facts(text).as_written else T.view(text)  # facts: once per distinct text
        return Field(name, text, source) if found is None else Field(name, found.text, source, found)

    @property
    def original(self) -> str:
        """The text that is sent."""
        return self.value if self.view is None else self.view.original

    @property
    def masked(self) -> str:
        """The value with URLs blanked out (same length, so offsets still point into `value`)."""
        return self.facts.masked  # type: ignore[no-any-return]

    @property
    def words(self) -> frozenset[str] | None:
        """The words of `masked`, for the pre-check of word lists (`T.Matcher`; see `T.words_of`)."""
        return self.facts.words  # type: ignore[no-any-return]

    @property
    def value_words(self) -> frozenset[str] | None:
        """The words of `value`, URLs included (`T.words_of(self.value)`)."""
        return self.facts.value_words  # type: ignore[no-any-return]

    @property
    def has_digit(self) -> bool:
        """Whether `masked` holds a (Unicode decimal) digit."""
        return self.facts.has_digit  # type: ignore[no-any-return]


@dataclass(frozen=True, slots=True)
class Unit:
    """What a rule checks as one post: a tweet of a thread with its media alt texts, or a whole post."""

    index: int
    fields: tuple[Field, ...]
    # Fields of words (title, text, alt texts): where brand, claim and list rules look
    _prose: tuple[Field, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_prose", tuple([f for f in self.fields if f.name != "link"]))

    def prose(self) -> tuple[Field, ...]:
        """Fields of words (title, text, alt texts): where brand, claim and list rules look."""
        return self._prose

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


@dataclass(slots=True)
class Context:
    post: Post
    compliance: Compliance
    rendered: Rendered | None  # None for post-scope rules
    at: datetime | None  # when the post goes out (or --at); None when unknown
    timezone: object = None  # ZoneInfo of [defaults]
    all_renders: list[Rendered] = field(default_factory=list)  # every channel of the post (content hash)
    _units: list[Unit] | None = field(default=None, repr=False)
    # What rules compute once per context and share (e.g. the visible texts of rules/common.py).
    memo: dict[object, object] = field(default_factory=dict, repr=False)
    # The word lists `may_match` answered for, and those of them that can match.
    _matchable: tuple[frozenset[T.Matcher], Collection[T.Matcher]] | None = field(default=None, init=False,
                                                                                   repr=False)
    _viewed: list[Field] | None = field(default=None, init=False, repr=False)  # fields whose value is a view
    # (rule, field, excerpt) -> how many mapped back
    _excerpts: dict[tuple[str, int, str], int] = field(default_factory=dict, init=False, repr=False)

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
            fields = [Field.of("text", post.text, post.text_source)]
            if post.title:
                fields.insert(0, Field.of("title", post.title, None))
            fields += [Field.of("alt", m.alt or "", None) for m in post.media if m.alt]
            if post.link:
                fields.append(Field("link", post.link, None))  # a link is read as it is: it goes where it says
            units.append(Unit(0, tuple(fields)))
        else:
            r = self.rendered
            for i, part in enumerate(r.parts):
                fields = []
                if i == 0 and r.title:
                    fields.append(Field.of("title", r.title, r.title_source))
                fields.append(Field.of("text", part.text, part.source))
                fields += [Field.of("alt", m.alt, None) for m in part.media if m.alt]
                if i == 0 and r.link and r.link not in part.text:
                    fields.append(Field("link", r.link, r.link_source))
                units.append(Unit(i, tuple(fields)))
        self._units = units
        return units

    def reads(self, f: Field) -> Field:
        """Note a field that a rule reads besides those of `units()` (the text a reply answers), so that the
        excerpts taken from it are mapped back too."""
        if f.view is not None:
            self._viewed_fields().append(f)
        return f

    def _viewed_fields(self) -> list[Field]:
        if self._viewed is None:
            self._viewed = [f for unit in self.units() for f in unit.fields if f.view is not None]
        return self._viewed

    def original_excerpt(self, rule: str, excerpt: str, source: Source | None) -> str:
        """The text that is sent behind an excerpt a rule took from a field's normalised value (`Field.view`):
        the rules slice `value` where they matched; the report and the line/column must show the real
        characters. The k-th excerpt of a rule with the same text maps to its k-th place in the field."""
        for f in self._viewed_fields():
            if f.source is not source:  # not the field the hit is about (a rule passes its field's source)
                continue
            places = [m.start() for m in re.finditer(re.escape(excerpt), f.value)]
            if places:
                key = (rule, id(f), excerpt)
                used = self._excerpts[key] = self._excerpts.get(key, -1) + 1
                at = places[min(used, len(places) - 1)]
                return f.view.excerpt(at, at + len(excerpt))  # type: ignore[union-attr]
        return excerpt

    def may_match(self, matcher: T.Matcher) -> bool:
        """Whether the list can match in some prose field of some unit (masked, or with parts blanked out):
        when not, a rule that reads only those texts with it finds nothing and can stop at once.

        That is `matcher.may_match_words(f.words, (f.facts.masked_lower,))` for some prose field f, answered for
        every list the rules ask about at once (`T.Lists`), per distinct text (`T.Facts.matchable`)."""
        return matcher in self._matchable_lists((matcher,))[1]

    def may_match_any(self, matchers: frozenset[T.Matcher]) -> bool:
        """Whether one of the lists can match (`may_match` of each), with one set operation. The engine asks it of
        every rule that declares its word lists, in every context: the usual answer (every list looked for
        already) takes no further call."""
        checked = self._matchable
        if checked is None or not checked[0].issuperset(matchers):
            checked = self._matchable_lists(matchers)
        return not matchers.isdisjoint(checked[1])

    def _matchable_lists(
        self, needed: Collection[T.Matcher]
    ) -> tuple[frozenset[T.Matcher], Collection[T.Matcher]]:
        """The lists asked about so far (`needed` added), and those of them that can match in the prose of the
        units."""
        checked = self._matchable
        if checked is None or not checked[0].issuperset(needed):
            cache = self.compliance.cache
            lists = cache.lists
            if lists is None:
                lists = cache.lists = T.Lists()
            for matcher in needed:
                lists.add(matcher)  # the lists are those asked about in a configuration's first contexts
            found: set[T.Matcher] = set()
            for unit in self.units():
                for f in unit._prose:
                    found.update(f.facts.matchable(lists))
            checked = self._matchable = (lists.members, found)
        return checked

    def words(self, name: str) -> T.Matcher:
        """A built-in word list extended by [compliance.lexicon], compiled once per configuration."""
        lists = self.compliance.cache.word_lists
        found = lists.get(name)
        if found is None:
            from socialpub.rules.lexicon import BUILTIN

            found = lists[name] = T.matcher((*BUILTIN.get(name, ()), *self.compliance.lexicon.get(name, ())))
        return found

    def terms(self, key: object, terms: Iterable[str]) -> T.Matcher:
        """A configured list (product names, risks…) compiled once per configuration."""
        lists = self.compliance.cache.term_lists
        found = lists.get(key)
        if found is None:
            found = lists[key] = T.matcher(tuple(terms))
        return found


def evaluate_registered(
    post: Post,
    renders: list[Rendered],
    compliance: Compliance,
    *,
    at: datetime | None,
    timezone: object = None,
    only: Iterable[str] | None = None,
    all_renders: list[Rendered] | None = None,
) -> list[Finding]:
    """Every finding of every rule registered so far for one post and its rendered channels, suppressions
    applied. socialpub.rules.evaluate loads the catalogue first: call that one."""

    findings: list[Finding] = []
    everything = renders if all_renders is None else all_renders
    contexts = [Context(post, compliance, None, at, timezone, everything)]  # the post's, then each channel's
    contexts += [Context(post, compliance, r, at, timezone, everything) for r in renders]  # units made once
    channels = tuple((r.channel.name, r.kind) for r in renders)
    for r, lists, when, check, index, level in _plan(contexts[0], channels, frozenset(only) if only else None):
        ctx = contexts[index]
        if (lists is None or ctx.may_match_any(lists)) and (when is None or when(ctx)):
            for hit in check(ctx):
                findings.append(_finding(r, ctx, level, hit))
    return _suppress(post, findings) if post.suppress else findings


# A rule, the word lists of which one must be able to match (None: no such lists), its own precondition, what
# runs when both hold, and a context it runs in with its level there (context 0 is the post's, then one per
# channel): one step per rule and context, in catalogue order.
_Step = tuple[
    Rule, frozenset[T.Matcher] | None, Callable[[Context], bool] | None, Callable[[Context], Iterable[Hit]],
    int, str,
]


def _plan(
    ctx: Context, channels: tuple[tuple[str, str], ...], wanted: frozenset[str] | None
) -> list[_Step]:
    """What to run for a post on these channels (name, kind), in catalogue order: a step per rule that is not off
    and context it runs in, with its word lists and its level there. Made once per configuration and combination
    of channels (and again when the catalogue changes); `ctx` (the post's context) gives the configuration."""
    compliance = ctx.compliance
    rules = tuple(RULES.values())
    table = compliance.cache.plans
    if table is None or table[0] != rules:
        table = compliance.cache.plans = (rules, {})
    plans = table[1]
    key = (channels, wanted)
    plan = plans.get(key)
    if plan is None:
        plan = plans[key] = []
        for r in rules:
            if wanted and r.id not in wanted:
                continue
            if r.scope == "post":
                level = _level(r, compliance, None, None)
                targets: tuple[tuple[int, str], ...] = ((0, level),) if level else ()
            else:
                levels = [_level(r, compliance, channel, kind) for channel, kind in channels]
                targets = tuple((i + 1, level) for i, level in enumerate(levels) if level)
            if not targets:
                continue
            if r.lists is None:
                lists, when, check = None, r.when, r.check if r.when is None else r.body
            else:
                lists, when, check = _lists_of(r.lists, ctx), r.condition, r.body
            plan += [(r, lists, when, check, index, level) for index, level in targets]  # type: ignore[misc]
    return plan


def _lists_of(lists: WordLists, ctx: Context) -> frozenset[T.Matcher]:
    """A rule's word lists, compiled: they depend on the configuration only (its lexicon, products, pipeline)."""
    return frozenset(map(ctx.words, lists) if isinstance(lists, tuple) else lists(ctx))


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
    excerpt = hit.excerpt
    if excerpt and ctx._viewed != []:
        excerpt = ctx.original_excerpt(r.id, excerpt, hit.source)
    if hit.line is not None:
        line, column = hit.line, None
    elif excerpt:
        line, column = post.locate(excerpt, hit.source)
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
        excerpt=excerpt,
        hint=hit.hint or r.help,
    )


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
