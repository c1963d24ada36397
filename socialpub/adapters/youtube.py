"""YouTube videos. Rendering is offline; publishing uses google-api-python-client, imported on demand."""

from __future__ import annotations

from typing import TYPE_CHECKING

from socialpub.adapters.base import Adapter, Measure, Part, Rendered, with_link
from socialpub.tomlsource import Key

if TYPE_CHECKING:
    from socialpub.posts import Post

PRIVACY = ("public", "unlisted", "private")


def _category_problem(value: str) -> str | None:
    return None if value.isdigit() else f"'{value}' is not a YouTube category id (digits, e.g. \"22\")"


def tags_length(tags: list[str]) -> int:
    """YouTube's count: a tag with a space counts its quotes, and tags are joined by commas."""
    if not tags:
        return 0
    return sum(len(t) + (2 if " " in t else 0) for t in tags) + len(tags) - 1


class YouTubeAdapter(Adapter):
    kind = "youtube"
    label = "YouTube"
    limits = {"title": 100, "description": 5000, "tags": 500, "images": 0, "videos": 1}
    fold_chars = 150
    native_scheduling = True
    channel_keys = {
        "channel_id": Key(str),
        "privacy": Key(str, choices=PRIVACY),
        "category": Key(str, check=_category_problem),
        "made_for_kids": Key(bool),
        "native_schedule": Key(bool),
        "token_uri": Key(str),
    }
    credential_keys = frozenset({"client_id", "client_secret", "refresh_token"})
    override_keys = {
        "tags": Key(list, items=str),
        "privacy": Key(str, choices=PRIVACY),
        "category": Key(str, check=_category_problem),
        "thumbnail": Key(str),
        "made_for_kids": Key(bool),
        "native_schedule": Key(bool),
    }

    def render(self, post: Post) -> Rendered:
        options = self.channel.options
        text, text_source = self.field(post, "text")
        title, title_source = self.field(post, "title")
        link, link_source = self.field(post, "link")
        media, _ = self.field(post, "media", ())
        thumbnail, _ = self.field(post, "thumbnail")
        tags, tags_source = self.field(post, "tags", [])
        description = with_link(text, link, "\n\n")
        videos = [m for m in media if m.kind == "video"]
        issues = []
        if len(videos) != 1 or len(media) != 1:
            issues.append(f"a YouTube post needs exactly one video (it has {len(videos)} video(s) "
                          f"and {len(media) - len(videos)} other file(s)); set [youtube] media = [{{ path = … }}]")
        if thumbnail is not None and thumbnail.kind not in ("image", None):
            issues.append("the thumbnail must be an image (JPEG or PNG)")
        text_issues = []
        if not title:
            text_issues.append("a YouTube video needs a title")
        elif "<" in title or ">" in title:
            text_issues.append("YouTube refuses '<' and '>' in titles")
        measures = (
            Measure("title", len(title or ""), self.limit("title"), source=title_source),
            Measure("description", len(description.encode("utf-8")), self.limit("description"), "bytes",
                    text_source),
            Measure("tags", tags_length(tags), self.limit("tags"), source=tags_source),
        )
        privacy, _ = self.field(post, "privacy", options.get("privacy", "public"))
        category, _ = self.field(post, "category", options.get("category", "22"))
        made_for_kids, _ = self.field(post, "made_for_kids", options.get("made_for_kids", False))
        native, _ = self.field(post, "native_schedule", options.get("native_schedule", False))
        return Rendered(
            post=post,
            channel=self.channel,
            kind=self.kind,
            parts=(Part(description, text_source, tuple(media), len(description)),),  # type: ignore[arg-type]
            title=title,
            title_source=title_source,
            link=link,
            link_source=link_source,
            media=tuple(media),
            thumbnail=thumbnail,
            options={"tags": list(tags), "privacy": privacy, "category": category, "made_for_kids": made_for_kids,
                     "native_schedule": native},
            measures=measures,
            media_issues=tuple(issues),
            text_issues=tuple(text_issues),
            fold=self.fold,
        )
