"""P2–P5 conduct rules: disclosure (SP-TRANSPARENCY), privacy (SP-PRIVACY), medical advice (SP-RESPECT),
adverse events and MedWatch (SP-SAFETY), differing views (SP-VIEWS) and misinformation corrections
(SP-CORRECTION). How each decides: docs/rules.md.

Everything company- or product-specific comes from configuration: the sponsor (`[defaults] sponsor`),
company handles, allow-listed phones and email domains, reporting pathways and products. Word lists are
the built-in lists of lexicon.py extended by `[compliance.lexicon]`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from socialpub.rules import text as T
from socialpub.rules.engine import Context, Field, Hit, rule
from socialpub.rules.lexicon import BUILTIN
from socialpub.tomlsource import Source

# --- shared helpers ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Text:
    """A visible field of one unit (or the text a reply answers) with its URL-masked value."""

    unit: int
    field: Field
    masked: str


_DIGIT = re.compile(r"\d")


def _texts(ctx: Context, names: tuple[str, ...] = ("title", "text", "alt")) -> list[_Text]:
    """The visible fields of every unit (made once per context and names)."""
    key = ("conduct-texts", names)
    found = ctx.memo.get(key)
    if found is None:
        found = ctx.memo[key] = [_Text(u.index, f, f.masked) for u in ctx.units() for f in u.fields
                                 if f.name in names and f.value.strip()]
    return found  # type: ignore[return-value]


def _reply(ctx: Context) -> _Text | None:
    """The text a reply or correction answers, as a pseudo field that points at its front-matter line."""
    value = ctx.post.in_reply_to_text
    if not value.strip():
        return None
    found = ctx.memo.get("conduct-reply")
    if found is None:  # one field per context, so that excerpts taken from it map back to it (Context.reads)
        source = Source(ctx.post.file, ctx.post.line("in_reply_to_text"))
        field = ctx.reads(Field.of("in_reply_to_text", value, source))
        found = ctx.memo["conduct-reply"] = _Text(-1, field, field.masked)
    return found  # type: ignore[return-value]


_BOUNDARY = re.compile(r"[.!?;:](?=\s|$)|\n")


def _sentence(text: str, start: int, end: int) -> tuple[int, int]:
    """Bounds of the sentence (or clause after ':'/';') around [start, end)."""
    lo = 0
    for m in _BOUNDARY.finditer(text, 0, start):
        lo = m.end()
    after = _BOUNDARY.search(text, end)
    return lo, (after.end() if after else len(text))


_NEGATION = re.compile(r"^(?:not|no|never|cannot|without|neither|nor|non)$|n['’]t$", re.IGNORECASE)
_WORD = re.compile(r"[\w'’]+")


def _negated(text: str, start: int, words: int = 4) -> bool:
    """Whether one of the `words` words before `start` (same sentence) negates what follows."""
    lo, _ = _sentence(text, start, start)
    before = text[lo:start]
    if before.lower().endswith("non-"):
        return True
    return any(_NEGATION.search(w) for w in _WORD.findall(before)[-words:])


def _hit_excerpt(t: _Text, start: int, end: int) -> str:
    return t.field.value[start:end]


# Keypad letters, so that vanity numbers compare with their digits (1-800-FDA-1088 = 1-800-332-1088).
_KEYS = {"2": "abc", "3": "def", "4": "ghi", "5": "jkl", "6": "mno", "7": "pqrs", "8": "tuv", "9": "wxyz"}
_KEYPAD = {ord(c): d for d, letters in _KEYS.items() for c in letters}


def _phone_key(number: str) -> str:
    """Digits of a phone number, letters mapped to the keypad, without the NANP country code."""
    digits = "".join(ch for ch in number.lower().translate(_KEYPAD) if ch.isdigit())
    return digits[1:] if len(digits) == 11 and digits.startswith("1") else digits


def _is_phone_entry(entry: str) -> bool:
    """A configured entry that is a phone number (not a URL such as fda.gov/medwatch)."""
    return (re.fullmatch(r"\+?[\dA-Za-z\s().\-–]+", entry.strip()) is not None
            and sum(ch.isdigit() for ch in entry) >= 4 and not T.find_urls(entry))


def _allowed_phones(ctx: Context) -> frozenset[str]:
    """allow_phones plus the phone numbers of the reporting pathways (company safety lines, FDA)."""
    cache = ctx.compliance.cache
    if cache.allowed_phones is None:
        entries = [*ctx.compliance.allow_phones, *ctx.compliance.reporting]
        cache.allowed_phones = frozenset(_phone_key(e) for e in entries if _is_phone_entry(e))
    return cache.allowed_phones


def _compiled(ctx: Context, key: str, build: Callable[[], Iterable[str]]) -> T.Matcher:
    """A word list of configuration-derived terms, built once per configuration."""
    full = ("conduct", key)
    found = ctx.compliance.cache.term_lists.get(full)  # as ctx.terms keeps it, without building the terms again
    if found is None:
        found = ctx.terms(full, tuple(build()))
    return found


def _products(ctx: Context) -> list[tuple[str, T.Matcher]]:
    """(product key, pattern of its brand and established names) for every configured product."""
    return [(key, ctx.terms(("conduct", "product", key), (p.brand, p.established)))
            for key, p in ctx.compliance.products.items()]


# --- SP-TRANSPARENCY-001/002 ---------------------------------------------------------------------

_CONNECTED_AUTHORS = ("employee", "patient_ambassador", "influencer", "hcp_consultant")
# Clear forms the FTC's guides accept besides the lexicon's "disclosures" (sponsor-free).
_GENERIC_DISCLOSURES = ("ad:", "[ad]", "paid ad", "paid post", "paid promotion", "#paid", "#paidpartnership",
                        "#sponsoredpost")


def _aliases(ctx: Context) -> list[str]:
    """Names that designate the sponsor: the configured sponsor and the company handles."""
    names = [ctx.compliance.sponsor.strip()] if ctx.compliance.sponsor.strip() else []
    return names + ["@" + h.lstrip("@") for h in ctx.compliance.company_handles]


def _accepted(ctx: Context) -> T.Matcher:
    """Accepted disclosures: configured, built-in, and the usual forms built from the sponsor's name."""
    def build() -> list[str]:
        terms = [*BUILTIN["disclosures"], *ctx.compliance.lexicon.get("disclosures", ()),
                 *ctx.compliance.accepted_disclosures, *_GENERIC_DISCLOSURES]
        for name in _aliases(ctx):
            terms += [f"paid partnership with {name}", f"sponsored by {name}", f"paid by {name}",
                      f"I work for {name}", f"I work at {name}", f"employee of {name}", f"employed by {name}",
                      f"{name} employee", f"consultant for {name}", f"consultant to {name}",
                      f"I consult for {name}", f"{name} ambassador"]
        sponsor = ctx.compliance.sponsor.strip()
        if sponsor:
            tag = "#" + re.sub(r"\W", "", sponsor)
            for role in ("employee", "partner", "ambassador", "consultant"):
                terms += [f"{tag}{role}", f"{tag}_{role}"]
        return terms

    return _compiled(ctx, "accepted-disclosures", build)


