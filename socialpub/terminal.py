"""What socialpub prints to a terminal or a CI log: shown, never obeyed.

Post content is hostile input. A control character in a post (ESC, BEL, a C1 code, a bidi override) could
move the cursor, retitle or recolour a terminal, or reorder what a reviewer reads; a line that starts with
`::` or holds `##[` is a GitHub Actions workflow command (set an output, mask or annotate). `printable`
shows such characters as `\\xNN`/`\\uNNNN`; `GuardedStream`, installed on stdout and stderr for every
command, applies the same escaping, neutralises workflow commands, falls back to ASCII where the stream's
encoding cannot show a character, and turns a stream that cannot be written (closed, disk full, broken
pipe) into a note instead of an exception: what a command did must not depend on whether its output
could be written.
"""

from __future__ import annotations

import errno
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

# C0 controls but newline and tab, DEL, C1 controls, lone surrogates, bidi controls (embeddings,
# overrides, isolates, marks), the Unicode line and paragraph separators, and the invisible characters
# SP-TEXT-001 reports (soft hyphen, zero-width space, word joiner and invisible operators, BOM): a reviewer
# sees where they are. The zero-width joiner stays: emoji sequences need it.
_UNSAFE = (
    "\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u00ad\u061c\u200b\u200e\u200f\u2028-\u202e\u2060-\u2064"
    "\u2066-\u2069\ufeff"
)
TERMINAL_UNSAFE = re.compile(f"[{_UNSAFE}]")


def visible(char: str) -> str:
    """A character shown as its escape: \\x1b, \\u202e."""
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _json_visible(char: str) -> str:
    return f"\\u{ord(char):04x}"


MAX_REASON = 1000  # characters of the reason of an act on record: a sentence or two, and a ticket number


def said_something(text: str | None) -> bool:
    """Whether a reason (for an act on record) holds a visible character (a letter, digit, punctuation or
    symbol): blanks, control and zero-width characters alone read as no reason at all."""
    import unicodedata

    return any(unicodedata.category(c)[0] in "LNPS" for c in text or "")


def printable(value: str, *, one_line: bool = False) -> str:
    """`value` with every control character (but newline and tab) shown instead of obeyed; CRLF is a newline.

    `one_line` for a value that is one field of a line (a file name, an id, a URL): its newlines are shown
    too, so that it cannot start a line of its own that looks like another finding or result.
    """
    text = TERMINAL_UNSAFE.sub(lambda m: visible(m.group()), value.replace("\r\n", "\n"))
    return text.replace("\n", "\\x0a") if one_line else text


# GitHub's runner reads a line as a command when, after leading whitespace, it starts with `::`, or when
# it holds `##[` anywhere (the older form). Escaping the second `:` or the `[` breaks the command and
# keeps the line readable.
# Leading "whitespace" as .NET's TrimStart sees it, plus the invisible characters some versions counted.
_LEADING = r"[\s\u180e\u200b\ufeff]*"
_SECOND_COLON = re.compile(f"^({_LEADING}:):")
_ONLY_LEADING = re.compile(f"{_LEADING}")
_OLD_COMMAND = re.compile(r"(?<=##)\[")

# On a terminal our own styling passes (rich's colours, and the cursor moves of a progress bar); post
# content never reaches the stream raw anyway, every renderer escapes it with `printable` first.
_TERMINAL_STYLE = re.compile(r"(\x1b\[[0-9;?]*[ABCDGKhlm]|\r)")

# What an ASCII (or Latin-1) stream shows instead of the characters socialpub itself prints.
_FALLBACK = {
    "→": "->", "←": "<-", "✓": "ok", "✔": "ok", "✗": "x", "✅": "[ok]", "❌": "[x]", "⚠": "!",
    "…": "...", "—": "--", "–": "-", "•": "*", "·": ".", "×": "x", "“": '"', "”": '"', "‘": "'", "’": "'",
}


def encodable(text: str, encoding: str) -> str:
    """`text` as a stream in `encoding` can show it: ASCII look-alikes for socialpub's own arrows and marks,
    escapes for anything else it cannot encode (a post's emoji on an ASCII terminal)."""
    try:
        text.encode(encoding)
        return text
    except (UnicodeEncodeError, LookupError):
        pass
    out = []
    for char in text:
        try:
            char.encode(encoding)
            out.append(char)
        except (UnicodeEncodeError, LookupError):
            fallback = _FALLBACK.get(char)
            out.append(fallback if fallback is not None else visible(char))
    return "".join(out)


