"""SP-FILE-001/002: the loader's and renderers' errors, reported as findings so one run shows every file
(docs/rules.md)."""

from __future__ import annotations

from collections.abc import Iterable

from socialpub.rules.engine import Context, Hit, rule


@rule(
    "SP-FILE-001", "invalid-post-file", "error", scope="post", suppressible=False,
    summary="The post file cannot be parsed or has invalid fields.",
    help="Fix the file as the message says; the section 'Posts' of the README shows the post format.",
)
def invalid_post_file(ctx: Context) -> Iterable[Hit]:
    return ()  # reported by the loader (socialpub.check), never by looking at a loaded post


@rule(
    "SP-FILE-002", "unknown-reference", "error", scope="post", suppressible=False,
    summary="Unknown channel, board, campaign or media file (missing, outside the repository, wrong type).",
    help="Use a name defined in channels.toml, or a media file inside the repository.",
)
def unknown_reference(ctx: Context) -> Iterable[Hit]:
    return ()  # reported by the loader and the renderers