def _ambiguous(ctx: Context) -> T.Matcher:
    def build() -> list[str]:
        terms = list(ctx.compliance.ambiguous_disclosures) or ["#sp", "#spon", "#collab", "#partner"]
        for name in _aliases(ctx):
            terms += [f"thanks {name}", f"thanks, {name}", f"thanks to {name}", f"thank you {name}",
                      f"thank you, {name}", f"thank you to {name}"]
        return terms

    return _compiled(ctx, "ambiguous-disclosures", build)


def _why_disclose(ctx: Context) -> str | None:
    """Why this post needs a disclosure, or None (hosted chats and third-party reposts: sponsored = true)."""
    if ctx.post.sponsored:
        return "a sponsored post (sponsored = true)"
    if ctx.post.author_type in _CONNECTED_AUTHORS:
        return f"a post by an author with a material connection (author_type = \"{ctx.post.author_type}\")"
    return None


def _disclosures(ctx: Context, texts: list[_Text]) -> list[tuple[_Text, re.Match[str]]]:
    """Accepted disclosures, except negated ones ("not sponsored")."""
    pattern = _accepted(ctx)
    return [(t, m) for t in texts for m in pattern.finditer(t.masked, words=t.field.words)
            if not _negated(t.masked, m.start(), 1)]


def _by_unit(ctx: Context) -> dict[int, list[_Text]]:
    # The disclosure must be where people read it: title and text (alt text and links do not count).
    units: dict[int, list[_Text]] = {u.index: [] for u in ctx.units()}
    for t in _texts(ctx, ("title", "text")):
        units[t.unit].append(t)
    return units


@rule(
    "SP-TRANSPARENCY-001", "missing-disclosure", "error", principle="P4",
    summary="Sponsor or material connection not clearly disclosed.",
    help="Disclose the connection clearly in the text itself, e.g. '#ad', 'Paid partnership with <sponsor>', "
         "'#<Sponsor>Employee' or 'I work for <sponsor>'; ambiguous tags (#sp, #partner) do not count.",
    when=lambda ctx: _why_disclose(ctx) is not None,
)
def missing_disclosure(ctx: Context) -> Iterable[Hit]:
    why = _why_disclose(ctx)
    if why is None:
        return
    # Each tweet of a thread can be read on its own in a timeline, so each carries its own disclosure.
    for index, texts in _by_unit(ctx).items():
        if _disclosures(ctx, texts):
            continue
        ambiguous = [(t, m) for t in texts for m in _ambiguous(ctx).finditer(t.masked, words=t.field.words)]
        where = f"tweet {index + 1}" if len(ctx.units()) > 1 else "the post"
        message = f"{why} has no accepted disclosure in {where}"
        if ambiguous:
            names = list(dict.fromkeys(f"'{m.group(0)}'" for _, m in ambiguous))
            verbs = "is ambiguous and does" if len(names) == 1 else "are ambiguous and do"
            t, m = ambiguous[0]
            yield Hit(f"{message}; {', '.join(names)} {verbs} not count",
                      excerpt=_hit_excerpt(t, m.start(), m.end()), source=t.field.source)
        else:
            assert ctx.rendered is not None
            yield Hit(message, source=texts[0].field.source if texts else ctx.rendered.parts[index].source)


