"""X (Twitter): tweets and threads. Rendering is offline; publishing uses tweepy, imported on demand."""

from __future__ import annotations

from typing import TYPE_CHECKING

from socialpub.adapters.base import Adapter, Measure, Part, Rendered, with_link
from socialpub.tomlsource import Key
from socialpub.xlength import weighted_length

if TYPE_CHECKING:
    from socialpub.posts import Post


class TwitterAdapter(Adapter):
    kind = "twitter"
    label = "X"
    limits = {"text": 280, "images": 4, "videos": 1, "alt_text": 1000}
    channel_keys = {"auth": Key(str, choices=("oauth1", "oauth2"))}
    credential_keys = frozenset(
        {"api_key", "api_secret", "access_token", "access_secret", "user_token", "client_id", "client_secret",
         "refresh_token"}
    )
    override_keys = {"thread": Key(list, items=str)}

    def render(self, post: Post) -> Rendered:
        text, text_source = self.field(post, "text")
        link, link_source = self.field(post, "link")
        media, _ = self.field(post, "media", ())
        thread, thread_source = self.field(post, "thread", [])
        first = with_link(text, link)
        parts = [Part(first, text_source, tuple(media), weighted_length(first))]  # type: ignore[arg-type]
        parts += [Part(reply, thread_source, (), weighted_length(reply)) for reply in thread]  # type: ignore[arg-type]
        limit = self.limit("text")
        measures = [
            Measure(f"tweet {i + 1}" if len(parts) > 1 else "tweet", part.length, limit, "weighted characters",
                    part.source)
            for i, part in enumerate(parts)
        ]
        issues = self.media_issues(tuple(media))
        gifs = [m for m in media if m.kind == "gif"]
        if gifs and len(media) > 1:
            issues.append("a GIF must be the only media of a tweet")
        if not any(p.text.strip() for p in parts[:1]) and not media:
            issues.append("nothing to post: the tweet has no text and no media")
        return Rendered(
            post=post,
            channel=self.channel,
            kind=self.kind,
            parts=tuple(parts),
            link=link,
            link_source=link_source,
            media=tuple(media),
            measures=tuple(measures),
            media_issues=tuple(issues),
            fold=self.fold,
            alt_limit=self.limit("alt_text"),
        )
