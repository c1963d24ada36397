"""SP-BALANCE-001..004: fair balance of product posts (docs/rules.md), and the product-mention helpers of the
product rules.

A *product mention* is the configured brand or established name of any `[compliance.products.*]` table,
matched case-insensitively on word boundaries in the prose fields (title, text, alt texts) with URLs taken
out: `#ONCAVIX` names ONCAVIX, `www.oncavix.example` does not. `product_mentions()` is the one place that
finds them (through `view()`); claims.py and offlabel.py reuse the view (masked and exception-blanked texts,
their words, matches cached per word list) so that a unit is scanned once, whatever the number of rules.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from socialpub.rules import text as T
from socialpub.rules.engine import Context, Field, Hit, Unit, rule

if TYPE_CHECKING:
    from socialpub.config import Product

_DASHES = T.lazy(r"[‐‑–]")


# --- shared helpers: word lists, the per-unit view, product mentions ------------------------------------

# The word lists are `T.Matcher`s (the one pre-checked matcher of every rule), re-exported here.
Matcher = T.Matcher
_WORD = T._WORD


def lexicon(ctx: Context, name: str) -> tuple[str, ...]:
    """A built-in word list with its [compliance.lexicon] extension, as terms (to combine lists)."""
    from socialpub.rules.lexicon import BUILTIN

    return (*BUILTIN.get(name, ()), *ctx.compliance.lexicon.get(name, ()))


def words(ctx: Context, *names: str) -> Matcher:
    """Built-in word lists (with their [compliance.lexicon] extensions), together as one Matcher."""
    if len(names) == 1:
        return ctx.words(names[0])
    key = ("product-rules", "words", names)
    found = ctx.compliance.cache.term_lists.get(key)  # as ctx.terms keeps it, without gathering the terms again
    if found is None:
        found = ctx.terms(key, tuple(t for name in names for t in lexicon(ctx, name)))
    return found


def terms(ctx: Context, key: object, configured: Iterable[str]) -> Matcher:
    """A configured list (product names, risks…) as a Matcher, made once per configuration."""
    return ctx.terms(("product-rules", key), configured)


@dataclass(frozen=True)
class Mention:
    """A configured brand or established name in one field of a unit, at [start, end) of `field.value`."""

    product: Product
    field: Field
    start: int
    end: int
    brand: bool  # the brand (proprietary) name, not the established name

    @property
    def text(self) -> str:
        return self.field.value[self.start : self.end]


Found = list[tuple[Field, int, int]]


class View:
    """What the product rules read of one unit, computed once: prose fields with URLs masked, their words,
    the texts with absolute-claim exceptions blanked ("no cure for", "best practices") when a rule needs
    them, and the product mentions. Matches are cached per list: rules sharing a list scan a text once."""

    def __init__(self, prose: tuple[Field, ...], exceptions: Matcher) -> None:
        self.prose = prose
        self.masked = tuple(f.masked for f in prose)
        self.mentions: list[Mention] = []
        self._exceptions = exceptions
        self._blanked: list[str | None] = [None] * len(prose)
        self._found: dict[tuple[int, bool], Found] = {}

    def words(self, i: int) -> frozenset[str] | None:
        """The words of field i (`Field.words`): the pre-check of every Matcher."""
        return self.prose[i].words

    def blanked(self, i: int) -> str:
        """Field i's masked text with the absolute-claim exceptions blanked."""
        text = self._blanked[i]
        if text is None:
            text = self._blanked[i] = self._exceptions.blank(self.masked[i], words=self.prose[i].words)
        return text

    def index(self, f: Field) -> int:
        return next(i for i, g in enumerate(self.prose) if g is f)

    def items(self) -> Iterator[tuple[int, Field, str]]:
        return zip(range(len(self.prose)), self.prose, self.masked, strict=True)

    def products(self) -> list[Product]:
        """The products mentioned, in order of first mention."""
        if not self.mentions:
            return []
        seen: dict[str, Product] = {}
        for m in self.mentions:
            seen.setdefault(m.product.key, m.product)
        return list(seen.values())

    def first_mention(self, product: Product) -> Mention:
        return next(m for m in self.mentions if m.product.key == product.key)

    def find(self, matcher: Matcher, *, blanked: bool = False) -> Found:
        """Every match in the prose fields, as (field, start, end) into `field.value`; with `blanked`, the
        absolute-claim exceptions are removed first."""
        key = (id(matcher), blanked)
        found = self._found.get(key)
        if found is None:
            found = []
            for i, f in enumerate(self.prose):
                found += [(f, start, end) for start, end in self._spans(i, matcher, blanked)]
            self._found[key] = found
        return found

    def _spans(self, i: int, matcher: Matcher, blanked: bool) -> tuple[tuple[int, int], ...]:
        """(start, end) of every match in field i. They depend only on the field's text and the lists, so they
        are kept with the text's facts: a post's text goes to several channels, and titles and alt texts recur
        from post to post."""
        f = self.prose[i]
        memo = f.facts.found
        key = (matcher, self._exceptions if blanked else None)
        spans: tuple[tuple[int, int], ...] | None = memo.get(key)
        if spans is None:
            pattern = matcher.candidates(f.words)
            if pattern is None:
                spans = ()
            else:
                source = self.blanked(i) if blanked else self.masked[i]
                spans = tuple(m.span() for m in pattern.finditer(source))
            memo[key] = spans
        return spans


