"""Media, and the slotted dataclasses a check makes per post: what workers send back pickled and what
`dataclasses.replace` makes must equal what was made, with every derived field told again."""

from __future__ import annotations

import dataclasses
import pickle
from pathlib import Path

from socialpub.adapters.base import Measure, Part, Rendered
from socialpub.media import Media
from socialpub.rules import common, engine


def test_media_kind_is_told_by_the_bytes_type_then_the_name() -> None:
    assert Media("a.png", None, None, mime="image/gif").kind == "gif"
    assert Media("clip.MP4", None, None).kind == "video"  # unusable file: counted by its name
    assert Media("notes.txt", None, None).kind is None


def test_replace_tells_the_kind_again() -> None:
    media = Media("a.png", Path("a.png"), "alt", mime="image/png")
    assert dataclasses.replace(media, mime="video/mp4").kind == "video"
    assert dataclasses.replace(media, path="b.gif", mime=None).kind == "gif"


def test_slotted_values_survive_pickling_and_stay_frozen() -> None:
    media = Media("a.png", Path("a.png"), "alt", mime="image/png", data=b"\x89PNG", digest="d")
    part = Part("hello", None, (media,), 5)  # type: ignore[arg-type]
    rendered = Rendered(None, None, "twitter", (part,), title="t", measures=(Measure("text", 5, 280),))  # type: ignore[arg-type]
    field = engine.Field.of("text", "hello", None)
    viewed = engine.Field.of("text", "Ｈello", None)  # a normalised view (compared by identity, so not below)
    field.masked, viewed.masked  # noqa: B018  (the facts are looked up and kept on the fields)
    unit = engine.Unit(0, (field, engine.Field("link", "https://x.example", None)))
    for value in (media, part, rendered, field, unit, common.Text(0, field, field.masked)):
        again = pickle.loads(pickle.dumps(value))
        assert again == value
        assert not hasattr(value, "__dict__")  # slots: no per-instance dict
    copy = pickle.loads(pickle.dumps(media))
    assert (copy.kind, copy.data, copy.digest) == ("image", b"\x89PNG", "d")
    assert pickle.loads(pickle.dumps(unit)).prose() == (field,)
    with_facts = pickle.loads(pickle.dumps(viewed))
    assert (with_facts.value, with_facts.original, with_facts.masked) == ("Hello", "Ｈello", "Hello")
    for value, name in ((media, "alt"), (part, "text"), (field, "value"), (unit, "index")):
        try:
            setattr(value, name, None)
        except dataclasses.FrozenInstanceError:
            continue
        raise AssertionError(f"{type(value).__name__} can be changed")


def test_replace_of_a_field_reads_the_new_value() -> None:
    field = engine.Field.of("text", "see https://x.example now", None)
    assert field.masked.startswith("see ") and "x.example" not in field.masked
    other = dataclasses.replace(field, value="plain words")
    assert (other.masked, other.facts.text) == ("plain words", "plain words")  # its facts, not the old field's
    unit = engine.Unit(0, (field, engine.Field("link", "https://y.example", None)))
    assert dataclasses.replace(unit, fields=(other,)).prose() == (other,)