class GuardedStream:
    """A text stream in front of stdout or stderr; see the module's docstring."""

    errors = "strict"

    def __init__(self, stream: TextIO | None, name: str) -> None:
        self.stream = stream
        self.name = name
        self.lost: str | None = None if stream is not None else "it is closed"
        self.broken_pipe = False
        self.dialect = "text"  # "json": escapes valid inside a JSON string; "github": workflow commands allowed
        self._terminal = self.isatty()
        self._line_state = "start"  # of the current output line: "start" (whitespace so far), "colon", "other"
        self._tail = ""  # the last two characters of the current output line

    # --- the stream interface the rest of the program (click, rich, print) uses ---------------------------

    @property
    def encoding(self) -> str:
        return (getattr(self.stream, "encoding", None) or "utf-8") if self.stream is not None else "utf-8"

    def isatty(self) -> bool:
        try:
            return bool(self.stream is not None and self.stream.isatty())
        except (OSError, ValueError):
            return False

    def fileno(self) -> int:
        if self.stream is None:
            raise OSError(errno.EBADF, "stream is closed")
        return self.stream.fileno()

    @property
    def closed(self) -> bool:
        return False  # writes are always accepted; what cannot be written is noted in `lost`

    def writable(self) -> bool:
        return True

    def readable(self) -> bool:
        return False

    def write(self, text: str) -> int:
        if self.lost is None:
            out = self._encodable(self._clean(text))
            try:
                self.stream.write(out)  # type: ignore[union-attr]
            except (OSError, ValueError) as exc:
                self._lose(exc)
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        if self.lost is None:
            try:
                self.stream.flush()  # type: ignore[union-attr]
            except (OSError, ValueError) as exc:
                self._lose(exc)

    # --- escaping ----------------------------------------------------------------------------------------

    def _clean(self, text: str) -> str:
        escape = _json_visible if self.dialect == "json" else visible
        # On a terminal our own styling passes, and is transparent to the line's state (a line that starts
        # with a colour and then `::` is still refused); a carriage return starts the line again.
        tokens = _TERMINAL_STYLE.split(text) if self._terminal else [text]
        out = []
        for index, token in enumerate(tokens):
            if index % 2:
                if token == "\r":
                    self._line_state, self._tail = "start", ""
                out.append(token)
                continue
            lines = TERMINAL_UNSAFE.sub(lambda m: escape(m.group()), token).split("\n")
            for number, line in enumerate(lines):
                if number:
                    self._line_state, self._tail = "start", ""
                lines[number] = self._neutralise(line, escape)
            out.append("\n".join(lines))
        return "".join(out)

    def _neutralise(self, piece: str, escape: Any) -> str:
        """One piece of the current line, continuing what was already written of it."""
        if self.dialect != "github":
            if self._line_state == "colon" and piece.startswith(":"):
                piece = escape(":") + piece[1:]
            elif self._line_state == "start":
                piece = _SECOND_COLON.sub(lambda m: m.group(1) + escape(":"), piece, count=1)
        if "[" in piece:
            joined = _OLD_COMMAND.sub(lambda m: escape("["), self._tail + piece)
            piece = joined[len(self._tail):]
        if piece:
            stripped = piece[_ONLY_LEADING.match(piece).end():]  # type: ignore[union-attr]
            if self._line_state == "start" and not stripped:
                pass
            elif self._line_state == "start" and stripped == ":":
                self._line_state = "colon"
            else:
                self._line_state = "other"
            self._tail = (self._tail + piece)[-2:]
        return piece

    def _encodable(self, text: str) -> str:
        return encodable(text, self.encoding)

    # --- output that cannot be written ---------------------------------------------------------------------

    def _lose(self, exc: BaseException) -> None:
        self.broken_pipe = isinstance(exc, BrokenPipeError)
        self.lost = (exc.strerror or str(exc)) if isinstance(exc, OSError) else "it is closed"
        # Point the file descriptor at /dev/null so that what is still buffered, flushed at exit, goes
        # nowhere instead of raising again.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(devnull, self.stream.fileno())  # type: ignore[union-attr]
            finally:
                os.close(devnull)
        except (OSError, ValueError, AttributeError):
            pass


def reserve_standard_descriptors() -> None:
    """Open /dev/null on a standard descriptor (0, 1, 2) that is closed (`>&-`): otherwise the next file
    opened (the ledger) would get its number, and whatever writes to "stdout" would write into it."""
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            opened = os.open(os.devnull, os.O_RDWR)
            if opened != fd:  # a lower descriptor was closed too and took this one; the loop handles it
                os.close(opened)


@contextmanager
def guarded_output() -> Iterator[tuple[GuardedStream, GuardedStream]]:
    """stdout and stderr guarded for the duration of a command (restored after, for tests in-process)."""
    saved = sys.stdout, sys.stderr
    out = sys.stdout if isinstance(sys.stdout, GuardedStream) else GuardedStream(sys.stdout, "stdout")
    err = sys.stderr if isinstance(sys.stderr, GuardedStream) else GuardedStream(sys.stderr, "stderr")
    sys.stdout, sys.stderr = out, err  # type: ignore[assignment]
    try:
        yield out, err
    finally:
        out.flush()
        err.flush()
        sys.stdout, sys.stderr = saved


@contextmanager
def dialect(name: str) -> Iterator[None]:
    """Escape what is written to stdout in the meantime the way `name` ("json", "github") needs."""
    stream = sys.stdout
    if not isinstance(stream, GuardedStream):
        yield
        return
    before, stream.dialect = stream.dialect, name
    try:
        yield
    finally:
        stream.dialect = before
