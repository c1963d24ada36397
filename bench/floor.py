"""The floor of the check-throughput benchmark: read every post file and TOML-parse it, nothing else.

    python bench/floor.py POSTS_DIR

Walks POSTS_DIR for `.md` and `.toml` files (skipping hidden and `_` folders, as socialpub does), parses a
`.toml` post whole and a `.md` post's front matter (between its two `+++` lines) with tomllib, and prints
how many files it parsed and how many it could not. Only the standard library: this is what any tool that
reads these files has to pay, and what `socialpub check` is compared with.
"""

import os
import sys
import tomllib


def front_matter(text: str) -> str:
    lines = text.split("\n")
    start = 0
    while start < len(lines) and not lines[start].strip():
        start += 1
    if start >= len(lines) or lines[start].rstrip() != "+++":
        raise ValueError("no front matter")
    for end in range(start + 1, len(lines)):
        if lines[end].rstrip() == "+++":
            return "\n".join(lines[start + 1 : end])
    raise ValueError("front matter not closed")


def main(root: str) -> int:
    parsed = failed = 0
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_")))
        for name in sorted(files):
            if not name.endswith((".md", ".toml")) or name.lower() == "readme.md":
                continue
            with open(os.path.join(folder, name), encoding="utf-8") as handle:
                text = handle.read()
            try:
                tomllib.loads(front_matter(text) if name.endswith(".md") else text)
                parsed += 1
            except (ValueError, tomllib.TOMLDecodeError):
                failed += 1
    print(f"{parsed} {failed}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