def _norm(name: str) -> str:
    """A name as matched text compares with it: read as the rules read texts (`T.view`), lower case, one space,
    plain hyphens and apostrophes."""
    return " ".join(_DASHES.sub("-", T.normalised(name).replace("’", "'")).lower().split())


def _names(ctx: Context) -> tuple[Matcher, dict[str, list[tuple[Product, bool]]]]:
    """One Matcher for every product's brand and established name, and matched name -> products."""
    cache = ctx.compliance.cache
    if cache.product_names is None:
        lookup: dict[str, list[tuple[Product, bool]]] = {}
        for product in ctx.compliance.products.values():
            for name, is_brand in ((product.brand, True), (product.established, False)):
                if name.strip():
                    entries = lookup.setdefault(_norm(name), [])
                    if all(p.key != product.key for p, _ in entries):
                        entries.append((product, is_brand))
        cache.product_names = (terms(ctx, "names", lookup), lookup)
    return cache.product_names


def view(ctx: Context, unit: Unit) -> View:
    """The product rules' view of a unit of this context, made once per unit (a unit belongs to one context, so
    to one configuration) and kept in the context's memo."""
    key = ("product-view", unit.index)
    found: View | None = ctx.memo.get(key)  # type: ignore[assignment]
    if found is not None:
        return found
    result = View(unit.prose(), words(ctx, "absolute_exceptions"))
    if ctx.compliance.products:
        names, lookup = _names(ctx)
        for f, start, end in result.find(names):
            for product, is_brand in lookup.get(_norm(f.value[start:end]), ()):
                result.mentions.append(Mention(product, f, start, end, is_brand))
    ctx.memo[key] = result
    return result


def product_names(ctx: Context) -> tuple[Matcher, ...]:
    """The list of every product's brand and established names (none when no product is configured): what the
    rules about mentioned products need to find anything (`@rule(lists=…)`)."""
    return (_names(ctx)[0],) if ctx.compliance.products else ()


def may_mention(ctx: Context) -> bool:
    """Whether any unit of the context can name a product (the names' pre-check on all its prose): when not,
    no unit has a mention."""
    return bool(ctx.compliance.products) and ctx.may_match(_names(ctx)[0])


def product_mentions(ctx: Context, unit: Unit) -> list[Mention]:
    """Every configured brand or established name in the unit's prose (URLs taken out)."""
    return view(ctx, unit).mentions


def comparative(ctx: Context) -> Matcher:
    """Comparative language: the "comparative" list and the terms that compare only in a therapy context."""
    return words(ctx, "comparative", "comparative_needs_context")


def benefits(ctx: Context, v: View, product: Product) -> Found:
    """Benefit signals of `product` in the unit, in reading order: its indication terms, benefit verbs,
    superlative or comparative words (absolute-claim exceptions removed first)."""
    found = [
        *v.find(terms(ctx, ("indication", product.key), product.indication_terms)),
        *v.find(words(ctx, "benefit_verbs")),
        *v.find(words(ctx, "absolute_claims"), blanked=True),  # the lists the claim rules scan too
        *v.find(comparative(ctx), blanked=True),
    ]
    return sorted(found, key=lambda hit: (v.index(hit[0]), hit[1]))


def risks(ctx: Context, v: View, product: Product) -> Found:
    return v.find(terms(ctx, ("risk", product.key), product.serious_risk_terms))


