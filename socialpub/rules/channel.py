"""SP-CHANNEL-001/002: what the platform itself would refuse (lengths, media; docs/rules.md)."""

from __future__ import annotations

from collections.abc import Iterable

from socialpub.rules.engine import Context, Hit, rule


@rule(
    "SP-CHANNEL-001", "too-long", "error",
    summary="Exceeds the channel's length limits (X: twitter-text weighted length).",
    help="Shorten the text for this channel, e.g. with an override table ([twitter] text = …).",
)
def too_long(ctx: Context) -> Iterable[Hit]:
    assert ctx.rendered is not None
    for measure in ctx.rendered.measures:
        if measure.over:
            yield Hit(
                f"{measure.what} is {measure.count:,} {measure.unit}; {ctx.rendered.channel.name} allows "
                f"{measure.limit:,}",
                source=measure.source,
                hint=f"cut at least {measure.count - measure.limit:,} {measure.unit}",
            )
    for issue in ctx.rendered.text_issues:
        yield Hit(issue, source=ctx.rendered.title_source or ctx.rendered.parts[0].source)


@rule(
    "SP-CHANNEL-002", "media-requirements", "error",
    summary="The channel's media requirements are not met.",
    help="Give the channel the media it takes (each finding's hint says how).",
    when=lambda ctx: bool(ctx.rendered.media_issues),  # type: ignore[union-attr]
)
def media_requirements(ctx: Context) -> Iterable[Hit]:
    assert ctx.rendered is not None
    # The line of the media list this channel actually gets: its own table, its kind's table, or the post's.
    # (Looking only at the kind's table pointed at [kind] when that table had no media, and ignored
    # per-channel tables.)
    if not ctx.rendered.media_issues:
        return
    post, name, kind = ctx.post, ctx.rendered.channel.name, ctx.rendered.kind
    _, source = post.value(name, kind, "media")
    if source is not None:
        line = source.line
    else:  # no media anywhere: the table that would take it, else the post's channels
        table = name if name in post.overrides else kind if kind in post.overrides else None
        line = post.line(table) if table else post.line("channels")
    for issue in ctx.rendered.media_issues:
        yield Hit(str(issue), line=line, hint=getattr(issue, "hint", None))  # the hint that fits this problem
