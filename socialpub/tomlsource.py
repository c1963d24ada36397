"""TOML documents that remember where each key is, and the schema checks shared by posts and channels.toml.

The TOML parser gives values but no positions; error messages must name the file, line and key, so a light
scan of the source maps each dotted key path to the line it is written on.
"""

from __future__ import annotations

import builtins
import difflib
import os
import re
import stat
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

# tomli is the upstream of the standard library's tomllib (same parser, same results and messages); its
# compiled wheels parse posts about 2x faster, which `check` over thousands of files feels
# (docs/benchmarks.md). Without a wheel for the platform it installs as pure Python, tomllib's speed.
import tomli

from socialpub.errors import SocialpubError

_TOML_ERROR_POS = re.compile(r"\(at line (\d+), column (\d+)\)")
# No lazy `.+?` before `\s*\]`: on a long line of spaces that backtracks quadratically (minutes for 500 KB).
_HEADER = re.compile(r"""^\s*\[\[?((?:[^\]"']|"(?:[^"\\]|\\.)*"|'[^']*')+)\]\]?\s*(?:#.*)?$""")
_KEY = re.compile(
    r"""^\s*((?:[A-Za-z0-9_\-]+|"(?:[^"\\]|\\.)*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_\-]+|"(?:[^"\\]|\\.)*"|'[^']*'))*)\s*="""
)
_INLINE_KEY = re.compile(r"""[{,]\s*([A-Za-z0-9_\-]+|"[^"]*")\s*=""")
_DOTTED_PART = re.compile(r"""\s*([A-Za-z0-9_\-]+|"(?:[^"\\]|\\.)*"|'[^']*')\s*(?:\.|$)""")


def split_dotted(key: str) -> tuple[str, ...]:
    """`compliance.rules."SP-CLAIM-002"` -> ("compliance", "rules", "SP-CLAIM-002")."""
    parts = []
    for m in _DOTTED_PART.finditer(key.strip()):
        raw = m.group(1)
        if raw[:1] in "\"'":
            raw = raw[1:-1]
        parts.append(raw)
    return tuple(parts)


def key_lines(source: str, first_line: int = 1) -> dict[tuple[str, ...], int]:
    """Map each key path (tables included) to the line where it is first written."""
    lines: dict[tuple[str, ...], int] = {}
    table: tuple[str, ...] = ()
    in_multiline: str | None = None
    # TOML counts lines by '\n' only; str.splitlines() also splits at U+2028, U+0085… (allowed in strings)
    for number, text in enumerate(source.split("\n"), start=first_line):
        if in_multiline:
            if text.count(in_multiline) % 2 == 1:
                in_multiline = None
            continue
        header = _HEADER.match(text)
        if header and "=" not in text.split("]")[0]:
            table = split_dotted(header.group(1))
            for end in range(1, len(table) + 1):  # [a.b.c] also writes a and a.b
                lines.setdefault(table[:end], number)
            continue
        key = _KEY.match(text)
        if key:
            path = table + split_dotted(key.group(1))
            for end in range(len(table) + 1, len(path) + 1):  # a dotted key a.b = 1 also writes a
                lines.setdefault(path[:end], number)
            rest = text[key.end() :]
            for inline in _INLINE_KEY.finditer(rest):
                lines.setdefault(path + (inline.group(1).strip('"'),), number)
            for quote in ('"""', "'''"):
                if rest.count(quote) % 2 == 1:
                    in_multiline = quote
    return lines


@dataclass
class TomlDoc:
    """A parsed TOML document with its file name and key positions."""

    file: str
    data: dict[str, Any]
    source: str = field(default="", repr=False)
    first_line: int = 1
    _lines: dict[tuple[str, ...], int] | None = field(default=None, repr=False)

    @property
    def lines(self) -> dict[tuple[str, ...], int]:
        """Key path -> line, scanned only when a message needs a line (most files need none)."""
        if self._lines is None:
            self._lines = key_lines(self.source, self.first_line)
        return self._lines

    def line(self, *path: str | int) -> int | None:
        """The line of the nearest written ancestor of a key path (list indexes are skipped)."""
        keys = tuple(p for p in path if isinstance(p, str))
        while keys:
            if keys in self.lines:
                return self.lines[keys]
            keys = keys[:-1]
        return None


