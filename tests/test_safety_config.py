"""`[safety]` in channels.toml: defaults, and every bad value named by file, line and key with a hint (exit 2)."""

from __future__ import annotations

from datetime import date

import pytest

from socialpub.errors import ConfigError
from tests.helpers import Repo, cli


def test_defaults_without_a_safety_table(repo: Repo) -> None:
    safety = repo.config().safety
    assert (safety.watch_days, safety.forward_within, safety.holidays, safety.event_words,
            safety.situation_words) == (30, 1, frozenset(), (), {})


def test_a_full_safety_table_is_read(repo: Repo) -> None:
    repo.write_config('[safety]\nwatch_days = 14\nforward_within = 0\nholidays = [2026-12-25, 2027-01-01]\n'
                      'event_words = ["zonked", "felt off"]\nsituation_words = { pregnancy = ["expecting"], '
                      'overdose = ["double dose"] }\n')
    safety = repo.config().safety
    assert (safety.watch_days, safety.forward_within) == (14, 0)
    assert safety.holidays == {date(2026, 12, 25), date(2027, 1, 1)}
    assert safety.event_words == ("zonked", "felt off")
    assert safety.situation_words == {"pregnancy": ("expecting",), "overdose": ("double dose",)}
    assert safety.quota_read_units == 5_000
    repo.write_config("[safety]\nquota_read_units = 200000\n")
    assert repo.config().safety.quota_read_units == 200_000


@pytest.mark.parametrize(
    ("line", "key", "says"),
    [
        ("watch_days = 0", "safety.watch_days", "between 1 and 366"),
        ("watch_days = 99999999999999999", "safety.watch_days", "between 1 and 366"),
        ("watch_days = true", "safety.watch_days", "must be an integer"),
        ("forward_within = -1", "safety.forward_within", "between 0 and 30"),
        ("forward_within = \"1\"", "safety.forward_within", "must be an integer"),
        ("holidays = [\"2026-12-25\"]", "safety.holidays", "item 1 must be a date"),
        ("holidays = [2026-12-25T09:00:00]", "safety.holidays", "item 1 must be a date"),
        ("holidays = [0001-01-01]", "safety.holidays", "outside the years"),
        ("holidays = 2026-12-25", "safety.holidays", "must be an array"),
        ("event_words = [\"  \"]", "safety.event_words", "empty"),
        ("event_words = [1]", "safety.event_words", "item 1 must be a string"),
        ("situation_words = { pregancy = [\"expecting\"] }", "safety.situation_words.pregancy", "pregnancy"),
        ("situation_words = { overdose = \"double\" }", "safety.situation_words.overdose", "list of words"),
        ("situation_words = { overdose = [\"\"] }", "safety.situation_words.overdose", "empty"),
        ("situation_words = [\"x\"]", "safety.situation_words", "must be a table"),
        ("watch_dayz = 3", "safety.watch_dayz", "watch_days"),
        ("quota_read_units = 0", "safety.quota_read_units", "between 1 and 100000000"),
        ("quota_read_units = \"5000\"", "safety.quota_read_units", "must be an integer"),
    ],
)
def test_bad_values_name_file_line_and_key(repo: Repo, line: str, key: str, says: str) -> None:
    repo.write_config(f"[safety]\n{line}\n")
    with pytest.raises(ConfigError) as error:
        repo.config()
    text = str(error.value)
    assert f"channels.toml:{repo.root.joinpath('channels.toml').read_text().splitlines().index(line) + 1}:" in text
    assert key in text and says in text
    code, out, err = cli(repo, "inbox")
    assert code == 2 and key in err and "Traceback" not in err