def _trailing_hashtags(masked: str) -> tuple[int, int]:
    """(number of hashtags, offset where they start) of the run of hashtags that ends the text."""
    tokens = [(m.group(0), m.start()) for m in re.finditer(r"\S+", masked)]
    count, start = 0, len(masked)
    for token, offset in reversed(tokens):
        if not re.fullmatch(r"#\w+[.,!?]*", token):
            break
        count, start = count + 1, offset
    return count, start


@rule(
    "SP-TRANSPARENCY-002", "weak-disclosure", "warning", principle="P4",
    summary="Disclosure present but weakly placed (after the fold or among trailing hashtags).",
    help="Move the disclosure to the start of the text, before 'more' and outside the closing hashtags.",
    when=lambda ctx: _why_disclose(ctx) is not None,
)
def weak_disclosure(ctx: Context) -> Iterable[Hit]:
    if _why_disclose(ctx) is None:
        return
    assert ctx.rendered is not None
    # The configured fold (default 125), or the channel's own when it shows less (Pinterest: 100).
    fold = min(ctx.compliance.disclosure_fold, ctx.rendered.fold or ctx.compliance.disclosure_fold)
    limit = ctx.compliance.max_trailing_hashtags
    for texts in _by_unit(ctx).values():
        found = _disclosures(ctx, texts)
        if not found:
            continue  # SP-TRANSPARENCY-001's business
        problems: list[tuple[_Text, re.Match[str], str]] = []
        for t, m in found:
            if t.field.name == "title":
                problems = []
                break  # a title is read first
            count, run_start = _trailing_hashtags(t.masked)
            if count > limit and m.start() >= run_start:
                problems.append((t, m, f"sits in a trailing run of {count} hashtags (more than {limit})"))
            elif m.start() >= fold:
                problems.append((t, m, f"starts at character {m.start() + 1}, after the first {fold}"))
            else:
                problems = []
                break  # one well-placed disclosure is enough
        if problems:
            t, m, why = problems[0]
            yield Hit(f"the disclosure '{m.group(0)}' {why}: readers may not see it",
                      excerpt=_hit_excerpt(t, m.start(), m.end()), source=t.field.source)


# --- SP-PRIVACY-001 ------------------------------------------------------------------------------

_NOT_INSIDE = r"(?<![\w#@/+.\-–])"  # not inside a word, hashtag, handle, path or longer number
_SEP = r"[ .\-–]?"
_PHONE_NANP = re.compile(
    _NOT_INSIDE + rf"(?:\+?1{_SEP})?(?:\(\d{{3}}\) ?|\d{{3}}{_SEP})\d{{3}}{_SEP}\d{{4}}(?![\w\-–])"
)
# Vanity numbers (1-800-FDA-1088): letters only after a dash or dot, and the tail must also hold a digit.
_PHONE_VANITY = re.compile(
    _NOT_INSIDE
    + r"(?:\+?1[ .\-–])?(?:\(\d{3}\) ?|\d{3}[.\-–])([A-Za-z0-9]{3})[.\-–]?([A-Za-z0-9]{4})(?![\w\-–])"
)
_PHONE_INTL = re.compile(_NOT_INSIDE + r"\+[2-9]\d{0,2}(?:[ .\-–]?\(?\d{1,4}\)?){2,5}(?![\w\-–])")
_PHONE_LOCAL = re.compile(  # seven digits only after a cue: "call 555-0147"
    r"\b(?:call|phone|tel|telephone|text|cell|mobile|fax|reach)\b[\s:.]*(?:\w+\s+at\s+)?"
    r"(?<![\w\-–])(\d{3}[.\-–]\d{4})(?![\w\-–])",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"(?<![\w.+\-])[\w.%+\-]+@([A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,})\b")
_RECORD = re.compile(
    r"\b(?:MRN|medical\s+record(?:\s+(?:number|no\.?|#))?|member\s+(?:ID|number|no\.?)|patient\s+ID"
    r"|health\s+plan\s+(?:ID|number)|SSN|social\s+security(?:\s+(?:number|no\.?|#))?)"
    r"\s*[:#]?\s*(?:is\s+)?(?=[A-Z0-9\-]*\d)[A-Z0-9][A-Z0-9\-]{3,}",
    re.IGNORECASE,
)
_SSN = re.compile(r"(?<![\w\-–/.])\d{3}-\d{2}-\d{4}(?![\w\-–])")
_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
          r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_FULL_DATE = (rf"(?:\d{{1,2}}[/.\-]\d{{1,2}}[/.\-](?:\d{{4}}|\d{{2}})(?!\d)|\d{{4}}-\d{{2}}-\d{{2}}(?!\d)"
              rf"|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}(?!\d)"
              rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH},?\s+\d{{4}}(?!\d))")