class Source:
    """Where a rendered field comes from: the post file and the line its value starts on.

    The line is looked up only when asked for: a post without findings never needs it.
    """

    __slots__ = ("file", "_line", "_doc", "_path")

    def __init__(self, file: str, line: int | None = None, *, doc: TomlDoc | None = None,
                 path: tuple[str, ...] = ()) -> None:
        self.file = file
        self._line = line
        self._doc = doc
        self._path = path

    @property
    def line(self) -> int:
        if self._line is None:
            self._line = (self._doc.line(*self._path) if self._doc else None) or 1
        return self._line

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Source) and (self.file, self.line) == (other.file, other.line)

    def __hash__(self) -> int:
        return hash((self.file, self.line))

    def __repr__(self) -> str:
        return f"Source({self.file!r}, {self.line})"


def parse_toml(text: str, file: str, *, first_line: int = 1, error: type[SocialpubError] = SocialpubError) -> TomlDoc:
    """Parse TOML, turning a syntax error into `error` with the file's own line and column."""
    try:
        data = tomli.loads(text)
    except RecursionError:
        raise error(
            "not valid TOML: arrays or tables are nested too deeply",
            file=file,
            line=first_line,
            hint="a post or configuration file needs only a few levels of [ ] and { }",
        ) from None
    except tomli.TOMLDecodeError as exc:
        message = str(exc)
        pos = _TOML_ERROR_POS.search(message)
        line = column = None
        if pos:
            line, column = int(pos.group(1)) + first_line - 1, int(pos.group(2))
            message = message[: pos.start()].strip()
        elif message.endswith("(at end of document)"):  # the last line that has something on it
            line = text.count("\n", 0, len(text.rstrip())) + first_line
            message = message.removesuffix("(at end of document)").strip()
        raise error(
            f"not valid TOML: {message[:1].lower() + message[1:]}",
            file=file,
            line=line,
            column=column,
            hint="check quotes, brackets and commas near that line (https://toml.io)",
        ) from None
    return TomlDoc(file=file, data=data, source=text, first_line=first_line)


# --- schema checks -------------------------------------------------------------------------------

# Calendar dates the rules judge (campaign days, approval months) lie in these years: outside them a date is
# a typing slip ("0201-09-01"), and near year 1 or 9999 a time zone or a month added would leave the calendar.
PLAUSIBLE_YEARS = range(1900, 3000)


TYPE_NAMES = {
    str: "a string",
    int: "an integer",
    float: "a number",
    bool: "true or false",
    list: "an array",
    dict: "a table",
    datetime: "a date-time",
    date: "a date",
    time: "a time",
}


def type_name(value: object) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, datetime):
        return "a date-time"
    for kind, name in TYPE_NAMES.items():
        if isinstance(value, kind):
            return name
    return type(value).__name__


@dataclass(frozen=True)
class Key:
    """What one key of a table may hold."""

    type: builtins.type | tuple[builtins.type, ...]
    required: bool = False
    choices: tuple[str, ...] | None = None
    items: builtins.type | None = None  # element type for arrays
    check: Callable[[Any], str | None] | None = None  # returns a problem, or None
    hint: str | None = None  # how to write a value that passes `check`
    # `type` as a tuple, and whether a value of exactly that type needs no further check (see check_table)
    types: tuple[builtins.type, ...] = field(init=False, repr=False, compare=False)
    plain: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "types", self.type if isinstance(self.type, tuple) else (self.type,))
        object.__setattr__(self, "plain", self.items is None and self.choices is None and self.check is None)


def did_you_mean(word: str, candidates: Iterable[str]) -> str | None:
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return close[0] if close else None


@dataclass
class Problems:
    """Collects every problem of one file so that one run reports them all."""

    doc: TomlDoc
    error: type[SocialpubError]
    found: list[SocialpubError] = field(default_factory=list)

    def add(self, message: str, path: tuple[str | int, ...], hint: str | None = None, **kw: Any) -> None:
        self.found.append(
            self.error(message, file=self.doc.file, line=self.doc.line(*path), key=dotted(path), hint=hint, **kw)
        )

    def check_table(
        self, table: Mapping[str, Any], schema: Mapping[str, Key], path: tuple[str | int, ...] = ()
    ) -> dict[str, Any]:
        """Check a table against a schema; return the keys that passed."""
        good: dict[str, Any] = {}
        for name, value in table.items():
            spec = schema.get(name)
            if spec is not None and spec.plain and type(value) in spec.types:
                good[name] = value  # the common case: exactly the declared type and nothing else to check
                continue
            if spec is None:
                guess = did_you_mean(name, schema)
                self.add(
                    "unknown key",
                    (*path, name),
                    hint=f"did you mean '{guess}'?" if guess else f"known keys here: {', '.join(sorted(schema))}",
                )
                continue
            problem = check_value(value, spec)
            if problem:
                self.add(problem, (*path, name), hint=_type_hint(spec))
                continue
            good[name] = value
        for name, spec in schema.items():
            if spec.required and name not in table:
                self.add(f"'{name}' is required", (*path, name) if path else (), hint=_type_hint(spec))
        return good


