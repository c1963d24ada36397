"""Pinterest pins on named boards. Rendering is offline; publishing uses the REST API v5 over requests."""

from __future__ import annotations

from typing import TYPE_CHECKING

from socialpub.adapters.base import Adapter, Measure, Part, Rendered
from socialpub.errors import PostError
from socialpub.tomlsource import Key, did_you_mean

if TYPE_CHECKING:
    from socialpub.posts import Post


class PinterestAdapter(Adapter):
    kind = "pinterest"
    label = "Pinterest"
    limits = {"title": 100, "text": 500, "alt_text": 500, "link": 2048, "images": 1, "videos": 1}
    fold_chars = 100
    channel_keys = {"boards": Key(dict), "default_board": Key(str), "token_uri": Key(str)}
    credential_keys = frozenset({"access_token", "refresh_token", "app_id", "app_secret"})
    override_keys = {"board": Key(str), "thumbnail": Key(str)}

    def render(self, post: Post) -> Rendered:
        text, text_source = self.field(post, "text")
        title, title_source = self.field(post, "title")
        link, link_source = self.field(post, "link")
        media, _ = self.field(post, "media", ())
        thumbnail, _ = self.field(post, "thumbnail")
        board, board_source = self.field(post, "board", self.channel.options.get("default_board"))
        boards = self.channel.boards
        problems = []
        board_id = boards.get(board) if board else None
        if board_id is None:
            if board:
                guess = did_you_mean(board, boards)
                message = f"unknown board '{board}' for channel {self.channel.name}"
            else:
                guess = None
                message = f"no board: a pin on {self.channel.name} needs [pinterest] board = \"…\""
            problems.append(
                PostError(
                    message,
                    rule="SP-FILE-002",
                    file=post.file,
                    line=board_source.line if board_source else post.line("pinterest"),
                    key="board",
                    hint=f"did you mean '{guess}'?" if guess else "boards of this channel: " + ", ".join(boards),
                )
            )
        issues = self.media_issues(tuple(media))
        if not media:
            issues.append("a pin needs an image or a video")
        if any(m.kind == "video" for m in media) and thumbnail is None:
            issues.append("a video pin needs a cover image: set [pinterest] thumbnail = \"…\"")
        measures = (
            Measure("title", len(title or ""), self.limit("title"), source=title_source),
            Measure("description", len(text), self.limit("text"), source=text_source),
            Measure("link", len(link or ""), self.limit("link"), source=link_source),
        )
        return Rendered(
            post=post,
            channel=self.channel,
            kind=self.kind,
            parts=(Part(text, text_source, tuple(media), len(text)),),  # type: ignore[arg-type]
            title=title,
            title_source=title_source,
            link=link,
            link_source=link_source,
            media=tuple(media),
            thumbnail=thumbnail,
            board=board,
            board_id=board_id,
            measures=measures,
            media_issues=tuple(issues),
            problems=tuple(problems),
            fold=self.fold,
            alt_limit=self.limit("alt_text"),
        )
