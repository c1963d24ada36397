"""SP-PRIVACY: no direct identifier (phone, email, record number, date of birth), and no identifiable person
together with health information without consent (P2). How it decides: docs/rules.md.

Company lines and email domains that may appear come from `[compliance.privacy]`.
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
    compiled_terms,
    excerpt_of,
    is_phone_entry,
    per_text_memo,
    phone_key,
    visible_texts,
)
from socialpub.rules.engine import Context, Hit, rule
from socialpub.rules.lexicon import BUILTIN

# --- SP-PRIVACY-001 ------------------------------------------------------------------------------

_PHONE_LOCAL = T.lazy(  # seven digits only after a cue: "call 555-0147"
    r"\b(?:call|phone|tel|telephone|text|cell|mobile|fax|reach)\b[\s:.]*(?:\w+\s+at\s+)?"
    r"(?<![\w\-–])(\d{3}[.\-–]\d{4})(?![\w\-–])",
    re.IGNORECASE,
)
_EMAIL = T.lazy(r"(?<![\w.+\-])[\w.%+\-]+@([A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,})\b")
_RECORD = T.lazy(
    r"\b(?:MRN|medical\s+record(?:\s+(?:number|no\.?|#))?|member\s+(?:ID|number|no\.?)|patient\s+ID"
    r"|health\s+plan\s+(?:ID|number)|SSN|social\s+security(?:\s+(?:number|no\.?|#))?)"
    r"\s*[:#]?\s*(?:is\s+)?(?=[A-Z0-9\-]*\d)[A-Z0-9][A-Z0-9\-]{3,}",
    re.IGNORECASE,
)
_SSN = T.lazy(r"(?<![\w\-–/.])\d{3}-\d{2}-\d{4}(?![\w\-–])")
_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
          r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_FULL_DATE = (rf"(?:\d{{1,2}}[/.\-]\d{{1,2}}[/.\-](?:\d{{4}}|\d{{2}})(?!\d)|\d{{4}}-\d{{2}}-\d{{2}}(?!\d)"
              rf"|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}(?!\d)"
              rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH},?\s+\d{{4}}(?!\d))")
_BIRTH_DATE = T.lazy(
    rf"(?:\bDOB\b|\bD\.O\.B\.|\bdate\s+of\s+birth\b|\bbirth\s*date\b|\bborn\b|\bbirthday\b)"
    rf"\s*[:\-–]?\s*(?:is\s+|was\s+|on\s+|in\s+)?{_FULL_DATE}",
    re.IGNORECASE,
)


# What every NANP, vanity, local and Social Security number holds (an international one holds "+").
_PHONE_HINT = T.lazy(r"\d{3}(?:\)|[.\-–]|[ .\-–]?\d{3}[ .\-–]?\d{4})")
# What _PHONE_HINT needs is looked for with substring scans of the text's bytes instead, each digit read as "0"
# and ")", "." and "-" as "-": three digits followed by one of those, a space and a digit, or three more digits (a
# pattern tried at every position of a post cost more than the rest of this rule).
_PHONE_MARKS = bytes.maketrans(b"123456789).", b"000000000--")
_RECORD_WORDS = frozenset({"mrn", "medical", "member", "patient", "health", "ssn", "social"})
_BIRTH_WORDS = frozenset({"dob", "birth", "born", "birthday", "birthdate"})


def _may_hold_phone(masked: str) -> bool:
    """Whether a (masked) text may hold a phone or Social Security number: `_PHONE_HINT` matches or it has a "+"
    (every international number starts with one)."""
    data = masked.encode("utf-8", "surrogatepass")
    if b"+" in data:
        return True
    if not masked.isascii():
        others = T.non_ascii(data)
        if "–" in others or any(map(str.isdecimal, others)):  # other digits (\d is Unicode's), "–"
            return _PHONE_HINT.search(masked) is not None
    # Other non-ASCII characters are bytes of 0x80 and above in UTF-8: they neither make nor break a hint.
    data = data.translate(_PHONE_MARKS)
    return b"000" in data and (b"000-" in data or b"000 0" in data or b"000000" in data)


def _scheme_url_spans(value: str) -> list[tuple[int, int]]:
    return [(s, e) for url, s, e in T.url_spans(value) if "://" in url]



def _allowed_phones(ctx: Context) -> frozenset[str]:
    """allow_phones plus the phone numbers of the reporting pathways (company safety lines, FDA)."""
    cache = ctx.compliance.cache
    if cache.allowed_phones is None:
        entries = [*ctx.compliance.allow_phones, *ctx.compliance.reporting]
        cache.allowed_phones = frozenset(phone_key(e) for e in entries if is_phone_entry(e))
    return cache.allowed_phones


def _identifiers(ctx: Context, t: Text) -> tuple[tuple[int, int, str], ...]:
    """(start, end, what) of each direct identifier in one field, overlaps removed."""
    memo = per_text_memo(ctx, "identifiers")
    found = memo.get(t.field.value)
    if found is None:
        found = memo[t.field.value] = tuple(_find_identifiers(ctx, t))
    return found  # type: ignore[no-any-return]


def _find_identifiers(ctx: Context, t: Text) -> Iterator[tuple[int, int, str]]:
    masked, value = t.masked, t.field.value
    found: list[tuple[int, int, str]] = []
    # Cheap pre-checks first: most posts hold no digit, no three digits in a row, and no record or birth words
    # (every phone, SSN, record and date pattern needs a digit).
    digit = t.field.has_digit
    if digit and _may_hold_phone(masked):
        allowed = _allowed_phones(ctx)
        phones = [(m.start(), m.end()) for m in PHONE_NANP.finditer(masked)]
        phones += [(m.start(), m.end()) for m in PHONE_VANITY.finditer(masked)
                   if re.search(r"[A-Za-z]", m[1] + m[2]) and re.search(r"\d", m[1] + m[2])]
        phones += [(m.start(), m.end()) for m in PHONE_INTL.finditer(masked)
                   if 8 <= sum(ch.isdigit() for ch in m.group(0)) <= 15]
        phones += [(m.start(1), m.end(1)) for m in _PHONE_LOCAL.finditer(masked)]
        for start, end in phones:
            number = value[start:end]
            # 1-800-FDA-xxxx is the MedWatch line, right or wrong: a wrong one is SP-SAFETY-002's business.
            if "fda" in number.lower() or phone_key(number) in allowed:
                continue
            found.append((start, end, "phone number"))
        found += [(m.start(), m.end(), "Social Security number") for m in _SSN.finditer(masked)]
    if digit:
        tokens = t.field.facts.masked_tokens
        if not _RECORD_WORDS.isdisjoint(tokens):
            found += [(m.start(), m.end(), "record or member number") for m in _RECORD.finditer(masked)]
        if not _BIRTH_WORDS.isdisjoint(tokens) or (
            (".o." in masked or ".O." in masked) and "d.o.b" in t.field.facts.masked_lower  # (only O lowers to o)
        ):
            found += [(m.start(), m.end(), "date of birth") for m in _BIRTH_DATE.finditer(masked)]
    if "@" in value:
        # Emails on the raw text: URL masking can blank the part before "@" of first.last@example.com.
        inside = _scheme_url_spans(value)
        allowed_domains = ctx.compliance.allow_email_domains
        for m in _EMAIL.finditer(value):
            if any(s <= m.start() < e for s, e in inside):
                continue
            domain = m.group(1).lower()
            if any(domain == d or domain.endswith("." + d) for d in allowed_domains):
                continue
            found.append((m.start(), m.end(), "email address"))
    if not found:
        return
    found.sort(key=lambda x: (x[0], -(x[1] - x[0])))
    end = -1
    for start, stop, what in found:
        if start >= end:
            yield start, stop, what
            end = stop


@rule(
    "SP-PRIVACY-001", "direct-identifier", "error", suppressible=False, principle="P2",
    summary="Direct identifiers (phone, email, record numbers, dates of birth).",
    help="Remove the personal contact details or record numbers; take the conversation to a private channel. "
         "Company lines and email domains belong in [compliance.privacy] allow_phones / allow_email_domains.",
)
def direct_identifier(ctx: Context) -> Iterable[Hit]:
    for t in visible_texts(ctx):
        if not t.field.has_digit and "@" not in t.field.value:
            continue  # every identifier holds a digit, or "@" (emails)
        for start, end, what in _identifiers(ctx, t):
            excerpt = excerpt_of(t, start, end)
            yield Hit(f"{what} '{excerpt}' in the {t.field.name}: a direct identifier must not be published",
                      excerpt=excerpt, source=t.field.source)


# --- SP-PRIVACY-002 ------------------------------------------------------------------------------

_NAME = r"[A-Z][a-z]+(?:[-'’][A-Z]?[a-z]+)?"
_HANDLE = T.lazy(r"(?<![\w@.])@(\w{1,30})(?!\w|@|\.\w)")
_MEET = T.lazy(rf"\b[Mm]eet\s+({_NAME})\b")
_INITIAL = T.lazy(rf"\b({_NAME}) [A-Z]\.(?![\w.])")
# "Stay strong, Janet!" (not "Wilmington, Delaware!": a capitalised word before the comma is a place).
_ADDRESS = T.lazy(rf"(?<![A-Za-z])([a-z]+|[A-Z])[ \t]*,[ \t]*({_NAME})[ \t]*[!?]")
# What every match of _INITIAL and _ADDRESS holds (fast to look for: each starts with a literal character).
_INITIAL_NEEDS = T.lazy(r" [A-Z]\.")
_ADDRESS_NEEDS = T.lazy(rf",[ \t]*{_NAME}[ \t]*[!?]")
_GREETING_WORDS = frozenset({"hi", "hello", "hey", "dear", "thanks", "thank", "congrats", "congratulations",
                             "welcome"})
_GREETING = T.lazy(
    r"\b(?:Hi|Hello|Hey|Dear|Thanks|Thank you|Congrats|Congratulations|Welcome)"
    rf"[ \t]*,?[ \t]+({_NAME})[ \t]*[,!:]"
)
# Capitalised words that open the same patterns without naming a person ("Meet Our Team", "Vitamin D.").
_NOT_NAMES = frozenset("""
the our your their his her its my a an this these those that us me them you we everyone everybody all
friends folks team teams guys family today tomorrow tonight here there new more some every each
monday tuesday wednesday thursday friday saturday sunday january february march april may june july august
september october november december america world twitter facebook youtube pinterest instagram
linkedin back again doctor doctors nurse nurses patients researchers colleagues members partners parents
moms dads caregivers advocates survivors fans followers readers students graduates interns veterans volunteers
ladies gentlemen sir madam
vitamin hepatitis type stage plan phase part group class grade level option schedule series round section
appendix exhibit figure table building cohort arm study trial medicare
""".split())


def _person_identifiers(ctx: Context, t: Text) -> tuple[tuple[int, int], ...]:
    """(start, end) of each name or handle that identifies a person in one field."""
    memo = per_text_memo(ctx, "people")
    found = memo.get(t.masked)
    if found is None:
        found = memo[t.masked] = tuple(_find_people(ctx, t))
    return found  # type: ignore[no-any-return]


def _find_people(ctx: Context, t: Text) -> Iterator[tuple[int, int]]:
    masked = t.masked
    if "@" in masked:
        company = ctx.compliance.company_handles  # lower-cased by the configuration loader
        for m in _HANDLE.finditer(masked):
            if "@" + m.group(1).lower() not in company and m.group(1).lower() not in company:
                yield m.start(), m.end()
    not_names = _not_names(ctx)
    tokens = t.field.facts.masked_tokens
    patterns = (
        (_MEET, 1, "meet" in tokens),
        (_INITIAL, 1, "." in masked and _INITIAL_NEEDS.search(masked) is not None),
        (_ADDRESS, 2, ("!" in masked or "?" in masked) and _ADDRESS_NEEDS.search(masked) is not None),
        (_GREETING, 1, not _GREETING_WORDS.isdisjoint(tokens)),
    )
    for pattern, group, needed in patterns:
        if not needed:
            continue  # cheap pre-checks: these patterns are slow to run over every post
        for m in pattern.finditer(masked):
            if m.group(group).lower() not in not_names:
                yield m.start(group), m.end() if pattern is _INITIAL else m.end(group)


def _not_names(ctx: Context) -> frozenset[str]:
    """Words that are not people: the built-in list plus the sponsor's and products' names."""
    cache = ctx.compliance.cache
    if cache.not_names is None:
        extra = [ctx.compliance.sponsor, *ctx.compliance.pipeline_names, *ctx.compliance.embargoed_names]
        for p in ctx.compliance.products.values():
            extra += [p.brand, p.established]
        cache.not_names = _NOT_NAMES | {w.lower() for name in extra for w in name.split()}
    return cache.not_names


def _health(ctx: Context) -> T.Matcher:
    """Health terms: the built-in list, adverse-event terms, the products' indications and names."""
    def build() -> list[str]:
        terms = [*BUILTIN["health_terms"], *ctx.compliance.lexicon.get("health_terms", ()),
                 *BUILTIN["ae_terms"], *ctx.compliance.lexicon.get("ae_terms", ())]
        for p in ctx.compliance.products.values():
            terms += [*p.indication_terms, p.brand, p.established]
        return terms

    return compiled_terms(ctx, "health", build)


