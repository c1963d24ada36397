"""SP-SAFETY: personal adverse-event context needs a reporting pathway; the MedWatch statement and number are
verbatim, and branded long-form posts carry the statement (P3). How it decides: docs/rules.md.

Reporting pathways come from `[compliance.safety] reporting` plus FDA MedWatch.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from socialpub.rules import text as T
from socialpub.rules.common import (
    PHONE_INTL,
    PHONE_NANP,
    PHONE_VANITY,
    Text,
    excerpt_of,
    is_phone_entry,
    per_text_memo,
    phone_key,
    replied_text,
    visible_texts,
)
from socialpub.rules.engine import Context, Hit, rule

_DIGIT = T.lazy(r"\d")

# --- SP-SAFETY-001 -------------------------------------------------------------------------------

_MEDWATCH_PATHWAYS = ("1-800-FDA-1088", "fda.gov/medwatch")
# "Stage I", "phase I", "i.e.": the letter I that is not the first person.
_NOT_FIRST_PERSON = T.lazy(
    r"\b(?:stage|phase|type|grade|class|part|chapter|schedule|tier|level|cohort|arm|world\s+war)\s+I\b|\bi\.e\.",
    re.IGNORECASE,
)
_SORRY = T.lazy(r"\bsorry\b", re.IGNORECASE)


def _personal(ctx: Context, t: Text) -> re.Match[str] | None:
    """The first personal-experience marker: first person (not we/our), or "sorry to hear"."""
    text = T.blank(t.masked, _NOT_FIRST_PERSON)
    for m in ctx.words("personal_markers").finditer(text, words=t.field.words):
        before = text[m.start() - 1 : m.start()]
        after = text[m.end() : m.end() + 1]
        # "AZ&Me", "Me+You", "ME/CFS": part of a name, not someone speaking of themself.
        if (before and before in "&+") or (after and after in "&+/"):
            continue
        return m
    return None


def _ae_terms(ctx: Context, t: Text) -> re.Match[str] | None:
    words = t.field.words
    terms = ctx.words("ae_terms")
    if not terms.may_match(t.masked, words=words):
        return None
    return terms.search(ctx.words("ae_exceptions").blank(t.masked, words=words), words=words)


def _may_name_adverse_event(ctx: Context) -> bool:
    """Whether an adverse-event term can be in the texts or in the text the post answers (their pre-check)."""
    terms = ctx.words("ae_terms")
    if ctx.may_match(terms):
        return True
    reply = replied_text(ctx)
    return reply is not None and terms.may_match(reply.masked, words=reply.field.words)


def _pathways(ctx: Context) -> tuple[frozenset[str], tuple[str, ...]]:
    """Reporting pathways: (phone keys, other needles such as URLs), configured plus FDA MedWatch."""
    cache = ctx.compliance.cache
    if cache.pathways is None:
        entries = [*_MEDWATCH_PATHWAYS, *ctx.compliance.reporting]
        phones = frozenset(phone_key(e) for e in entries if is_phone_entry(e))
        # "https://www.x.example/safety" configured also counts when the post writes www.x.example/safety.
        others = tuple(re.sub(r"^https?://", "", e.strip().lower()) for e in entries
                       if not is_phone_entry(e) and e.strip())
        cache.pathways = (phones, others)
    return cache.pathways


def _has_pathway(ctx: Context) -> bool:
    phones, others = _pathways(ctx)
    for u in ctx.units():
        for f in u.fields:
            lower = f.facts.lower
            if any(o in lower for o in others):
                return True
            if _DIGIT.search(lower):
                for pattern in (PHONE_NANP, PHONE_VANITY, PHONE_INTL):
                    if any(phone_key(m.group(0)) in phones for m in pattern.finditer(f.masked)):
                        return True
    return False


@rule(
    "SP-SAFETY-001", "adverse-event-without-reporting", "error", suppressible=False, principle="P3",
    summary="Personal adverse-event context without a reporting pathway.",
    help="Give the reporting pathway (the company safety line or 'report side effects to the FDA at "
         "www.fda.gov/medwatch or 1-800-FDA-1088') and open a pharmacovigilance intake for the report.",
    when=lambda ctx: _may_name_adverse_event(ctx),
)
def adverse_event_without_reporting(ctx: Context) -> Iterable[Hit]:
    reply = replied_text(ctx)
    texts = visible_texts(ctx)
    # An adverse-event context: someone's own experience (AE term and first person in the same text), or
    # our "sorry to hear" answering a text that names an AE.
    found: tuple[Text, re.Match[str]] | None = None
    for t in [*([reply] if reply else []), *texts]:
        term = _ae_terms(ctx, t)
        if term and _personal(ctx, t):
            found = (t, term)
            break
    if found is None and reply is not None:
        term = _ae_terms(ctx, reply)
        if term and any(_SORRY.search(t.masked) for t in texts):
            found = (reply, term)
    if found is None or _has_pathway(ctx):
        return
    t, term = found
    where = "the text this post answers" if t.field.name == "in_reply_to_text" else f"the {t.field.name}"
    yield Hit(f"personal adverse-event context ('{term.group(0)}' in {where}) and no reporting pathway "
              "(company safety line, www.fda.gov/medwatch or 1-800-FDA-1088)",
              excerpt=excerpt_of(t, term.start(), term.end()), source=t.field.source)


# --- SP-SAFETY-002 / 003 -------------------------------------------------------------------------

_FDA_NUMBER = T.lazy(r"(?<!\w)(?:\+?1[\s.\-–]*)?\(?800\)?[\s.\-–]*FDA[\s.\-–]*(\w+)", re.IGNORECASE)
_STATEMENT_START = T.lazy(r"you\s+are\s+encouraged\s+to\s+report", re.IGNORECASE)
_STATEMENT = ("You are encouraged to report negative side effects of prescription drugs to the FDA. "
              "Visit {url}, or call 1-800-FDA-1088.")
# The FDA's wording, with the URL as printed, with http:// (a documented variant) or its https:// form.
_STATEMENTS = tuple(_STATEMENT.format(url=u) for u in
                    ("www.fda.gov/medwatch", "http://www.fda.gov/medwatch", "https://www.fda.gov/medwatch"))
_ABOUT_REPORTING = T.lazy(r"side\s+effects?|adverse|\bFDA\b|medwatch", re.IGNORECASE)
_MEDWATCH_ATTEMPT = T.lazy(
    r"medwatch|(?<!\w)(?:1[\s.\-–]*)?800[\s.\-–]*fda|800[\s.\-–]*332[\s.\-–]*1088|encouraged\s+to\s+report",
    re.IGNORECASE,
)


def _first_difference(found: str, expected: str) -> str:
    got, want = found.split(), expected.split()
    for a, b in zip(got, want, strict=False):
        if a != b:
            return f"'{a}' where the FDA wording has '{b}'"
    return f"it ends after '{' '.join(got[-3:])}'" if len(got) < len(want) else "it differs"


@rule(
    "SP-SAFETY-002", "malformed-reporting-information", "error", principle="P3",
    summary="MedWatch statement or number malformed.",
    help="Use the FDA wording verbatim: 'You are encouraged to report negative side effects of prescription "
         "drugs to the FDA. Visit www.fda.gov/medwatch, or call 1-800-FDA-1088.'",
)
def malformed_reporting_information(ctx: Context) -> Iterable[Hit]:
    for t in visible_texts(ctx):
        lower = t.field.facts.lower
        if "fda" not in lower and "encouraged" not in lower:
            continue
        # What is wrong depends on the text alone: found once per distinct text (a post's text goes to
        # several channels).
        memo = per_text_memo(ctx, "reporting")
        value = t.field.value
        found = memo.get(value)
        if found is None:
            found = memo[value] = tuple(_reporting_problems(value, lower))
        for message, excerpt in found:
            yield Hit(message, excerpt=excerpt, source=t.field.source)


def _reporting_problems(value: str, lower: str) -> Iterator[tuple[str, str]]:
    """(message, excerpt) of each malformed MedWatch number or statement in a text (`lower` is its lower case)."""
    if "fda" in lower:
        # On the raw text: URL masking takes "800.FDA" for a domain.
        for m in _FDA_NUMBER.finditer(value):
            tail = m.group(1)
            if tail != "1088" and _DIGIT.search(tail):
                yield f"'{m.group(0)}' is not the FDA MedWatch number 1-800-FDA-1088", value[m.start():m.end()]
    if "encouraged" not in lower:
        return
    for m in _STATEMENT_START.finditer(value):
        candidate = T.normalise_space(value[m.start():m.start() + 600])
        if not _ABOUT_REPORTING.search(candidate[:200]):
            continue  # not the MedWatch statement: "… encouraged to report concerns to HR"
        if any(candidate.startswith(s) for s in _STATEMENTS):
            continue
        expected = _STATEMENTS[1] if "http://" in candidate else _STATEMENTS[0]
        end = value.find("\n", m.start())
        excerpt = value[m.start():end if end >= 0 else len(value)].rstrip()
        yield f"the MedWatch statement is not verbatim: {_first_difference(candidate, expected)}", excerpt


def _long_form(ctx: Context) -> bool:
    """A post read as a page (Facebook, YouTube), not in a stream: it carries the MedWatch statement itself."""
    return ctx.rendered is not None and ctx.rendered.platform.long_form


@rule(
    "SP-SAFETY-003", "missing-medwatch-statement", "warning", principle="P3",
    summary="Branded long-form post lacks the MedWatch statement.",
    help="Add: 'You are encouraged to report negative side effects of prescription drugs to the FDA. Visit "
         "www.fda.gov/medwatch, or call 1-800-FDA-1088.'",
    when=lambda ctx: ctx.post.post_type == "branded" and _long_form(ctx),
)
def missing_medwatch_statement(ctx: Context) -> Iterable[Hit]:
    if ctx.post.post_type != "branded" or not _long_form(ctx):
        return
    assert ctx.rendered is not None
    if any(_MEDWATCH_ATTEMPT.search(f.value) for u in ctx.units() for f in u.fields):
        return  # a malformed attempt is SP-SAFETY-002's business
    yield Hit(f"branded {ctx.kind} post without the MedWatch statement", source=ctx.rendered.parts[0].source)


