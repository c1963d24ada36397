"""docs/benchmarks.md is written by several benchmark scripts: each owns a section between markers
`<!-- NAME:start -->` and `<!-- NAME:end -->`, and rewriting one never drops the others."""

from __future__ import annotations

import re
from pathlib import Path

_SECTION = re.compile(r"<!-- (?P<name>[\w-]+):start -->.*?<!-- (?P=name):end -->", re.DOTALL)


def sections(text: str) -> dict[str, str]:
    return {m.group("name"): m.group(0) for m in _SECTION.finditer(text)}


def keep_sections(path: Path, main: str) -> str:
    """`main` (the unmarked part of the report) followed by every marked section the file already had."""
    old = sections(path.read_text(encoding="utf-8")) if path.exists() else {}
    kept = [body for name, body in old.items() if name not in sections(main)]
    return main.rstrip("\n") + "\n" + "".join(f"\n{body}\n" for body in kept)


def replace_section(path: Path, name: str, body: str) -> None:
    """Write `body` as section NAME of the report, replacing its previous version."""
    block = f"<!-- {name}:start -->\n{body.rstrip()}\n<!-- {name}:end -->"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    if f"<!-- {name}:start -->" in text:
        text = _SECTION.sub(lambda m: block if m.group("name") == name else m.group(0), text)
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