def pipeline(ctx: Context) -> Matcher:
    return terms(ctx, "pipeline", (*ctx.compliance.pipeline_codes, *ctx.compliance.pipeline_names))


def embargoed(ctx: Context) -> Matcher:
    return terms(ctx, "embargoed", ctx.compliance.embargoed_names)


def normalise_url(url: str) -> str:
    """A URL as the risk-link check compares it: scheme, host case, default port, trailing slash, fragment
    and utm_* tracking parameters do not matter; the path does (a different page is a different page)."""
    full = url if re.match(r"^[a-z][a-z0-9+.\-]*://", url, re.IGNORECASE) else f"//{url}"
    try:
        parts = urlsplit(full.strip())
        host = (parts.hostname or "").lower().rstrip(".")
        port = parts.port
    except ValueError:
        return url.strip().lower()
    if port and port not in (80, 443):
        host = f"{host}:{port}"
    query = "&".join(q for q in parts.query.split("&") if q and not q.lower().startswith("utm_"))
    return host + parts.path.rstrip("/") + (f"?{query}" if query else "")


def first_of_each(found: Iterable[tuple[Field, int, int]]) -> Iterable[tuple[Field, int, int]]:
    """The first occurrence of each distinct word per field: one finding per claim, not per repetition."""
    seen: set[tuple[int, str]] = set()
    for f, start, end in found:
        key = (id(f), T.normalise_space(f.value[start:end].lower()))
        if key not in seen:
            seen.add(key)
            yield f, start, end


def unit_word(ctx: Context, unit: Unit) -> str:
    """How messages name the unit, as its platform calls it: 'tweet 2 of the thread', 'tweet', 'pin', or 'post'."""
    if ctx.rendered is None:
        return "post"
    name = ctx.rendered.platform.unit
    return f"{name} {unit.index + 1} of the thread" if len(ctx.rendered.parts) > 1 else name


def label(product: Product) -> str:
    return f"{product.brand} ({product.established})"