@rule(
    "SP-PRIVACY-002", "identifiable-health-information", "error", suppressible=False, principle="P2",
    summary="Identifiable person plus health information without consent.",
    help="Remove the name, handle or photo, or record the person's written consent in consent_ref.",
    # Health information first: its words are a cheap pre-check, people are found by slower patterns.
    when=lambda ctx: not ctx.post.consent_ref.strip(),
    lists=lambda ctx: (_health(ctx),),
)
def identifiable_health_information(ctx: Context) -> Iterable[Hit]:
    if ctx.post.consent_ref.strip():
        return
    assert ctx.rendered is not None
    # The whole post: a name in one tweet of a thread and a diagnosis in the next identify just as well.
    texts = visible_texts(ctx)
    term = next(((t, found) for t in texts if (found := _health_term(ctx, t)) is not None), None)
    if term is None:
        return
    people = [(t, s, e) for t in texts for s, e in _person_identifiers(ctx, t)]
    patients = [m for part in ctx.rendered.parts for m in part.media if m.depicts_patient]
    if not people and not patients:
        return
    ht, (hs, he, word) = term
    if people:
        t, s, e = people[0]
        who = excerpt_of(t, s, e)
        yield Hit(f"'{who}' identifies a person and the post gives health information ('{word}'), "
                  "with no consent_ref", excerpt=who, source=t.field.source)
    else:
        yield Hit(f"media '{patients[0].path}' depicts a patient and the post gives health information "
                  f"('{word}'), with no consent_ref",
                  excerpt=excerpt_of(ht, hs, he), source=ht.field.source)


def _health_term(ctx: Context, t: Text) -> tuple[int, int, str] | None:
    """The first health term of a field (adverse-event exceptions such as "no side effects" left out)."""
    memo = per_text_memo(ctx, "health")
    found = memo.get(t.masked, False)
    if found is False:
        words = t.field.words
        m = _health(ctx).search(ctx.words("ae_exceptions").blank(t.masked, words=words), words=words)
        found = memo[t.masked] = None if m is None else (m.start(), m.end(), m.group(0))
    return found  # type: ignore[no-any-return]