_BIRTH_DATE = re.compile(
    rf"(?:\bDOB\b|\bD\.O\.B\.|\bdate\s+of\s+birth\b|\bbirth\s*date\b|\bborn\b|\bbirthday\b)"
    rf"\s*[:\-–]?\s*(?:is\s+|was\s+|on\s+|in\s+)?{_FULL_DATE}",
    re.IGNORECASE,
)


# What every NANP, vanity, local and Social Security number holds (an international one holds "+").
_PHONE_HINT = re.compile(r"\d{3}(?:\)|[.\-–]|[ .\-–]?\d{3}[ .\-–]?\d{4})")
_RECORD_WORDS = frozenset({"mrn", "medical", "member", "patient", "health", "ssn", "social"})
_BIRTH_WORDS = frozenset({"dob", "birth", "born", "birthday", "birthdate"})


def _scheme_url_spans(value: str) -> list[tuple[int, int]]:
    return [(s, e) for url, s, e in T.url_spans(value) if "://" in url]


def _per_text(ctx: Context, name: str) -> dict[str, Any]:
    """A memo of per-text results that depend only on the text and the configuration: a post's text goes to
    several channels (and generated or re-used texts recur), each of which would find the same again."""
    memos = ctx.compliance.cache.per_text
    memo = memos.get(name)
    if memo is None or len(memo) >= 4096:
        memo = memos[name] = {}
    return memo


def _identifiers(ctx: Context, t: _Text) -> tuple[tuple[int, int, str], ...]:
    """(start, end, what) of each direct identifier in one field, overlaps removed."""
    memo = _per_text(ctx, "identifiers")
    found = memo.get(t.field.value)
    if found is None:
        found = memo[t.field.value] = tuple(_find_identifiers(ctx, t))
    return found  # type: ignore[no-any-return]


def _find_identifiers(ctx: Context, t: _Text) -> Iterator[tuple[int, int, str]]:
    masked, value = t.masked, t.field.value
    found: list[tuple[int, int, str]] = []
    # Cheap pre-checks first: most posts hold no digit, no three digits in a row, and no record or birth words
    # (every phone, SSN, record and date pattern needs a digit).
    digit = t.field.has_digit
    if digit and (_PHONE_HINT.search(masked) or "+" in masked):
        allowed = _allowed_phones(ctx)
        phones = [(m.start(), m.end()) for m in _PHONE_NANP.finditer(masked)]
        phones += [(m.start(), m.end()) for m in _PHONE_VANITY.finditer(masked)
                   if re.search(r"[A-Za-z]", m[1] + m[2]) and re.search(r"\d", m[1] + m[2])]
        phones += [(m.start(), m.end()) for m in _PHONE_INTL.finditer(masked)
                   if 8 <= sum(ch.isdigit() for ch in m.group(0)) <= 15]
        phones += [(m.start(1), m.end(1)) for m in _PHONE_LOCAL.finditer(masked)]
        for start, end in phones:
            number = value[start:end]
            # 1-800-FDA-xxxx is the MedWatch line, right or wrong: a wrong one is SP-SAFETY-002's business.
            if "fda" in number.lower() or _phone_key(number) in allowed:
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
    for t in _texts(ctx):
        if not t.field.has_digit and "@" not in t.field.value:
            continue  # every identifier holds a digit, or "@" (emails)
        for start, end, what in _identifiers(ctx, t):
            excerpt = _hit_excerpt(t, start, end)
            yield Hit(f"{what} '{excerpt}' in the {t.field.name}: a direct identifier must not be published",
                      excerpt=excerpt, source=t.field.source)


# --- SP-PRIVACY-002 ------------------------------------------------------------------------------

_NAME = r"[A-Z][a-z]+(?:[-'’][A-Z]?[a-z]+)?"
_HANDLE = re.compile(r"(?<![\w@.])@(\w{1,30})(?!\w|@|\.\w)")
_MEET = re.compile(rf"\b[Mm]eet\s+({_NAME})\b")
_INITIAL = re.compile(rf"\b({_NAME}) [A-Z]\.(?![\w.])")
# "Stay strong, Janet!" (not "Wilmington, Delaware!": a capitalised word before the comma is a place).
_ADDRESS = re.compile(rf"(?<![A-Za-z])([a-z]+|[A-Z])[ \t]*,[ \t]*({_NAME})[ \t]*[!?]")
# What every match of _INITIAL and _ADDRESS holds (fast to look for: each starts with a literal character).
_INITIAL_NEEDS = re.compile(r" [A-Z]\.")
_ADDRESS_NEEDS = re.compile(rf",[ \t]*{_NAME}[ \t]*[!?]")
_GREETING_WORDS = frozenset({"hi", "hello", "hey", "dear", "thanks", "thank", "congrats", "congratulations",
                             "welcome"})
