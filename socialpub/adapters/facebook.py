"""Facebook Page posts. Rendering is offline; publishing uses facebook-sdk, hardened, imported on demand."""

from __future__ import annotations

from typing import TYPE_CHECKING

from socialpub.adapters.base import Adapter, Measure, Part, Rendered
from socialpub.tomlsource import Key

if TYPE_CHECKING:
    from socialpub.posts import Post


class FacebookAdapter(Adapter):
    kind = "facebook"
    label = "Facebook"
    limits = {"text": 63_206, "images": 10, "videos": 1}
    fold_chars = 400
    native_scheduling = True
    channel_keys = {
        "page_id": Key(str, required=True),
        "graph_version": Key(str),
        "native_schedule": Key(bool),
    }
    credential_keys = frozenset({"page_token", "app_secret"})
    override_keys = {"native_schedule": Key(bool)}

    def render(self, post: Post) -> Rendered:
        text, text_source = self.field(post, "text")
        link, link_source = self.field(post, "link")
        media, _ = self.field(post, "media", ())
        native, _ = self.field(post, "native_schedule", self.channel.options.get("native_schedule", False))
        issues = self.media_issues(tuple(media))
        if not text.strip() and not media and not link:
            issues.append("nothing to post: no text, link or media")
        return Rendered(
            post=post,
            channel=self.channel,
            kind=self.kind,
            parts=(Part(text, text_source, tuple(media), len(text)),),  # type: ignore[arg-type]
            link=link,
            link_source=link_source,
            media=tuple(media),
            options={"native_schedule": native, "page_id": self.channel.options.get("page_id")},
            measures=(Measure("message", len(text), self.limit("text"), source=text_source),),
            media_issues=tuple(issues),
            fold=self.fold,
        )
