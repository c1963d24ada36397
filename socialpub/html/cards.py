"""The cards of the HTML preview, one layout per kind of platform: an adapter names its layout in
`Adapter.preview_card` ("thread", "page_post", "video", "pin"); a platform without a layout of its own gets
`generic`. Each draws the platform's body of the card with the page's helpers (text, media, link card)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from socialpub.html.markup import Markup, el, join, marked

if TYPE_CHECKING:
    from socialpub.html.page import CardView, Page


def thread(page: Page, v: CardView) -> Markup:
    r = v.rendered
    account = str(r.channel.options.get("account") or r.channel.name).lstrip("@")
    display = page.config.defaults.sponsor or account
    measures = v.data["measures"]
    tweets = []
    for i, part in enumerate(r.parts):
        m = measures[i] if i < len(measures) else None
        tweets.append(
            el(
                "div",
                {"class": "tweet"},
                page.avatar(display),
                el(
                    "div",
                    {"class": "tweet-body"},
                    el(
                        "div",
                        {"class": "who"},
                        el("b", None, display),
                        " ",
                        el("span", {"class": "muted"}, f"@{account}"),
                    ),
                    page.text(v, f"part{i}", part.text),
                    page.media_list(v, part.media, i),
                    el(
                        "div",
                        {"class": "tweet-foot"},
                        el("span", {"class": "muted"}, f"{i + 1}/{len(r.parts)}")
                        if len(r.parts) > 1
                        else None,
                        page.count(m) if m else None,
                    ),
                ),
            )
        )
    return el("div", {"class": "thread" if len(tweets) > 1 else "single"}, tweets)

def page_post(page: Page, v: CardView) -> Markup:
    r = v.rendered
    name = str(r.channel.options.get("page_name") or page.config.defaults.sponsor or r.channel.name)
    return el(
        "div",
        {"class": "fb"},
        el(
            "div",
            {"class": "who"},
            page.avatar(name),
            el("b", None, name),
            el("span", {"class": "muted"}, " · page post"),
        ),
        page.text(v, "part0", r.text, "See more"),
        page.media_list(v, r.parts[0].media if r.parts else (), 0),
        page.link_card(v),
    )

def video(page: Page, v: CardView) -> Markup:
    r = v.rendered
    options = v.data["options"]
    videos = [m for m in r.media if m.kind == "video"] or list(r.media)
    if videos:
        shown = r.parts[0].media if r.parts else ()
        key = f"alt0.{shown.index(videos[0])}" if videos[0] in shown and videos[0].alt else None
        player = page.image(v, videos[0], key)
    elif r.thumbnail:
        player = page.image(v, r.thumbnail, "thumbalt")
    else:
        player = el("div", {"class": "placeholder video"}, "no video")
    if r.thumbnail and videos:
        thumb = el(
            "div", {"class": "thumb"}, el("b", None, "thumbnail"), page.image(v, r.thumbnail, "thumbalt")
        )
    else:
        thumb = None
    tags = options.get("tags") or []
    return el(
        "div",
        {"class": "yt"},
        el("div", {"class": "player"}, player),
        el(
            "h3",
            {"class": "yt-title"},
            marked(r.title or "", v.spans.get("title", ()))
            if r.title
            else el("span", {"class": "alt-missing"}, "no title"),
        ),
        el(
            "div",
            {"class": "who"},
            page.avatar(page.config.defaults.sponsor or r.channel.name),
            el("b", None, page.config.defaults.sponsor or r.channel.name),
            el("span", {"class": "chip"}, f"privacy: {options.get('privacy', 'public')}"),
        ),
        el("div", {"class": "description"}, page.text(v, "part0", r.text, "…more")),
        el("div", {"class": "tags"}, [el("span", {"class": "tag"}, f"#{t}") for t in tags])
        if tags
        else None,
        thumb,
        page.link_card(v) if r.platform.shows_link_card(r) else None,
    )

def pin(page: Page, v: CardView) -> Markup:
    r = v.rendered
    return el(
        "div",
        {"class": "pin"},
        page.media_list(v, r.parts[0].media if r.parts else r.media, 0)
        or el("div", {"class": "placeholder image"}, "no image"),
        el(
            "div",
            {"class": "thumb"},
            el("b", None, "cover image"),
            page.image(v, r.thumbnail, "thumbalt"),
        )
        if r.thumbnail
        else None,
        el(
            "h3",
            {"class": "pin-title"},
            marked(r.title, v.spans.get("title", ()))
            if r.title
            else el("span", {"class": "alt-missing"}, "no title"),
        ),
        page.text(v, "part0", r.text),
        el("div", {"class": "board"}, "Saved to ", el("b", None, r.board or "(no board)")),
        page.link_card(v),
    )

def generic(page: Page, v: CardView) -> Markup:
    r = v.rendered
    return el(
        "div",
        {"class": "generic"},
        el("h3", None, marked(r.title, v.spans.get("title", ()))) if r.title else None,
        [
            join(page.text(v, f"part{i}", p.text), page.media_list(v, p.media, i))
            for i, p in enumerate(r.parts)
        ],
        page.link_card(v),
    )


# layout name (Adapter.preview_card) -> how the card's body is drawn
CARDS: dict[str, Callable[[Page, CardView], Markup]] = {
    "thread": thread,
    "page_post": page_post,
    "video": video,
    "pin": pin,
    "generic": generic,
}