_GREETING = re.compile(
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


def _person_identifiers(ctx: Context, t: _Text) -> tuple[tuple[int, int], ...]:
    """(start, end) of each name or handle that identifies a person in one field."""
    memo = _per_text(ctx, "people")
    found = memo.get(t.masked)
    if found is None:
        found = memo[t.masked] = tuple(_find_people(ctx, t))
    return found  # type: ignore[no-any-return]


def _find_people(ctx: Context, t: _Text) -> Iterator[tuple[int, int]]:
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

    return _compiled(ctx, "health", build)


@rule(
    "SP-PRIVACY-002", "identifiable-health-information", "error", suppressible=False, principle="P2",
    summary="Identifiable person plus health information without consent.",
    help="Remove the name, handle or photo, or record the person's written consent in consent_ref.",
    # Health information first: its words are a cheap pre-check, people are found by slower patterns.
    when=lambda ctx: not ctx.post.consent_ref.strip() and ctx.may_match(_health(ctx)),
)
def identifiable_health_information(ctx: Context) -> Iterable[Hit]:
    if ctx.post.consent_ref.strip():
        return
    assert ctx.rendered is not None
    # The whole post: a name in one tweet of a thread and a diagnosis in the next identify just as well.
    texts = _texts(ctx)
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
        who = _hit_excerpt(t, s, e)
        yield Hit(f"'{who}' identifies a person and the post gives health information ('{word}'), "
                  "with no consent_ref", excerpt=who, source=t.field.source)
    else:
        yield Hit(f"media '{patients[0].path}' depicts a patient and the post gives health information "
                  f"('{word}'), with no consent_ref",
                  excerpt=_hit_excerpt(ht, hs, he), source=ht.field.source)


def _health_term(ctx: Context, t: _Text) -> tuple[int, int, str] | None:
    """The first health term of a field (adverse-event exceptions such as "no side effects" left out)."""
    memo = _per_text(ctx, "health")
    found = memo.get(t.masked, False)
    if found is False:
        words = t.field.words
        m = _health(ctx).search(ctx.words("ae_exceptions").blank(t.masked, words=words), words=words)
        found = memo[t.masked] = None if m is None else (m.start(), m.end(), m.group(0))
    return found  # type: ignore[no-any-return]


# --- SP-RESPECT-001 ------------------------------------------------------------------------------

_HCP = (r"(?:doctor|doctors|physician|healthcare\s+provider|health\s+care\s+provider"
        r"|healthcare\s+professional|pharmacist|nurse|care\s+team|oncologist|hcp|prescriber)")
# Where advice phrases are about medicines ("try taking a walk", "switch to paperless" are not).
_MEDICAL_CONTEXT = re.compile(
    rf"\b(?:{_HCP}|meds?|medicines?|medications?|drugs?|treatments?|therap(?:y|ies)|pills?|tablets?|capsules?"
    rf"|injections?|infusions?|inhalers?|doses?|dosing|dosage|prescriptions?|chemo(?:therapy)?)\b",
    re.IGNORECASE,
)
# The sentence sends the reader to their own healthcare professional ("… and call your doctor right away").
_REFERRAL = re.compile(
    rf"(?<!n't )(?<!n’t )(?<!not )(?<!never )(?<!without )"
    rf"\b(?:talk|speak|check|consult|call|ask|tell|contact)\s+(?:to\s+|with\s+)?(?:your|a|their)\s+{_HCP}\b",
    re.IGNORECASE,
)
_DEFERRAL = re.compile(
    rf"\bwithout\s+(?:first\s+)?(?:talking|speaking|checking|consulting|asking)\b|\bunless\s+(?:your|a)\s+{_HCP}\b",
    re.IGNORECASE,
)


def _medical_context(ctx: Context, masked: str) -> bool:
    if _MEDICAL_CONTEXT.search(masked):
        return True
    if any(p.search(masked) for _, p in _products(ctx)):
        return True
    c = ctx.compliance
    pipeline = _compiled(ctx, "pipeline", lambda: (*c.pipeline_codes, *c.pipeline_names))
    return pipeline.search(masked) is not None


@rule(
    "SP-RESPECT-001", "medical-advice", "error", principle="P2, P3",
    summary="Individual medical or dosing advice.",
    help="Do not tell individuals how to take, stop or change a medicine; refer them to their healthcare "
         "provider and the prescribing information.",
    when=lambda ctx: ctx.may_match(ctx.words("medical_advice")),
)
def medical_advice(ctx: Context) -> Iterable[Hit]:
    advice = ctx.words("medical_advice")
    for t in _texts(ctx):
        text = t.masked
        matches = list(advice.finditer(text, words=t.field.words))
        if not matches or not _medical_context(ctx, text):
            continue
        for m in matches:
            lo, hi = _sentence(text, m.start(), m.end())
            sentence = text[lo:hi]
            phrase = m.group(0).lower()
            if re.search(_HCP, phrase, re.IGNORECASE) or "need to see" in phrase:
                # The phrase itself bypasses the doctor; only "Do not … without asking your doctor" is fine.
                if not (phrase.startswith("without") and _negated(text, m.start(), 30)):
                    yield _advice_hit(t, m)
                continue
            if _REFERRAL.search(sentence):
                continue  # label language: "Stop taking X and call your doctor right away if …"
            if _negated(text, m.start()) and (_DEFERRAL.search(sentence) or _REFERRAL.search(text)):
                continue  # "Do not stop taking X without talking to your doctor", "Don't … Ask your doctor."
            yield _advice_hit(t, m)


def _advice_hit(t: _Text, m: re.Match[str]) -> Hit:
    return Hit(f"'{m.group(0)}' is individual medical or dosing advice",
               excerpt=_hit_excerpt(t, m.start(), m.end()), source=t.field.source)


# --- SP-SAFETY-001 -------------------------------------------------------------------------------

_MEDWATCH_PATHWAYS = ("1-800-FDA-1088", "fda.gov/medwatch")
# "Stage I", "phase I", "i.e.": the letter I that is not the first person.
_NOT_FIRST_PERSON = re.compile(
    r"\b(?:stage|phase|type|grade|class|part|chapter|schedule|tier|level|cohort|arm|world\s+war)\s+I\b|\bi\.e\.",
    re.IGNORECASE,
)
_SORRY = re.compile(r"\bsorry\b", re.IGNORECASE)


def _personal(ctx: Context, t: _Text) -> re.Match[str] | None:
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


def _ae_terms(ctx: Context, t: _Text) -> re.Match[str] | None:
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
    reply = _reply(ctx)
    return reply is not None and terms.may_match(reply.masked, words=reply.field.words)


def _pathways(ctx: Context) -> tuple[frozenset[str], tuple[str, ...]]:
    """Reporting pathways: (phone keys, other needles such as URLs), configured plus FDA MedWatch."""
    cache = ctx.compliance.cache
    if cache.pathways is None:
        entries = [*_MEDWATCH_PATHWAYS, *ctx.compliance.reporting]
        phones = frozenset(_phone_key(e) for e in entries if _is_phone_entry(e))
        # "https://www.x.example/safety" configured also counts when the post writes www.x.example/safety.
        others = tuple(re.sub(r"^https?://", "", e.strip().lower()) for e in entries
                       if not _is_phone_entry(e) and e.strip())
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
                for pattern in (_PHONE_NANP, _PHONE_VANITY, _PHONE_INTL):
                    if any(_phone_key(m.group(0)) in phones for m in pattern.finditer(f.masked)):
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
    reply = _reply(ctx)
    texts = _texts(ctx)
    # An adverse-event context: someone's own experience (AE term and first person in the same text), or
    # our "sorry to hear" answering a text that names an AE.
    found: tuple[_Text, re.Match[str]] | None = None
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
              excerpt=_hit_excerpt(t, term.start(), term.end()), source=t.field.source)


