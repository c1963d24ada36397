"""channels.toml: defaults, channels with credential references, and the compliance settings."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from socialpub.adapters.base import KINDS, adapter_class
from socialpub.credentials import ENV_NAME, CredentialRef
from socialpub.errors import ConfigError
from socialpub.runcache import RunCache
from socialpub.situations import SITUATIONS
from socialpub.tomlsource import PLAUSIBLE_YEARS, Key, Problems, TomlDoc, did_you_mean, parse_toml, read_text, type_name

log = logging.getLogger("socialpub")

CONFIG_NAME = "channels.toml"
MAX_CONFIG_BYTES = 1_000_000
RULE_LEVELS = ("error", "warning", "off")
_DURATION = re.compile(r"^\s*(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?\s*(?:(\d+)\s*s)?\s*$")
# The longest duration a setting takes: a year. Longer ones are typing slips ("99999999d"), and would make
# `max_lateness` publish posts years after their time.
MAX_DURATION = timedelta(days=366)


def parse_duration(text: str) -> timedelta | None:
    """'24h', '30m', '1h30m', '2d' -> timedelta; None when it is not a duration (or is longer than any
    timedelta)."""
    m = _DURATION.match(text)
    if not m or not any(m.groups()):
        return None
    try:
        d, h, mi, s = (int(g) if g else 0 for g in m.groups())
        return timedelta(days=d, hours=h, minutes=mi, seconds=s)
    except (OverflowError, ValueError):  # '99999999999d'; more digits than int() converts (4300)
        return None


def _duration_check(*, zero: bool) -> Callable[[str], str | None]:
    """The check of a duration setting: a duration of at most MAX_DURATION (zero only where `zero` allows)."""

    def problem(value: str) -> str | None:
        duration = parse_duration(value)
        shown = value if len(value) <= 40 else value[:40] + "…"
        if duration is None:
            return f"'{shown}' is not a duration like '24h', '30m' or '1h30m' (no sign, whole numbers)"
        if duration > MAX_DURATION:
            return f"'{shown}' is longer than {MAX_DURATION.days} days"
        if not zero and not duration:
            return f"'{shown}' is zero: it must be longer than that"
        return None

    return problem


_DURATION_HINT = f"write a duration such as '24h', '30m', '1h30m' or '2d' (at most {MAX_DURATION.days}d)"


def _zone_problem(value: str) -> str | None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: 'America' is a folder of tzdata
        return f"'{value}' is not an IANA time zone name such as 'America/New_York'"
    return None


@dataclass(frozen=True, slots=True)
class CodeRegex:
    """`[compliance.approval] code_regex`, compiled to read approval codes (rules/meta.py)."""

    pattern: str  # as configured
    compiled: Any  # matches a code's UTF-8 bytes as RE2 reads the pattern: `search(data)`, then `span(group)`
    month: int | None  # the number of the group month; None when the pattern has none
    yy: int | None


# The built-in pattern as RE2 reads it (\d and \s are ASCII, and RE2's \s leaves out the vertical tab; `$` is
# the very end), written for Python's `re`. It has no nested repetition, so backtracking costs nothing, and `re`
# reads a code several times faster than the re2 module's wrapper (a code per post: 3% of a short post's check).
_DEFAULT_AS_RE = rb"^(?P<id>[0-9]{7})[\t\n\f\r ]+Last Updated (?P<month>1[0-2]|0?[1-9])/(?P<yy>[0-9]{2})\Z"


def compile_code_regex(pattern: str) -> CodeRegex:
    """`[compliance.approval] code_regex` compiled with RE2: it matches in time linear in the code's length
    whatever the pattern (Python's `re` backtracks: `(a+)+$` takes minutes on a 40-character code), at the
    price of look-arounds and back-references, which an approval code does not need. The built-in pattern,
    known to be safe, goes to `re` instead (`_DEFAULT_AS_RE`, tested to match as RE2 does). Raises `re2.error`."""
    if pattern == DEFAULT_CODE_REGEX:
        compiled: Any = re.compile(_DEFAULT_AS_RE)
    else:
        import re2

        options = re2.Options()
        options.log_errors = False  # RE2 would also print the error to stderr; the message says it
        compiled = re2.compile(pattern, options)
    groups = compiled.groupindex  # built anew at every call by the re2 module: read once here
    return CodeRegex(pattern, compiled, groups.get("month"), groups.get("yy"))


_REGEX_HINT = ("write RE2 syntax (no look-arounds, no back-references), with the groups month and yy for the "
               "approval date, e.g. '^(?P<id>\\d{7})\\s+Last Updated (?P<month>1[0-2]|0?[1-9])/(?P<yy>\\d{2})$'")


def _regex_problem(value: str) -> str | None:
    refusals: tuple[type[Exception], ...] = (re.error, ValueError, OverflowError, RecursionError)
    if value != DEFAULT_CODE_REGEX:  # any other pattern is compiled with RE2 (the built-in one never loads it)
        import re2

        refusals += (re2.error,)
    try:
        re.compile(value)  # Python's reading too: RE2 takes 'a{99999999999}' for literal text
        compiled = compile_code_regex(value)
    except refusals as exc:  # '(', '(?<=x)', '(((…)))'
        reason = exc.args[0] if exc.args else exc
        reason = reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)
        return f"is not a valid regular expression: {reason}"
    if compiled.compiled.search(b"") is not None:
        return "matches the empty string, so it would accept an approval code that holds no code at all"
    return None


_DATE_HINT = "write the day as YYYY-MM-DD, e.g. 2014-09-01 (years 1900 to 2999)"


def _date_problem(value: date) -> str | None:
    if value.year in PLAUSIBLE_YEARS:
        return None
    return f"{value.isoformat()} is outside the years {PLAUSIBLE_YEARS.start} to {PLAUSIBLE_YEARS.stop - 1}"


_APPLICATION = re.compile(r"(NDA|BLA|ANDA) \d{6}")


def _application_problem(value: str) -> str | None:
    """Form FDA 2253 asks for the application the material is for: its type and six-digit number."""
    return None if _APPLICATION.fullmatch(value) else f"'{value}' is not an application number"


def _between(low: int, high: int) -> Callable[[int], str | None]:
    """A check for a count that the rules turn into dates: outside a sane range they cannot."""
    return lambda value: None if low <= value <= high else f"must be between {low} and {high}"


def _host_list_problem(value: list[str]) -> str | None:
    for host in value:
        if "/" in host or " " in host:
            return f"'{host}' is not a host name (write 'www.example.com', without scheme or path)"
    return None


# --- the model -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Channel:
    name: str
    kind: str
    options: dict[str, Any]
    credentials: dict[str, CredentialRef]
    endpoint: str | None = None
    boards: dict[str, str] = field(default_factory=dict)
    line: int | None = None

    @property
    def account(self) -> str | None:
        """The account it posts as: `account`, else the key its platform names accounts by (page_id…)."""
        value = self.options.get("account") or self.options.get(adapter_class(self.kind).account_key)
        return str(value) if value else None


@dataclass(frozen=True)
class Defaults:
    timezone: ZoneInfo
    ledger: str
    max_lateness: timedelta
    min_gap: timedelta
    sponsor: str


@dataclass(frozen=True)
class Product:
    key: str
    brand: str
    established: str
    indication_terms: tuple[str, ...] = ()
    offlabel_terms: tuple[str, ...] = ()
    serious_risk_terms: tuple[str, ...] = ()
    approved_indications: tuple[str, ...] = ()
    risk_url: str | None = None
    pi_url: str | None = None
    # Form FDA 2253 (`socialpub export 2253`): the NDA/BLA number, and the PI version the pieces go with
    application: str | None = None
    pi_version: str | None = None


@dataclass(frozen=True)
class Campaign:
    name: str
    start: date
    end: date


@dataclass(frozen=True)
class RuleSetting:
    level: str | None = None  # error | warning | off; None keeps the rule's own
    channels: tuple[str, ...] | None = None  # channel names or kinds the rule applies to


@dataclass
class Compliance:
    """Everything the rules read from configuration: nothing product- or company-specific is built in."""

    code_regex: CodeRegex
    max_age_months: int = 12
    warn_within_days: int = 30
    code_in_body: tuple[str, ...] = ()
    allow_hosts: tuple[str, ...] = ()
    deny_hosts: tuple[str, ...] = ()
    require_https: bool = False
    allow_phones: tuple[str, ...] = ()
    allow_email_domains: tuple[str, ...] = ()
    company_handles: tuple[str, ...] = ()
    accepted_disclosures: tuple[str, ...] = ()
    ambiguous_disclosures: tuple[str, ...] = ()
    disclosure_fold: int = 125
    max_trailing_hashtags: int = 2
    reporting: tuple[str, ...] = ()
    campaigns: dict[str, Campaign] = field(default_factory=dict)
    products: dict[str, Product] = field(default_factory=dict)
    pipeline_codes: tuple[str, ...] = ()
    pipeline_names: tuple[str, ...] = ()
    embargoed_names: tuple[str, ...] = ()
    lexicon: dict[str, tuple[str, ...]] = field(default_factory=dict)
    rules: dict[str, RuleSetting] = field(default_factory=dict)
    limits: dict[str, dict[str, int]] = field(default_factory=dict)
    sponsor: str = ""
    # What the run works out once (compiled word lists, media look-ups...): see socialpub.runcache.
    cache: RunCache = field(default_factory=RunCache, repr=False, compare=False)


@dataclass(frozen=True)
class Safety:
    """`[safety]`: how `socialpub watch` watches replies and comments, and the inbox's clocks."""

    watch_days: int = 30  # read a published post's replies this many days after publishing
    forward_within: int = 1  # business days from day 0 to the hand-off to pharmacovigilance
    holidays: frozenset[date] = frozenset()  # not business days (besides Saturday and Sunday)
    event_words: tuple[str, ...] = ()  # more words for symptoms and side effects (screening)
    situation_words: dict[str, tuple[str, ...]] = field(default_factory=dict)  # e.g. pregnancy = ["expecting"]
    # units a day `watch` may spend reading a platform whose reads spend a daily quota shared with uploads
    # (YouTube: half its default 10,000, leaving the rest for uploads of 1,600 each)
    quota_read_units: int = 5_000


@dataclass
class Config:
    path: Path  # channels.toml
    root: Path  # the repository: the folder of channels.toml
    posts_dir: Path
    defaults: Defaults
    channels: dict[str, Channel]
    compliance: Compliance
    doc: TomlDoc | None = None
    safety: Safety = field(default_factory=Safety)

    @property
    def cache(self) -> RunCache:
        """The run's cache (one object, kept with the compliance settings, where the rules find it)."""
        return self.compliance.cache

    def display(self, path: Path) -> str:
        """A path as messages show it: relative to the repository when inside it."""
        if path.is_absolute():
            # Found under the (resolved) posts folder: no need to ask the file system. Strings first: a path
            # under the root (the usual case) needs none of relative_to's work, once per post file.
            text, prefix = path.as_posix(), self.root.as_posix().rstrip("/") + "/"
            if text.startswith(prefix):
                return text[len(prefix) :]
            try:
                return path.relative_to(self.root).as_posix()
            except ValueError:
                pass
        try:
            return path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return str(path)


DEFAULT_CODE_REGEX = r"^(?P<id>\d{7})\s+Last Updated (?P<month>1[0-2]|0?[1-9])/(?P<yy>\d{2})$"

# Lists of [compliance.lexicon] that extend the built-in word lists of the rules (socialpub/rules/lexicon.py).
from socialpub.rules.lexicon import BUILTIN as _LEXICON  # noqa: E402

_STR_LIST = Key(list, items=str)
# A count of characters, hashtags or files: a negative one would fail every post, a huge one is a slip.
_COUNT = Key(int, check=_between(0, 10_000_000), hint="a whole number such as 280")
_HOSTS = Key(list, items=str, check=_host_list_problem)

SCHEMA_TOP = {
    "defaults": Key(dict),
    "channels": Key(dict),
    "compliance": Key(dict),
    "safety": Key(dict),
}
SCHEMA_DEFAULTS = {
    "timezone": Key(str, check=_zone_problem),
    "ledger": Key(str),
    "max_lateness": Key(str, check=_duration_check(zero=False), hint=_DURATION_HINT),  # zero: every post missed
    "min_gap": Key(str, check=_duration_check(zero=True), hint=_DURATION_HINT),
    "sponsor": Key(str),
}
SCHEMA_COMPLIANCE = {
    "approval": Key(dict),
    "links": Key(dict),
    "privacy": Key(dict),
    "disclosure": Key(dict),
    "safety": Key(dict),
    "campaigns": Key(dict),
    "products": Key(dict),
    "pipeline": Key(dict),
    "lexicon": Key(dict),
    "rules": Key(dict),
    "limits": Key(dict),
}
SCHEMA_APPROVAL = {
    "code_regex": Key(str, check=_regex_problem, hint=_REGEX_HINT),
    "max_age_months": Key(int, check=_between(1, 1200)),
    "warn_within_days": Key(int, check=_between(0, 36500)),
    "code_in_body": _STR_LIST,
}
SCHEMA_LINKS = {"allow_hosts": _HOSTS, "deny_hosts": _HOSTS, "require_https": Key(bool)}
SCHEMA_PRIVACY = {"allow_phones": _STR_LIST, "allow_email_domains": _STR_LIST, "company_handles": _STR_LIST}
SCHEMA_DISCLOSURE = {
    "accepted": _STR_LIST,
    "ambiguous": _STR_LIST,
    "fold_chars": _COUNT,
    "max_trailing_hashtags": _COUNT,
}
SCHEMA_SAFETY = {"reporting": _STR_LIST}
SCHEMA_CAMPAIGN = {
    "start": Key(date, required=True, check=_date_problem, hint=_DATE_HINT),
    "end": Key(date, required=True, check=_date_problem, hint=_DATE_HINT),
    "description": Key(str),
}
SCHEMA_PRODUCT = {
    "brand": Key(str, required=True),
    "established": Key(str, required=True),
    "indication_terms": _STR_LIST,
    "offlabel_terms": _STR_LIST,
    "serious_risk_terms": _STR_LIST,
    "approved_indications": _STR_LIST,
    "risk_url": Key(str),
    "pi_url": Key(str),
    "application": Key(str, check=_application_problem, hint='write it as "NDA 212345", "BLA 125514" or "ANDA 212345"'),
    "pi_version": Key(str),
}
SCHEMA_PIPELINE = {"codes": _STR_LIST, "names": _STR_LIST, "embargoed_names": _STR_LIST}
SCHEMA_RULE = {"level": Key(str, choices=RULE_LEVELS), "channels": _STR_LIST}
def _holidays_problem(value: list[Any]) -> str | None:
    for index, day in enumerate(value):
        if type(day) is not date:  # a date-time or a string is a slip: the list holds days
            return f"item {index + 1} must be a date such as 2026-12-25, not {type_name(day)}"
        problem = _date_problem(day)
        if problem:
            return f"item {index + 1}: {problem}"
    return None


def _words_problem(value: list[str]) -> str | None:
    for index, word in enumerate(value):
        if not word.strip():
            return f"item {index + 1} is empty: an empty word would match everywhere"
    return None


_WORDS = Key(list, items=str, check=_words_problem, hint='a list of words or phrases, e.g. ["dizzy", "threw up"]')
SCHEMA_SAFETY_WATCH = {
    "watch_days": Key(int, check=_between(1, 366), hint="days after publishing to watch a post, e.g. 30"),
    "forward_within": Key(int, check=_between(0, 30), hint="business days to hand an item to PV, e.g. 1"),
    "holidays": Key(list, check=_holidays_problem, hint="a list of dates, e.g. [2026-12-25, 2027-01-01]"),
    "event_words": _WORDS,
    "situation_words": Key(dict),
    "quota_read_units": Key(int, check=_between(1, 100_000_000),
                            hint="YouTube quota units a day watch may spend reading, e.g. 5000"),
}
CHANNEL_COMMON = {"kind": Key(str, required=True), "account": Key(str), "endpoint": Key(str)}


def find_config(start: Path | None = None) -> Path:
    """channels.toml in the current folder or the nearest parent."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
    raise ConfigError(
        f"no {CONFIG_NAME} in {here} or any parent folder",
        hint="run `socialpub init` to create one, or pass --config PATH",
    )


def load_config(path: Path, posts_dir: Path | None = None) -> Config:
    """Read and validate channels.toml; every problem in it is reported at once."""
    path = path.resolve()
    display = str(path.name) if path.parent == Path.cwd().resolve() else str(path)
    if not path.exists():
        raise ConfigError(
            "file not found", file=display, hint="run `socialpub init` to create one, or pass --config PATH"
        )
    text = read_text(path, display, ConfigError, MAX_CONFIG_BYTES)
    doc = parse_toml(text, display, error=ConfigError)
    problems = Problems(doc, ConfigError)
    root = path.parent
    top = problems.check_table(doc.data, SCHEMA_TOP)

    raw_defaults = problems.check_table(top.get("defaults", {}), SCHEMA_DEFAULTS, ("defaults",))
    defaults = Defaults(
        timezone=ZoneInfo(raw_defaults.get("timezone", "UTC")),
        ledger=raw_defaults.get("ledger", ".socialpub/ledger.db"),
        # Checked above: a value that is still here parses (a bad one was reported and left out).
        max_lateness=parse_duration(raw_defaults.get("max_lateness", "24h")) or timedelta(hours=24),
        min_gap=parse_duration(raw_defaults.get("min_gap", "0m")) or timedelta(0),
        sponsor=raw_defaults.get("sponsor", ""),
    )

    channels = _load_channels(top.get("channels", {}), problems, root)
    compliance = _load_compliance(top.get("compliance", {}), problems, channels)
    compliance.sponsor = defaults.sponsor
    safety = _load_safety(top.get("safety", {}), problems)

    if problems.found:
        first = problems.found[0]
        if len(problems.found) > 1:
            first.message += "".join(f"\n  also: {other}" for other in problems.found[1:])
        raise first
    return Config(
        path=path,
        root=root,
        posts_dir=(posts_dir or root / "posts").resolve(),
        defaults=defaults,
        channels=channels,
        compliance=compliance,
        doc=doc,
        safety=safety,
    )


def _load_safety(raw: dict[str, Any], problems: Problems) -> Safety:
    """`[safety]`, the safety inbox's settings (README, "The safety inbox")."""
    good = problems.check_table(raw, SCHEMA_SAFETY_WATCH, ("safety",))
    situations: dict[str, tuple[str, ...]] = {}
    for name, words in good.get("situation_words", {}).items():
        path = ("safety", "situation_words", name)
        if name not in SITUATIONS:
            guess = did_you_mean(name, SITUATIONS)
            problems.add("unknown special situation", path,
                         hint=f"did you mean '{guess}'?" if guess else f"one of: {', '.join(SITUATIONS)}")
            continue
        if not isinstance(words, list) or any(not isinstance(w, str) for w in words):
            problems.add("must be a list of words (strings)", path, hint=_WORDS.hint)
            continue
        problem = _words_problem(words)
        if problem:
            problems.add(problem, path, hint=_WORDS.hint)
            continue
        situations[name] = tuple(words)
    return Safety(
        watch_days=good.get("watch_days", 30),
        forward_within=good.get("forward_within", 1),
        holidays=frozenset(good.get("holidays", ())),
        event_words=tuple(good.get("event_words", ())),
        situation_words=situations,
        quota_read_units=good.get("quota_read_units", 5_000),
    )


def _load_channels(raw: dict[str, Any], problems: Problems, root: Path) -> dict[str, Channel]:
    channels: dict[str, Channel] = {}
    for name, table in raw.items():
        path = ("channels", name)
        if not isinstance(table, dict):
            problems.add("must be a table", path, hint=f"write it as [channels.{name}] with kind = …")
            continue
        kind = table.get("kind")
        if not isinstance(kind, str) or kind not in KINDS:  # a list or table here is unhashable
            if "kind" in table and not isinstance(kind, str):
                problems.add(
                    f"must be a string, not {type_name(kind)}",
                    (*path, "kind"),
                    hint=f"one of: {', '.join(KINDS)}",
                )
            elif "kind" not in table:
                problems.add("'kind' is required", path, hint=f"one of: {', '.join(KINDS)}")
            else:
                guess = did_you_mean(str(kind), KINDS)
                problems.add(
                    f"unknown kind '{kind}'",
                    (*path, "kind"),
                    hint=f"did you mean '{guess}'?" if guess else f"one of: {', '.join(KINDS)}",
                )
            continue
        adapter = adapter_class(kind)
        schema = {**CHANNEL_COMMON, **adapter.channel_keys}
        schema.update({key: Key(str) for key in adapter.credential_keys})
        good = problems.check_table(table, schema, path)
        credentials: dict[str, CredentialRef] = {}
        for key in adapter.credential_keys:
            if key not in good:
                continue
            ref = _credential_ref(name, key, good.pop(key), problems, root)
            if ref:
                credentials[key] = ref
        endpoint = good.pop("endpoint", None)
        if endpoint is not None and not re.match(r"^https?://[^/\s]+", endpoint):
            problems.add("must be a base URL such as http://127.0.0.1:8765", (*path, "endpoint"))
            endpoint = None
        boards = good.pop("boards", {})  # only a kind with `boards` among its channel keys has them
        for board, board_id in list(boards.items()):
            if not isinstance(board_id, str) or not board_id.strip():
                problems.add("must be the board id as a string", (*path, "boards", board))
                boards.pop(board)
        channels[name] = Channel(
            name=name,
            kind=kind,
            options={k: v for k, v in good.items() if k != "kind"},
            credentials=credentials,
            endpoint=endpoint.rstrip("/") if endpoint else None,
            boards=dict(boards),
            line=problems.doc.line(*path),
        )
    return channels


def _credential_ref(channel: str, key: str, value: str, problems: Problems, root: Path) -> CredentialRef | None:
    path = ("channels", channel, key)
    scheme, _, target = value.partition(":")
    if scheme not in ("env", "file") or not target.strip():
        # Never echo the value: it may be the secret itself.
        problems.add(
            "must be a reference (env:NAME or file:PATH), not a literal value",
            path,
            hint=f'put the secret in an environment variable and write {key} = "env:NAME"; '
            "if a secret was committed, revoke it",
        )
        return None
    if scheme == "env" and not ENV_NAME.fullmatch(target.strip()):
        # Never echo it: a "name" with dashes or dots is most likely a pasted secret.
        problems.add(
            "env: must be followed by an environment variable name (letters, digits and _, not starting "
            "with a digit)",
            path,
            hint=f'write {key} = "env:NAME" and put the secret in NAME; if a secret was committed, revoke it',
        )
        return None
    if scheme == "file":
        try:
            resolved = Path(target).expanduser()
            if not resolved.is_absolute():
                resolved = root / resolved
            inside = resolved.resolve().is_relative_to(root.resolve())
        except (ValueError, RuntimeError):  # an embedded NUL character; a symbolic link loop
            problems.add("is not a usable file path", path, hint="write file:~/.config/socialpub/NAME.token")
            return None
        if inside:
            problems.add(
                "a credential file must live outside the repository",
                path,
                hint="use a path such as file:~/.config/socialpub/NAME.token (socialpub auth writes there)",
            )
            return None
        target = str(resolved)
    return CredentialRef(channel=channel, key=key, scheme=scheme, target=target.strip())


def _tuple(table: dict[str, Any], key: str) -> tuple[str, ...]:
    return tuple(table.get(key, ()))


def _load_compliance(raw: dict[str, Any], problems: Problems, channels: dict[str, Channel]) -> Compliance:
    base = ("compliance",)
    top = problems.check_table(raw, SCHEMA_COMPLIANCE, base)

    def section(name: str, schema: dict[str, Key]) -> dict[str, Any]:
        value = top.get(name, {})
        return problems.check_table(value, schema, (*base, name))

    approval = section("approval", SCHEMA_APPROVAL)
    links = section("links", SCHEMA_LINKS)
    privacy = section("privacy", SCHEMA_PRIVACY)
    disclosure = section("disclosure", SCHEMA_DISCLOSURE)
    safety = section("safety", SCHEMA_SAFETY)
    pipeline = section("pipeline", SCHEMA_PIPELINE)

    campaigns: dict[str, Campaign] = {}
    for name, table in top.get("campaigns", {}).items():
        path = (*base, "campaigns", name)
        if not isinstance(table, dict):
            problems.add("must be a table with start and end dates", path)
            continue
        good = problems.check_table(table, SCHEMA_CAMPAIGN, path)
        if "start" in good and "end" in good:
            if good["end"] < good["start"]:
                problems.add("ends before it starts", (*path, "end"))
            campaigns[name] = Campaign(name, good["start"], good["end"])

    products: dict[str, Product] = {}
    for key, table in top.get("products", {}).items():
        path = (*base, "products", key)
        if not isinstance(table, dict):
            problems.add("must be a table with brand and established names", path)
            continue
        good = problems.check_table(table, SCHEMA_PRODUCT, path)
        if "brand" in good and "established" in good:
            products[key] = Product(
                key=key,
                brand=good["brand"],
                established=good["established"],
                indication_terms=_tuple(good, "indication_terms"),
                offlabel_terms=_tuple(good, "offlabel_terms"),
                serious_risk_terms=_tuple(good, "serious_risk_terms"),
                approved_indications=_tuple(good, "approved_indications"),
                risk_url=good.get("risk_url"),
                pi_url=good.get("pi_url"),
                application=good.get("application"),
                pi_version=good.get("pi_version"),
            )

    lexicon_schema = {name: _STR_LIST for name in _LEXICON}
    lexicon = {k: tuple(v) for k, v in section("lexicon", lexicon_schema).items()}

    from socialpub.rules import registry

    RULES = registry()  # the catalogue, to check rule ids

    rules: dict[str, RuleSetting] = {}
    for rule_id, table in top.get("rules", {}).items():
        path = (*base, "rules", rule_id)
        if rule_id not in RULES:
            guess = did_you_mean(rule_id, RULES)
            problems.add(
                "unknown rule id", path, hint=f"did you mean '{guess}'?" if guess else "see RULES in the README"
            )
            continue
        if not isinstance(table, dict):
            problems.add("must be a table with level and/or channels", path)
            continue
        good = problems.check_table(table, SCHEMA_RULE, path)
        rule = RULES[rule_id]
        if not rule.suppressible and good.get("level") in ("off", "warning"):
            problems.add(
                f"{rule_id} cannot be turned down: it is non-suppressible",
                (*path, "level"),
                hint="remove this level; the rule always stays an error",
            )
            continue
        for target in good.get("channels", ()):
            if target not in channels and target not in KINDS:
                problems.add(f"unknown channel or kind '{target}'", (*path, "channels"))
        channel_scope = tuple(good["channels"]) if "channels" in good else None
        rules[rule_id] = RuleSetting(level=good.get("level"), channels=channel_scope)

    limits: dict[str, dict[str, int]] = {}
    for kind, table in top.get("limits", {}).items():
        path = (*base, "limits", kind)
        if kind not in KINDS:
            guess = did_you_mean(kind, KINDS)
            problems.add("unknown kind", path, hint=f"did you mean '{guess}'?" if guess else f"one of {list(KINDS)}")
            continue
        if not isinstance(table, dict):
            problems.add("must be a table such as [compliance.limits.twitter] with text = 280", path)
            continue
        schema = {key: _COUNT for key in adapter_class(kind).limit_keys()}  # the limits of that platform
        limits[kind] = problems.check_table(table, schema, path)

    code_regex = compile_code_regex(approval.get("code_regex", DEFAULT_CODE_REGEX))
    return Compliance(
        code_regex=code_regex,
        max_age_months=approval.get("max_age_months", 12),
        warn_within_days=approval.get("warn_within_days", 30),
        code_in_body=_tuple(approval, "code_in_body"),
        allow_hosts=tuple(h.lower() for h in links.get("allow_hosts", ())),
        deny_hosts=tuple(h.lower() for h in links.get("deny_hosts", ())),
        require_https=links.get("require_https", False),
        allow_phones=_tuple(privacy, "allow_phones"),
        allow_email_domains=tuple(d.lower() for d in privacy.get("allow_email_domains", ())),
        company_handles=tuple(h.lower() for h in privacy.get("company_handles", ())),
        accepted_disclosures=_tuple(disclosure, "accepted"),
        ambiguous_disclosures=_tuple(disclosure, "ambiguous"),
        disclosure_fold=disclosure.get("fold_chars", 125),
        max_trailing_hashtags=disclosure.get("max_trailing_hashtags", 2),
        reporting=_tuple(safety, "reporting"),
        campaigns=campaigns,
        products=products,
        pipeline_codes=_tuple(pipeline, "codes"),
        pipeline_names=_tuple(pipeline, "names"),
        embargoed_names=_tuple(pipeline, "embargoed_names"),
        lexicon=lexicon,
        rules=rules,
        limits=limits,
    )
