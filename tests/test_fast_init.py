"""Frozen dataclasses that write their own __init__ (for speed: made per post, field or channel) must set
every field the class declares, exactly as the generated __init__ would; a field added to the class but
not to its __init__ fails here rather than as an AttributeError in some later rule."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from socialpub.adapters.base import Measure, Part, Rendered
from socialpub.media import Media
from socialpub.rules import conduct, engine

CASES: list[tuple[type, dict[str, Any]]] = [
    (Part, {"text": "t", "source": None}),
    (Measure, {"what": "text", "count": 3, "limit": 280}),
    (Rendered, {"post": None, "channel": None, "kind": "twitter", "parts": ()}),
    (Media, {"path": "a.png", "file": Path("a.png"), "alt": "x", "mime": "image/png"}),
    (engine.Field, {"name": "text", "value": "v", "source": None}),
    (engine.Unit, {"index": 0, "fields": ()}),
    (conduct._Text, {"unit": 0, "field": None, "masked": "v"}),
]


@pytest.mark.parametrize(("cls", "args"), CASES, ids=[c.__name__ for c, _ in CASES])
def test_own_init_sets_every_declared_field(cls: type, args: dict[str, Any]) -> None:
    made = cls(**args)
    for f in dataclasses.fields(cls):
        assert f.name in vars(made), f"{cls.__name__}.__init__ does not set {f.name}"
        if f.name in args:
            assert getattr(made, f.name) == args[f.name]
        elif f.init and f.default is not dataclasses.MISSING:
            assert getattr(made, f.name) == f.default
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(made, dataclasses.fields(cls)[0].name, None)
    if all(f.name in args or f.default is not dataclasses.MISSING or not f.init for f in dataclasses.fields(cls)):
        assert dataclasses.replace(made) == made  # replace() goes through the hand-written __init__


def test_media_kind_is_told_by_the_bytes_type_then_the_name() -> None:
    assert Media("a.png", None, None, mime="image/gif").kind == "gif"
    assert Media("clip.MP4", None, None).kind == "video"  # unusable file: counted by its name
    assert Media("notes.txt", None, None).kind is None
