"""SP-OFFLABEL-001..003: unapproved uses, investigational and embargoed products (P1 Truth and Accuracy);
docs/rules.md says how.

Products, pipeline codes and names, embargoed names, off-label terms and approved indications all come from
`[compliance.products.*]` and `[compliance.pipeline]`; product mentions come from balance.view().
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from socialpub.rules import text as T
from socialpub.rules.balance import (
    View,
    benefits,
    embargoed,
    first_of_each,
    label,
    pipeline,
    product_names,
    terms,
    unit_word,
    view,
    words,
)
from socialpub.rules.common import published_tags, tags_line
from socialpub.rules.engine import Context, Field, Hit, rule

if TYPE_CHECKING:
    from socialpub.config import Product

# How far before a word a limitation ("not approved for …") or hedge ("to determine whether …") may start,
# within the same sentence.
LOOKBACK = 60
_SENTENCE_END = T.lazy(r"[.!?;](?:\s|$)|\n")


# Just before a qualifier: words that deny it ("no longer investigational", "isn't an investigational …").
_DENIED = T.lazy(r"(?:\bno\s+longer|\bnot|n['’]t|\bnever)\s+(?:(?:an?|yet|still|considered)\s+)*$", re.IGNORECASE)


def preceded_by(text: str, start: int, pattern: re.Pattern[str] | T.Matcher, window: int = LOOKBACK) -> bool:
    """Whether `pattern` matches in the same sentence within `window` characters before `start`."""
    lo = max(0, start - window)
    for end in _SENTENCE_END.finditer(text, lo, start):
        lo = end.end()
    return pattern.search(text, lo, start) is not None


def _folded(text: str) -> str:
    """Text as the verbatim-indication check compares it: case, runs of space, dash and quote variants."""
    return " ".join(re.sub(r"[‐‑–]", "-", text.replace("’", "'")).lower().split())


@rule(
    "SP-OFFLABEL-001", "off-label-use", "error", principle="P1",
    summary="Product named with an unapproved indication or population (or without its approved indication).",
    help="Remove the unapproved use; promote the product only for its approved indication, in its words.",
    lists=product_names,
)
def off_label_use(ctx: Context) -> Iterable[Hit]:
    if not ctx.compliance.products:
        return
    limitations = ctx.words("limitation_phrases")
    for unit in ctx.units():
        v = view(ctx, unit)
        for product in v.products():
            if product.offlabel_terms:
                offlabel = terms(ctx, ("offlabel", product.key), product.offlabel_terms)
                for f, start, end in first_of_each(v.find(offlabel)):
                    # A limitation of use ("not approved for early-stage disease") is not promotion of it.
                    if preceded_by(v.masked[v.index(f)], start, limitations):
                        continue
                    word = f.value[start:end]
                    yield Hit(
                        f"{label(product)} is named with '{word}', a use or population it is not approved "
                        "for; promoting an unapproved use is off-label promotion",
                        excerpt=word, source=f.source,
                        hint=f"remove '{word}' or state it only as a limitation of use approved by MLR",
                    )
            if product.approved_indications and ctx.post.post_type == "branded":
                yield from _indication_verbatim(ctx, v, unit_word(ctx, unit), product)


def _indication_verbatim(ctx: Context, v: View, where: str, product: Product) -> Iterator[Hit]:
    """A branded unit that promotes the product (a benefit signal; a reminder naming it only is exempt) must
    state one of its approved indications verbatim (OPDP's "indication verbatim" advice)."""
    if not benefits(ctx, v, product):
        return
    texts = " \n ".join(_folded(t) for t in v.masked)
    if any(_folded(ind) in texts for ind in product.approved_indications if ind.strip()):
        return
    mention = v.first_mention(product)
    indications = product.approved_indications
    yield Hit(
        f"this branded {where} promotes {label(product)} without one of its approved indications verbatim; "
        "the indication must be stated as approved, not paraphrased",
        excerpt=mention.text, source=mention.field.source,
        hint="state the indication exactly as configured: " + " | ".join(f"'{i}'" for i in indications[:2]),
    )


@rule(
    "SP-OFFLABEL-002", "investigational-promotion", "error", principle="P1",
    summary="Investigational product with a safety/efficacy claim, or without an investigational qualifier.",
    help="Say that the product is investigational and that its safety and efficacy have not been "
    "established; make no safety or efficacy claim.",
    when=lambda ctx: bool(ctx.compliance.pipeline_codes or ctx.compliance.pipeline_names),
    lists=lambda ctx: (pipeline(ctx),),
)
def investigational_promotion(ctx: Context) -> Iterable[Hit]:
    if not (ctx.compliance.pipeline_codes or ctx.compliance.pipeline_names):
        return
    codes = pipeline(ctx)
    qualifiers = words(ctx, "investigational_qualifiers")
    claims = words(ctx, "investigational_claims")
    hedges = ctx.words("investigational_hedges")
    designations = words(ctx, "hype_exceptions")  # "Breakthrough Therapy designation" is a status, no claim
    for unit in ctx.units():
        v = view(ctx, unit)
        found = v.find(codes)
        if not found:
            continue
        pf, ps, pe = found[0]
        code = pf.value[ps:pe]
        qualified = False
        claimed: list[tuple[Field, int, int]] = []
        for i, f, masked in v.items():
            qualifier = qualifiers.candidates(v.words(i))
            if qualifier is not None and not qualifier.search(masked):
                qualifier = None
            # "no longer investigational", "is not investigational" deny the qualifier they hold.
            qualified = qualified or (qualifier is not None and any(
                not _DENIED.search(masked, max(0, m.start() - 24), m.start()) for m in qualifier.finditer(masked)
            ))
            claim = claims.candidates(v.words(i))
            if claim is None:
                continue
            # Neither exceptions ("no cure for") nor the qualifiers themselves ("not approved") are claims.
            # The hedges are read with the qualifiers blanked ("not approved" hedges nothing) but not the
            # designations: "not yet proven safe" is one of them, and its "not" hedges "safe".
            hedged = v.blanked(i) if qualifier is None else T.blank(v.blanked(i), qualifier)
            designation = designations.candidates(v.words(i))
            text = hedged if designation is None else T.blank(hedged, designation)
            for m in claim.finditer(text):
                if not preceded_by(hedged, m.start(), hedges):
                    claimed.append((f, m.start(), m.end()))
        for f, start, end in first_of_each(claimed):
            word = f.value[start:end]
            yield Hit(
                f"investigational product {code} is presented with '{word}'; a product under investigation "
                "may not be called safe or effective before approval",
                excerpt=word, source=f.source,
                hint=f"remove '{word}'; say that {code} is investigational and its safety and efficacy have "
                "not been established",
            )
        if not qualified:
            yield Hit(
                f"investigational product {code} is named without a qualifier such as 'investigational' or "
                f"'safety and efficacy have not been established' in this {unit_word(ctx, unit)}",
                excerpt=code, source=pf.source,
                hint=f"call {code} investigational, or say that its safety and efficacy are not established",
            )


@rule(
    "SP-OFFLABEL-003", "embargoed-name", "error", principle="P1",
    summary="Embargoed or unannounced product name (proposed brand, ex-US brand or code name).",
    help="Remove the embargoed name until it is announced (then take it off pipeline.embargoed_names).",
    when=lambda ctx: bool(ctx.compliance.embargoed_names)
    and (published_tags(ctx) is not None or _may_publish(ctx, embargoed(ctx))),
)
def embargoed_name(ctx: Context) -> Iterable[Hit]:
    if not ctx.compliance.embargoed_names:
        return
    names = embargoed(ctx)
    tags = published_tags(ctx)
    for unit in ctx.units():
        published = [(f, False) for f in unit.fields] + ([(tags, True)] if tags is not None and unit.index == 0 else [])
        seen: set[tuple[str, str]] = set()
        # Unmasked, links included: a URL such as www.name.example discloses the name as much as text does.
        for f, is_tags in published:
            for m in names.finditer(f.value, words=f.value_words):
                name = m.group(0)
                if (f.name, name.lower()) in seen:
                    continue
                seen.add((f.name, name.lower()))
                line = tags_line(ctx) if is_tags else None
                in_url = any(s <= m.start() < e for _, s, e in T.url_spans(f.value))
                where = "the link" if f.name == "link" else ("a URL" if in_url else f"the {f.name}")
                yield Hit(
                    f"'{name}' is an embargoed product name and appears in {where}; it may not be made "
                    "public before it is announced",
                    excerpt=name if line is None else None, source=f.source, line=line,
                    hint=f"remove '{name}' from the post (text, title, alt text, links and tags)",
                )


def _may_publish(ctx: Context, names: T.Matcher) -> bool:
    """Whether `names` can match in some field of some unit as published (links and URLs included): the
    pre-check on the prose words, then on each link and each field with URLs (a match in a field holds only
    words of that field's `value_words`; a prose field without URLs has no others than its prose words)."""
    if ctx.may_match(names):
        return True
    return any(
        names.may_match_words(f.facts.value_words)
        for unit in ctx.units() for f in unit.fields if f.name == "link" or f.facts.urls
    )
