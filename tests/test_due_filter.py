"""`run` skips posts that are not due without parsing them in full; that shortcut must never skip a due post."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from socialpub.posts import _not_due, _surely_not_due

ZONE = ZoneInfo("America/New_York")
DUE_BY = datetime(2014, 9, 15, 14, 0, tzinfo=UTC)

LINES = st.sampled_from([
    'publish_at = 2014-09-15T10:00:00-04:00',      # exactly due
    'publish_at = 2014-09-15T10:00:01-04:00',      # one second later
    'publish_at = 2099-01-01T00:00:00Z',
    'publish_at = 2001-01-01T00:00:00Z',
    'publish_at = 2014-09-15T09:59:59',            # local
    'publish_at = 2014-11-02T01:30:00',            # ambiguous local
    'publish_at = "2099-01-01"',
    'publish_at = 2099-01-01',
    'publish_at=2099-01-01T00:00:00Z # comment',
    'title = "publish_at = 2001-01-01T00:00:00Z"',
    'text = """',
    'publish_at = 2001-01-01T00:00:00Z',
    '"""',
    "text = '''",
    "'''",
    '[twitter]',
    'text = "x"',
    'channels = ["tw"]',
    '# publish_at = 2001-01-01T00:00:00Z',
    '  publish_at = 2001-01-01T00:00:00Z',
    '',
])


@settings(max_examples=600)
@given(st.lists(LINES, max_size=8).map("\n".join))
def test_a_post_skipped_as_not_due_is_really_not_due(front: str) -> None:
    if not _surely_not_due(front, ZONE, DUE_BY):
        return  # parsed in full: nothing to prove
    try:
        data = tomllib.loads(front)
    except tomllib.TOMLDecodeError:
        return  # a broken file is `check`'s to report; `run` only needs to know it is not due
    assert _not_due(data.get("publish_at"), ZONE, DUE_BY)  # skipped: its publish_at is absent or later


def test_the_shortcut_decides_the_common_cases() -> None:
    assert _surely_not_due('title = "x"\npublish_at = 2099-01-01T00:00:00Z\n', ZONE, DUE_BY)
    assert _surely_not_due('title = "x"\n', ZONE, DUE_BY)
    assert not _surely_not_due("publish_at = 2014-09-15T10:00:00-04:00", ZONE, DUE_BY)
    assert not _surely_not_due('text = """\npublish_at = 2099-01-01T00:00:00Z\n"""', ZONE, DUE_BY)