def check_value(value: Any, spec: Key) -> str | None:
    # A value of exactly one of the declared types (tomli gives plain str, bool, list, datetime…) passes the
    # type test below; only other values (bool for int, datetime for date, wrong types) need it.
    if type(value) not in spec.types:
        types = spec.types
        ok = isinstance(value, types) and not (isinstance(value, bool) and bool not in types)
        if datetime not in types and date in types and isinstance(value, datetime):
            ok = False
        if not ok:
            wanted = " or ".join(TYPE_NAMES.get(t, t.__name__) for t in types)
            return f"must be {wanted}, not {type_name(value)}"
    if spec.items is not None and isinstance(value, list):
        for index, item in enumerate(value):
            if type(item) is spec.items:
                continue  # exactly the item type: fine (same reasoning as above)
            if not isinstance(item, spec.items) or (isinstance(item, bool) and spec.items is not bool):
                return (
                    f"item {index + 1} must be {TYPE_NAMES.get(spec.items, spec.items.__name__)}, not {type_name(item)}"
                )
    if spec.choices is not None and value not in spec.choices:
        guess = did_you_mean(str(value), spec.choices)
        extra = f" (did you mean '{guess}'?)" if guess else ""
        return f"'{value}' is not one of: {', '.join(spec.choices)}{extra}"
    if spec.check is not None:
        return spec.check(value)
    return None


def _type_hint(spec: Key) -> str | None:
    if spec.choices:
        return f"use one of: {', '.join(spec.choices)}"
    return spec.hint


def dotted(path: Iterable[str | int]) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part + 1}]"
        else:
            needs_quotes = not re.fullmatch(r"[A-Za-z0-9_\-]+", part)
            text = f'"{part}"' if needs_quotes else part
            out += f".{text}" if out else text
    return out


def read_text(path: Path, display: str, error: type[SocialpubError], max_bytes: int) -> str:
    """Read a UTF-8 text file with clear errors for missing, huge, binary or special files.

    Never blocks and never reads without end: opened non-blocking (opening a FIFO without a writer would
    wait), anything but a regular file refused before a byte is read (a link to /dev/zero, a FIFO, a
    device), and at most `max_bytes` + 1 bytes read (a file that grows while it is read).
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise error("file not found", file=display) from None
    except IsADirectoryError:
        raise error("is a folder, not a file", file=display) from None
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the name
        raise error(f"cannot be read: {getattr(exc, 'strerror', None) or exc}", file=display) from None
    too_large = "post and configuration files are small text files; move media to their own files"
    try:
        info = os.fstat(fd)
        mode = info.st_mode
        if stat.S_ISDIR(mode):
            raise error(_folder_problem(path), file=display)
        if not stat.S_ISREG(mode):
            raise error(
                f"is not a regular file but {_special_kind(mode)}",
                file=display,
                hint="a post is a text file; a link to a device or a pipe is never read",
            )
        size = info.st_size
        if size > max_bytes:
            raise error(f"file is too large ({size:,} bytes; the limit is {max_bytes:,})", file=display,
                        hint=too_large)
        chunks: list[bytes] = []
        left = max_bytes + 1
        # First ask for the size fstat gave and one byte more (to see the end): os.read allocates as much as it is
        # asked for, and a megabyte per call was a tenth of a large check's time.
        want = size + 1
        while left > 0:
            chunk = os.read(fd, min(left, want))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
            want = 1 << 16  # a file that grows while it is read
        raw = b"".join(chunks)
        if len(raw) > max_bytes:
            raise error(f"file is too large (it grew past the limit of {max_bytes:,} bytes while read)",
                        file=display, hint=too_large)
    except OSError as exc:
        raise error(f"cannot be read: {exc.strerror}", file=display) from None
    finally:
        os.close(fd)
    if b"\x00" in raw:
        raise error("is a binary file, not UTF-8 text", file=display, hint="save it as UTF-8 text") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise error("is not valid UTF-8 text", file=display, line=line, hint="save it as UTF-8") from None
    return text.removeprefix("\ufeff")


def _special_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def _folder_problem(path: Path) -> str:
    """What is wrong with a folder where a file was expected: discovery lists a folder it cannot read (so
    that it is reported, not skipped), any other folder was named by mistake."""
    try:
        with os.scandir(path):
            pass
    except OSError as exc:
        return f"is a folder that cannot be read ({exc.strerror}): the posts in it were not checked"
    return "is a folder, not a file"