# --- SP-SAFETY-002 / 003 -------------------------------------------------------------------------

_FDA_NUMBER = re.compile(r"(?<!\w)(?:\+?1[\s.\-–]*)?\(?800\)?[\s.\-–]*FDA[\s.\-–]*(\w+)", re.IGNORECASE)
_STATEMENT_START = re.compile(r"you\s+are\s+encouraged\s+to\s+report", re.IGNORECASE)
_STATEMENT = ("You are encouraged to report negative side effects of prescription drugs to the FDA. "
              "Visit {url}, or call 1-800-FDA-1088.")
# The FDA's wording, with the URL as printed, with http:// (a documented variant) or its https:// form.
_STATEMENTS = tuple(_STATEMENT.format(url=u) for u in
                    ("www.fda.gov/medwatch", "http://www.fda.gov/medwatch", "https://www.fda.gov/medwatch"))
_ABOUT_REPORTING = re.compile(r"side\s+effects?|adverse|\bFDA\b|medwatch", re.IGNORECASE)
_MEDWATCH_ATTEMPT = re.compile(
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
    for t in _texts(ctx):
        lower = t.field.facts.lower
        if "fda" not in lower and "encouraged" not in lower:
            continue
        # What is wrong depends on the text alone: found once per distinct text (a post's text goes to
        # several channels).
        memo = _per_text(ctx, "reporting")
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


# --- SP-VIEWS-001 --------------------------------------------------------------------------------

# Moderation is fine when content-based (profanity, PHI, AE reports, off-label claims…)…
_CONTENT_BASED = re.compile(
    r"\b(?:profan\w*|obscen\w*|vulgar\w*|spam\w*|personal\s+(?:health\s+)?information|PHI|private\s+information"
    r"|contact\s+details|phone\s+numbers?|off-label|adverse\s+events?|side\s+effects?|harass\w*|hate\s+speech"
    r"|hateful|threat\w*|abus\w*|bully\w*|illegal|unlawful|copyright\w*|advertis\w*|solicitation|promotional"
    r"|confidential|personal\s+attacks?|insult\w*|slurs?|scams?|fraud\w*|impersonat\w*|off-?topic|explicit"
    r"|graphic\s+(?:content|images?)|malware|phishing|doxx\w*|offensive|disrespectful|uncivil|inappropriate"
    r"|(?:medical|health)\s+(?:details|information|records?|history)|unapproved\s+uses?|by\s+(?:brand\s+)?name"
    r"|product\s+names?|violat\w*\s+(?:our|these|the|this)\s+(?:community\s+|house\s+|page\s+)?"
    r"(?:guidelines|rules|terms|polic(?:y|ies)|code\s+of\s+conduct))\b",
    re.IGNORECASE,
)
# … and never when it is about the opinion ("comments that criticize us", "comments we don't agree with").
_VIEWPOINT = re.compile(
    r"\b(?:critic\w*|disagree\w*|dissent\w*|complain\w*|opposing|unfavou?rable|disapprov\w*|unhappy"
    r"|bad\s+reviews?|(?:do\s+not|don['’]t)\s+(?:agree|like)|against\s+(?:us|our|the\s+company)"
    r"|(?:opinions?|views?)\s+(?:that|which|we|you)\b)\b"
    r"|(?<![\w\-‐‑–])negative\b",  # not "HER2-negative"
    re.IGNORECASE,
)
# A respectful verb whose object is the comments themselves: "we welcome comments that criticize us", "we
# respond to all comments". Only the few words just before the matched phrase count: "we appreciate your
# feedback, but we remove comments that criticize us" is no welcome.
_RESPECT = re.compile(
    r"\b(?:welcome[sd]?|encourages?|values?|appreciates?|invites?|respond\s+to|reply\s+to|answer|read|"
    r"listen\s+to|keep|allow|leave)\s+(?:(?:all|any|the|your|even|also|those)\s+){0,2}$",
    re.IGNORECASE,
)
# … or when the rest of the sentence welcomes them: "comments that criticize us are always welcome".
_WELCOMED = re.compile(
    r"^[^,;]*?\b(?:are|is)\s+(?:(?:always|very|most|more\s+than|also)\s+)*(?:welcomed?|appreciated|valued"
    r"|encouraged|invited)\b",
    re.IGNORECASE,
)
# A purpose clause says why, not what is removed: "To keep this page positive, we remove comments that…", "in
# order to keep this a supportive space, we will delete negative comments". Its words (a respectful "keep",
# "welcome", a "no", a topic) must not decide, so it is blanked before the sentence is judged; it ends at a
# comma or where the main clause starts ("… space we remove …").
_PURPOSE = re.compile(
    r"\b(?:(?:in\s+order|so\s+as)\s+)?to\s+(?:help\s+)?(?:keep|make|ensure|maintain|protect|create|foster|preserve"
    r"|promote|provide|build|support|guarantee|stay)\b[^,;:.!?\n]*?(?=[,;:.!?\n]|\s+(?:we|i|our|moderators?|admins?"
    r"|the\s+team)\b|$)"
    r"|\b(?:so\s+that|in\s+the\s+interest\s+of|for\s+the\s+sake\s+of)\b[^,;:.!?\n]*?(?=[,;:.!?\n]|\s+(?:we|i|our"
    r"|moderators?|admins?|the\s+team)\b|$)",
    re.IGNORECASE,
)


@rule(
    "SP-VIEWS-001", "suppressing-views", "warning", principle="P5",
    summary="Language that suppresses differing views.",
    help="Moderate by content (profanity, personal information, adverse-event reports, off-label claims), "
         "never by viewpoint.",
    when=lambda ctx: ctx.may_match(ctx.words("suppress_views")),
)
def suppressing_views(ctx: Context) -> Iterable[Hit]:
    """How it decides: docs/rules.md, SP-VIEWS-001."""
    pattern = ctx.words("suppress_views")
    for t in _texts(ctx):
        text = t.masked
        judged: str | None = None  # the text with purpose clauses blanked (same length)
        for m in pattern.finditer(text, words=t.field.words):
            if judged is None:
                judged = T.blank(text, _PURPOSE)
            lo, hi = _sentence(judged, m.start(), m.end())
            if (_negated(judged, m.start()) or _RESPECT.search(judged[max(lo, m.start() - 40):m.start()])
                    or _WELCOMED.search(judged[m.end():hi])):
                continue  # "we never delete comments", "we welcome comments that criticize us", "… are welcome"
            sentence = judged[lo:hi]
            if _CONTENT_BASED.search(sentence) and not _VIEWPOINT.search(sentence):
                continue  # "we remove comments that contain profanity or personal information"
            yield Hit(f"'{m.group(0)}' suppresses differing views: moderation must be content-based",
                      excerpt=_hit_excerpt(t, m.start(), m.end()), source=t.field.source)


# --- SP-CORRECTION-001 ---------------------------------------------------------------------------

_HASHTAG = re.compile(r"(?<![\w&#])#(?=\w*[^\W\d])\w+")
# A sentence that corrects rather than claims: negation, an explicit correction, or a qualifier.
_CORRECTING = re.compile(
    r"\b(?:not|no|never|cannot|neither|nor|false|untrue|incorrect|inaccurate|misleading|myth|misinformation"
    r"|wrong|mistaken|has\s+not\s+been\s+shown|not\s+been\s+shown|can\s+cause|may\s+cause|serious|risks?"
    r"|limited)\b|n['’]t\b",
    re.IGNORECASE,
)
# A sentence that quotes a claim to refute it ("the claim that X cures cancer is false").
_REFUTING = re.compile(
    r"\b(?:false|untrue|not\s+true|incorrect|inaccurate|not\s+accurate|misleading|myth|misinformation|wrong"
    r"|mistaken)\b",
    re.IGNORECASE,
)
_WEAK_WORDS = frozenset({"works", "work", "with", "from", "completely", "totally", "that", "this"})


def _family(term: str) -> re.Pattern[str]:
    """Forms of a term's content words: 'cures' -> cure, cured, curing; 'no side effects' -> side, effects."""
    words = [w for w in re.findall(r"[a-z]+", term.lower()) if len(w) >= 4 and w not in _WEAK_WORDS]
    words = words or re.findall(r"[a-z]+", term.lower())
    stems = []
    for w in words:
        for suffix in ("ing", "ed", "es", "s", "d"):
            if w.endswith(suffix) and len(w) - len(suffix) >= 3:
                w = w[: -len(suffix)]
                break
        if w.endswith("e") and len(w) >= 4:
            w = w[:-1]
        stems.append(re.escape(w))
    return re.compile(rf"(?<!\w)(?:{'|'.join(stems)})\w{{0,6}}(?!\w)", re.IGNORECASE)


def _addressed(term: str, texts: list[_Text]) -> bool:
    """Whether the correction takes up the overstatement in a correcting sentence ("is not a cure")."""
    family = _family(term)
    for t in texts:
        for m in family.finditer(t.masked):
            lo, hi = _sentence(t.masked, m.start(), m.end())
            if _CORRECTING.search(t.masked, lo, hi):
                return True
    return False


def _url_key(url: str) -> str:
    bare = re.sub(r"^[a-z][a-z0-9+.\-]*://", "", url.strip(), flags=re.IGNORECASE)
    host, _, path = bare.partition("/")
    return host.lower() + "/" + path.rstrip("/")


@rule(
    "SP-CORRECTION-001", "noncompliant-correction", "error", principle="P1, P5",
    summary="Misinformation correction not compliant.",
    help="A correction is factual and non-promotional: no superlatives, hype or hashtags; it names the firm, "
         "links to the product's prescribing information or risk page, and corrects each overstatement.",
    when=lambda ctx: ctx.post.post_type == "correction",
)
def noncompliant_correction(ctx: Context) -> Iterable[Hit]:
    if ctx.post.post_type != "correction":
        return
    assert ctx.rendered is not None
    texts = _texts(ctx, ("title", "text"))
    reply = _reply(ctx)
    claims = ctx.words("absolute_claims")
    exceptions = ctx.words("absolute_exceptions")
    hype = ctx.words("hype")

    # 1. Superlatives, hype, hashtags: a correction must not promote (repeating a claim to deny it is fine).
    for t in texts:
        cleaned = exceptions.blank(t.masked, words=t.field.words)
        for pattern, kind in ((claims, "superlative or absolute claim"), (hype, "hype word")):
            for m in pattern.finditer(cleaned, words=t.field.words):
                lo, hi = _sentence(cleaned, m.start(), m.end())
                if _negated(cleaned, m.start()) or _REFUTING.search(cleaned, lo, hi):
                    continue
                yield Hit(f"{kind} '{m.group(0)}' in a correction: corrections must not promote",
                          excerpt=_hit_excerpt(t, m.start(), m.end()), source=t.field.source)
        tags = list(_HASHTAG.finditer(t.masked))
        if tags:
            names = ", ".join(dict.fromkeys(m.group(0) for m in tags))
            yield Hit(f"hashtags in a correction ({names}): a correction is not a campaign",
                      excerpt=_hit_excerpt(t, tags[0].start(), tags[0].end()), source=t.field.source)

    source = ctx.rendered.parts[0].source
    # 2. A link to the PI or risk page of the product the correction (or the corrected text) is about.
    sources = [*texts, *([reply] if reply else [])]
    named = [key for key, p in _products(ctx) if any(p.search(t.masked) for t in sources)]
    if named:
        urls = {_url_key(url) for u in ctx.units() for _, url in u.urls()}
        for key in named:
            product = ctx.compliance.products[key]
            wanted = [x for x in (product.pi_url, product.risk_url) if x]
            if wanted and not urls & {_url_key(x) for x in wanted}:
                yield Hit(f"no link to the prescribing information or risk page of {product.brand} "
                          f"({' or '.join(wanted)})", source=source)

    # 3. The firm speaks as itself.
    aliases = _aliases(ctx)
    if aliases:
        firm = _compiled(ctx, "firm", lambda: aliases)
        if not any(firm.search(t.masked) for t in texts):
            yield Hit(f"the correction does not identify the firm ({' or '.join(aliases)})", source=source)

    # 4. Each overstatement in the corrected text is taken up, not left standing.
    if reply is not None:
        subject = ctx.compliance.products[named[0]].brand if named else "it"
        text = exceptions.blank(reply.masked, words=reply.field.words)
        seen: set[str] = set()
        for m in ctx.words("overstatements").finditer(text, words=reply.field.words):
            word = m.group(0).lower()
            if word in seen or _negated(text, m.start()):
                continue
            seen.add(word)
            if not _addressed(word, texts):
                yield Hit(f"the corrected text says '{m.group(0)}' and the correction leaves it standing",
                          excerpt=_hit_excerpt(reply, m.start(), m.end()), source=reply.field.source,
                          hint=f"say plainly what is wrong (e.g. '{subject} is not a cure'), with the "
                               "approved indication and the most serious risks")
