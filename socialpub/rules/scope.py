"""SP-SCOPE-001: no product named where no product may be named, in unbranded disease-awareness and careers
posts (P1 Truth and Accuracy, P4 Transparency); docs/rules.md says how.

Product mentions come from balance.view(), embargoed names from `[compliance.pipeline]`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from socialpub.rules.balance import embargoed, label, may_mention, terms, view
from socialpub.rules.common import published_tags, tags_line
from socialpub.rules.engine import Context, Field, Hit, rule

SCOPED_POST_TYPES = {"unbranded_awareness": "an unbranded disease-awareness", "careers": "a careers"}


@rule(
    "SP-SCOPE-001", "product-in-unbranded-post", "error", principle="P1, P4",
    summary="Product named in an unbranded-awareness or careers post.",
    help="Remove the product name: disease-awareness and careers posts must stay unbranded.",
    when=lambda ctx: ctx.post.post_type in SCOPED_POST_TYPES
    and bool(ctx.compliance.products or ctx.compliance.embargoed_names),
)
def product_in_unbranded_post(ctx: Context) -> Iterable[Hit]:
    if ctx.post.post_type not in SCOPED_POST_TYPES:
        return
    if not (ctx.compliance.products or ctx.compliance.embargoed_names):
        return
    embargoed_names = embargoed(ctx)
    kind = SCOPED_POST_TYPES[ctx.post.post_type]
    # Nothing to find in the units when no product and no embargoed name can be named there.
    named = may_mention(ctx) or ctx.may_match(embargoed_names)
    for unit in ctx.units() if named else ():
        v = view(ctx, unit)
        # One finding per product ("ONCAVIX (tivaranib)" is one naming) and per embargoed name, per unit.
        seen: set[tuple[str, str]] = set()
        for m in v.mentions:
            if ("product", m.product.key) not in seen:
                seen.add(("product", m.product.key))
                yield _scope_hit(kind, m.text, f"the product {label(m.product)}", m.field, None)
        for f, start, end in v.find(embargoed_names):
            word = f.value[start:end]
            if ("embargoed", word.lower()) not in seen:
                seen.add(("embargoed", word.lower()))
                yield _scope_hit(kind, word, "an embargoed product name", f, None)
    tags = published_tags(ctx)
    if tags is not None:
        named_in_tags = dict.fromkeys(m.group(0) for m in _any_name(ctx).finditer(tags.value))
        line = tags_line(ctx) if named_in_tags else None
        for word in named_in_tags:
            yield _scope_hit(kind, word, "a product name in the tags", None, line)


def _any_name(ctx: Context) -> re.Pattern[str]:
    """Brand, established and embargoed names in one pattern (for texts outside the units, e.g. tags)."""
    names = [n for p in ctx.compliance.products.values() for n in (p.brand, p.established)]
    return terms(ctx, "all-names", (*names, *ctx.compliance.embargoed_names)).pattern


def _scope_hit(kind: str, word: str, what: str, f: Field | None, line: int | None) -> Hit:
    return Hit(
        f"'{word}' ({what}) is named in {kind} post; naming a product turns the post into promotion that "
        "needs full fair balance, and this post type must stay unbranded",
        excerpt=word if line is None else None, source=f.source if f else None, line=line,
        hint=f"remove '{word}', or make this a branded post with full product information and MLR review",
    )