def _quoted(listed: Iterable[str], limit: int = 4) -> str:
    items = list(listed)
    shown = ", ".join(f"'{t}'" for t in items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


# --- the rules ------------------------------------------------------------------------------------


@rule(
    "SP-BALANCE-001", "missing-risk-information", "error", principle="P1, P3",
    summary="Product benefit without its most serious risks in the same post (each tweet on its own).",
    help="Add the product's most serious risks to this post (or tweet) itself, or remove the benefit claim.",
    lists=product_names,
)
def missing_risk_information(ctx: Context) -> Iterable[Hit]:
    if not ctx.compliance.products:
        return
    for unit in ctx.units():
        v = view(ctx, unit)
        for product in v.products():
            found = benefits(ctx, v, product)
            if not found or risks(ctx, v, product):
                continue
            f, start, end = found[0]
            mention = v.first_mention(product)
            where = unit_word(ctx, unit)
            if product.serious_risk_terms:
                listed = _quoted(product.serious_risk_terms)
                need = f"none of its most serious risks ({listed}) is in this {where}"
                hint = f"state the most serious risks of {product.brand} in this {where} itself"
                if ctx.rendered is not None and len(ctx.rendered.parts) > 1:
                    unit_name = ctx.rendered.platform.unit
                    hint += f"; risk information in another {unit_name} of the thread does not balance this one"
            else:
                need = "no serious_risk_terms are configured for it, so no risk information can be recognised"
                hint = f"configure [compliance.products.{product.key}] serious_risk_terms and state them here"
            yield Hit(
                f"{label(product)} is presented with a benefit ('{f.value[start:end]}') but {need}; "
                "a benefit claim needs the most serious risks alongside it (fair balance)",
                excerpt=mention.text, source=mention.field.source, hint=hint,
            )


ESTABLISHED_WINDOW = 40  # characters either side of the brand name (docs/rules.md, SP-BALANCE-002)


@rule(
    "SP-BALANCE-002", "missing-established-name", "error", principle="P1",
    summary="Brand name without the established name close to its first mention in a field.",
    help="Write the established name next to the first brand mention, e.g. 'BRAND (established name)'.",
    lists=product_names,
)
def missing_established_name(ctx: Context) -> Iterable[Hit]:
    if not ctx.compliance.products:
        return
    for unit in ctx.units():
        v = view(ctx, unit)
        done: set[tuple[int, str]] = set()
        for mention in v.mentions:
            f = mention.field
            key = (id(f), mention.product.key)
            if f.name not in ("title", "text") or not mention.brand or key in done:
                continue
            done.add(key)
            product = mention.product
            if _norm(product.brand) == _norm(product.established):
                continue
            established = terms(ctx, ("established", product.key), (product.established,)).pattern
            text = v.masked[v.index(f)]
            if T.near(text, mention.start, mention.end, established, ESTABLISHED_WINDOW):
                continue
            yield Hit(
                f"the first mention of {product.brand} in the {f.name} has no established name "
                f"({product.established}) within {ESTABLISHED_WINDOW} characters; the established name must "
                "accompany the brand name",
                excerpt=mention.text, source=f.source,
                hint=f"write '{product.brand} ({product.established})' at the first mention",
            )


def _risk_links(product: Product) -> set[str]:
    return {normalise_url(u) for u in (product.risk_url, product.pi_url) if u}


@rule(
    "SP-BALANCE-003", "missing-risk-link", "error", principle="P1, P3",
    summary="Product benefit claim without a direct link to the risk or prescribing-information page.",
    help="Link the product's configured risk_url or pi_url in the post (text or link field).",
    lists=product_names,
)
def missing_risk_link(ctx: Context) -> Iterable[Hit]:
    if not ctx.compliance.products:
        return
    post_link = ctx.rendered.link if ctx.rendered is not None else ctx.post.link
    for unit in ctx.units():
        v = view(ctx, unit)
        products = [p for p in v.products() if benefits(ctx, v, p)]
        if not products:
            continue
        # Links the reader can follow from this unit: its text and link field, and the post's link (for a
        # thread, the link of the first tweet is the thread's link).
        urls = {normalise_url(u) for f, u in unit.urls() if f.name in ("text", "link")}
        if post_link:
            urls.add(normalise_url(post_link))
        for product in products:
            wanted = _risk_links(product)
            if wanted & urls:
                continue
            mention = v.first_mention(product)
            if wanted:
                targets = " or ".join(u for u in (product.risk_url, product.pi_url) if u)
                message = (
                    f"{label(product)} is presented with a benefit but this {unit_word(ctx, unit)} has no "
                    f"direct link to its risk information or prescribing information ({targets})"
                )
                hint = f"add {product.risk_url or product.pi_url} to the text or the link field"
            else:
                message = (
                    f"{label(product)} is presented with a benefit but no risk_url or pi_url is configured "
                    "for it, so no direct link to its risk information can be recognised"
                )
                hint = f"configure [compliance.products.{product.key}] risk_url or pi_url, and link it here"
            yield Hit(message, excerpt=mention.text, source=mention.field.source, hint=hint)


@rule(
    "SP-BALANCE-004", "risk-below-fold", "warning", principle="P1",
    summary="Risk information starts below the channel's fold while the benefit is above it.",
    help="Move the most serious risks up, before the channel's 'more' cut, next to the benefit.",
    when=lambda ctx: ctx.rendered is not None and ctx.rendered.fold is not None,
    lists=product_names,
)
def risk_below_fold(ctx: Context) -> Iterable[Hit]:
    rendered = ctx.rendered
    fold = rendered.fold if rendered is not None else None
    if rendered is None or fold is None or not ctx.compliance.products:
        return
    for unit in ctx.units():
        v = view(ctx, unit)
        for product in v.products():
            found = risks(ctx, v, product)
            if not found:
                continue  # no risk at all is SP-BALANCE-001
            if any(_shown(f, start, fold) for f, start, _ in found):
                continue
            above = [(f, s, e) for f, s, e in benefits(ctx, v, product) if _shown(f, s, fold)]
            if not above:
                continue
            in_text = [r for r in found if r[0].name == "text"]
            f, start, end = min(in_text, key=lambda r: r[1]) if in_text else found[0]
            where = f"at character {start + 1} of the text" if in_text else f"only in the {f.name} text"
            bf, bs, be = above[0]
            yield Hit(
                f"the risk information of {product.brand} starts {where}, after the {fold}-character fold of "
                f"{rendered.channel.name}, while the benefit ('{bf.value[bs:be]}') is shown above it; "
                "risk must be as prominent as the benefit",
                excerpt=f.value[start:end], source=f.source,
                hint=f"state the most serious risks within the first {fold} characters",
            )


def _shown(f: Field, start: int, fold: int) -> bool:
    """Whether text at `start` of field `f` is visible before the reader expands the post."""
    if f.name == "title":
        return True
    return f.name == "text" and start < fold
