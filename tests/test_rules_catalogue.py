"""docs/rules.md is the rules catalogue: every registered rule has its section, and every example in it does
what the page says (run through the real loader, renderers and rules)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from socialpub.rules import registry
from tests.helpers import PNG, Repo

RULES = registry()  # the catalogue (socialpub.rules loads it on first call)

CATALOGUE = Path(__file__).resolve().parents[1] / "docs" / "rules.md"
SECTION = re.compile(r"^## (SP-[A-Z]+-\d{3})[ \t]*$", re.MULTILINE)
EXAMPLE = re.compile(r"^- (Fires|Passes): `([^`]*)`(?: with (.*))?$", re.MULTILINE)


def sections() -> dict[str, str]:
    text = CATALOGUE.read_text(encoding="utf-8")
    found = list(SECTION.finditer(text))
    out: dict[str, str] = {}
    for index, match in enumerate(found):
        end = found[index + 1].start() if index + 1 < len(found) else len(text)
        assert match.group(1) not in out, f"two sections for {match.group(1)}"
        out[match.group(1)] = text[match.end():end]
    return out


def examples() -> list[tuple[str, str, str, dict[str, object]]]:
    out = []
    for rule_id, body in sections().items():
        for kind, text, front in EXAMPLE.findall(body):
            lines = re.findall(r"`([^`]*)`", front)
            out.append((rule_id, kind, text, tomllib.loads("\n".join(lines))))
    return out


def test_every_registered_rule_has_a_section() -> None:
    assert sorted(set(RULES) - set(sections())) == []


def test_every_section_is_a_registered_rule_with_its_level_and_examples() -> None:
    for rule_id, body in sections().items():
        assert rule_id in RULES, f"docs/rules.md documents {rule_id}, which the engine does not register"
        rule = RULES[rule_id]
        head = body.strip().split("\n", 1)[0]
        suppressible = "not suppressible" if not rule.suppressible else "suppressible"
        assert head == f"**{rule.name}** · {rule.level} · {suppressible} · {rule.scope}", (rule_id, head)
        kinds = {kind for kind, _, _ in EXAMPLE.findall(body)}
        assert kinds == {"Fires", "Passes"}, f"{rule_id} needs an example that fires and one that passes"


@pytest.mark.parametrize(("rule_id", "kind", "text", "front"), examples(),
                         ids=lambda v: v if isinstance(v, str) and v.startswith("SP-") else "")
def test_each_example_does_what_the_catalogue_says(
    repo: Repo, rule_id: str, kind: str, text: str, front: dict[str, object]
) -> None:
    repo.write("posts/media/a.png", PNG)
    repo.post(text, **front)
    everything = repo.findings()
    if not rule_id.startswith("SP-FILE-"):  # a post that did not load passes every other rule vacuously
        assert [f.message for f in everything if f.rule.startswith("SP-FILE-")] == []
    findings = [f for f in everything if f.rule == rule_id and not f.suppressed]
    if kind == "Fires":
        assert findings, f"{rule_id} does not fire on: {text}"
    else:
        assert findings == [], [f.message for f in findings]
