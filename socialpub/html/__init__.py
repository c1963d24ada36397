"""The HTML preview (`socialpub preview --html`): `markup` (escaping by construction, findings at their spans),
`cards` (each platform's card), `page` (the page) and its stylesheet `preview.css`."""

from __future__ import annotations

from socialpub.html.page import render_page

__all__ = ["render_page"]
