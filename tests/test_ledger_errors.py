"""Database problems are clear errors: the file or server named, what to do, exit 2 when nothing was done, never
a traceback, never any part of a password."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from socialpub.errors import ConfigError
from socialpub.ledger import LedgerError, PostgresLedger, _scrub_url
from tests import helpers
from tests.helpers import Repo


def cli(repo: Repo, *args: str, ledger: str | None = None) -> tuple[int, str, str]:
    extra = ["--ledger", ledger] if ledger else []
    return helpers.cli(repo, *extra, *args, env={"USER": "t"})


def clear_error(code: int, out: str, err: str, *expected: str) -> None:
    assert code == 2, (code, out, err)
    assert "internal error" not in err and "Traceback" not in err and "this is a bug" not in err, err
    for text in expected:
        assert text in err, (text, err)


# --- SQLite ----------------------------------------------------------------------------------------------------


@pytest.fixture
def repo_ledger(repo: Repo) -> Path:
    """The repository's ledger file, created (tables and all) by a first command."""
    assert cli(repo, "status")[0] == 0
    return repo.root / ".socialpub" / "ledger.db"


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty-header"])
def test_a_damaged_sqlite_ledger_is_named_with_what_to_do(repo: Repo, repo_ledger: Path, damage: str) -> None:
    for suffix in ("-wal", "-shm"):
        Path(f"{repo_ledger}{suffix}").unlink(missing_ok=True)
    data = repo_ledger.read_bytes()
    if damage == "garbage":
        repo_ledger.write_bytes(b"this is not a database, it is a text file\n" * 200)
    elif damage == "truncated":
        repo_ledger.write_bytes(data[: len(data) // 3])
    else:
        repo_ledger.write_bytes(b"\0" * 16 + data[16:])
    for command in (["status"], ["pause", "--reason", "x"], ["history"]):
        code, out, err = cli(repo, *command)
        clear_error(code, out, err, str(repo_ledger))
        assert "not a readable SQLite database" in err or "malformed" in err, err
        assert "backup" in err


def test_sqlite_errors_of_every_kind_name_the_file() -> None:
    import sqlite3

    from socialpub.ledger import _sqlite_error

    path = Path("/srv/posts/.socialpub/ledger.db")
    for text in ("attempt to write a readonly database", "file is not a database", "unable to open database file",
                 "database is locked", "disk I/O error", "something new"):
        error = _sqlite_error(path, sqlite3.OperationalError(text))
        assert isinstance(error, LedgerError) and str(path) in str(error) and text in str(error)


def unprivileged(run: Callable[[], Any], warm: Callable[[], Any]) -> Any:
    """`run()` as a user that may not write root's files: in a forked child as `nobody` when the tests run as
    root (root writes read-only files all the same), else here. `warm()` first, as root, on a scratch copy:
    every module the commands import lazily is then loaded before the fork."""
    if os.geteuid() != 0:
        return run()
    warm()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            os.write(write, json.dumps(run()).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        data = pipe.read()
    os.waitpid(pid, 0)
    return json.loads(data)


@pytest.fixture
def open_repo() -> Iterator[Repo]:
    """A repository in a folder others may enter (pytest's own tmp is 0700)."""
    base = Path(tempfile.mkdtemp(prefix="socialpub-ro-"))
    base.chmod(0o755)
    repo = Repo(base / "repo")
    for folder in (repo.root, repo.root / "posts"):
        folder.chmod(0o755)
    try:
        yield repo
    finally:
        for path in [base, *base.rglob("*")]:
            if path.is_dir():
                path.chmod(0o755)
        shutil.rmtree(base, ignore_errors=True)


def read_only(path: Path) -> None:
    mode = path.stat().st_mode
    path.chmod(mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def test_a_read_only_working_folder_needs_no_ledger_for_reviewing(open_repo: Repo, tmp_path: Path) -> None:
    repo = open_repo
    repo.post("Our lab team is at the bench this week.")
    post_file = str(repo.root / "posts" / "post.md")
    for path in [repo.root, *repo.root.rglob("*")]:
        read_only(path)

    def commands(repo: Repo, post_file: str) -> dict[str, list[Any]]:
        return {
            "check": list(cli(repo, "check")),
            "preview": list(cli(repo, "preview", post_file, "--channel", "tw")),
            "hash": list(cli(repo, "hash", post_file)),
            "status": list(cli(repo, "status")),
            "pause": list(cli(repo, "pause")),
        }

    scratch = Repo(tmp_path / "scratch")
    scratch.post("Our lab team is at the bench this week.")
    done = unprivileged(lambda: commands(repo, post_file),
                        lambda: commands(scratch, str(scratch.root / "posts" / "post.md")))
    for name in ("check", "preview", "hash"):
        code, out, err = done[name]
        assert code in (0, 1) and "ledger" not in err and "internal error" not in err, (name, code, err)
    for name in ("status", "pause"):
        clear_error(*done[name], str(repo.root / ".socialpub"), "writable")
    assert not (repo.root / ".socialpub").exists()


def test_a_read_only_ledger_file_is_a_clear_error_for_commands_that_write(open_repo: Repo, tmp_path: Path) -> None:
    repo = open_repo
    assert cli(repo, "status")[0] == 0
    folder = repo.root / ".socialpub"
    for path in [folder, *folder.iterdir()]:
        read_only(path)

    scratch = Repo(tmp_path / "scratch")
    done = unprivileged(lambda: {"pause": list(cli(repo, "pause")),
                                 "resume": list(cli(repo, "resume", "--reason", "x"))},
                        lambda: (cli(scratch, "pause"), cli(scratch, "resume", "--reason", "x")))
    for name in ("pause", "resume"):
        code, out, err = done[name]
        clear_error(code, out, err, str(folder / "ledger.db"))
        assert "read-only" in err or "cannot open" in err, err


def test_a_foreign_table_of_our_name_is_refused_in_sqlite(repo: Repo) -> None:
    import sqlite3

    path = repo.root / ".socialpub" / "ledger.db"
    path.parent.mkdir()
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE events (id INTEGER, title TEXT, starts TEXT)")
        conn.execute("INSERT INTO events VALUES (1, 'conference', '2014-09-01')")
    code, out, err = cli(repo, "status")
    clear_error(code, out, err, "events", "did not create", str(path))
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT * FROM events").fetchall() == [(1, "conference", "2014-09-01")]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "publications" not in tables  # nothing was changed


def test_another_frameworks_schema_migrations_is_refused(repo: Repo) -> None:
    import sqlite3

    path = repo.root / ".socialpub" / "ledger.db"
    path.parent.mkdir()
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE schema_migrations (version VARCHAR PRIMARY KEY)")
        conn.execute("INSERT INTO schema_migrations VALUES ('20140901120000')")
    code, out, err = cli(repo, "status")
    clear_error(code, out, err, "schema_migrations", "did not create", str(path))


def test_a_host_identity_with_a_colon_still_makes_a_parseable_claimer(tmp_path: Path) -> None:
    from socialpub.ledger import SQLiteLedger

    ledger = SQLiteLedger(tmp_path / "l.db", host="rack:7")
    try:
        host, pid, token, start = ledger.claimer.split(":")  # start: the process's boot and start time
        assert host == "rack_7" and pid == str(os.getpid()) and ledger.claimer_alive(ledger.claimer)
    finally:
        ledger.close()


# --- PostgreSQL ----------------------------------------------------------------------------------------------

CANARY = "CANARY-p@ss/w:d%x?y#z"


def forms_of(password: str) -> list[str]:
    """The canary as written, encoded, and the parts a parser that split it at a delimiter would show."""
    return [password, quote(password, safe=""), "CANARY-p", "ss/w:d%x?y#z", "CANARY-p@ss/w", "d%x?y#z", "ss%2Fw"]


@pytest.fixture
def limited_role(pg_url: str) -> Iterator[str]:
    """A login role without CREATE on the test database's schema, with the canary password."""
    import psycopg
    from psycopg import sql

    role = f"sp_limited_{secrets.token_hex(3)}"
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(role), sql.Literal(CANARY)))
        admin.execute(f"REVOKE CREATE ON SCHEMA public FROM PUBLIC, {role}")
    base, _, database = pg_url.rpartition("/")
    host = base.split("@", 1)[1]
    yield f"postgresql://{role}:{quote(CANARY, safe='')}@{host}/{database}"
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute(f'DROP OWNED BY {role}')
        admin.execute(f"DROP ROLE {role}")


def test_a_role_without_create_is_told_what_it_needs_and_no_part_of_its_password_shows(
    repo: Repo, limited_role: str
) -> None:
    for command in (["status"], ["pause"], ["run", "--now", "2014-09-15T10:00:00"]):
        code, out, err = cli(repo, *command, ledger=limited_role)
        clear_error(code, out, err, "may not", "GRANT CREATE ON SCHEMA")
        assert "CANARY" not in out + err and not any(form in out + err for form in forms_of(CANARY))


def test_an_unencoded_password_is_refused_before_it_reaches_the_server(repo: Repo) -> None:
    for password in ("CANARY-p@ss", "CANARY-pa/ss", "CANARY-50%off", "CANARY-what?now", "CANARY-#1"):
        url = f"postgresql://socialpub:{password}@127.0.0.1:1/db"
        code, out, err = cli(repo, "status", ledger=url)
        clear_error(code, out, err, "percent-encode", "%40")
        assert "CANARY" not in out + err and password not in err
        with pytest.raises(ConfigError):
            PostgresLedger(url)


def test_an_encoded_password_works(repo: Repo, pg_url: str) -> None:
    """A password with @ / : % ? # written percent-encoded reaches the server as it is (README shows how)."""
    import psycopg
    from psycopg import sql

    role = f"sp_enc_{secrets.token_hex(3)}"
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(role), sql.Literal(CANARY)))
        admin.execute(f"GRANT ALL ON SCHEMA public TO {role}")
    base, _, database = pg_url.rpartition("/")
    url = f"postgresql://{role}:{quote(CANARY, safe='')}@{base.split('@', 1)[1]}/{database}"
    try:
        code, out, err = cli(repo, "pause", "--reason", "drill", ledger=url)
        assert code == 0, err
        code, out, err = cli(repo, "history", "--format", "json", ledger=url)
        assert code == 0 and json.loads(out)["events"][0]["action"] == "pause"
        assert not any(form in out + err for form in forms_of(CANARY))
    finally:
        with psycopg.connect(pg_url, autocommit=True) as admin:
            admin.execute(f"DROP OWNED BY {role}")
            admin.execute(f"DROP ROLE {role}")


def test_no_form_of_the_password_survives_scrubbing() -> None:
    url = f"postgresql://u:{quote(CANARY, safe='')}@h/d"
    raw = f"postgresql://u:{CANARY}@h/d"
    for spec in (url, raw):
        for form in forms_of(CANARY):
            message = f"could not translate host name \"{form}@h\" to address; password {form}"
            assert form not in _scrub_url(message, spec), (spec, form)


def test_a_foreign_table_of_our_name_is_refused_in_postgresql(repo: Repo, pg_url: str) -> None:
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE publications (isbn TEXT PRIMARY KEY, title TEXT)")
    code, out, err = cli(repo, "status", ledger=pg_url)
    clear_error(code, out, err, "publications", "did not create", "search_path")
    with psycopg.connect(pg_url, autocommit=True) as conn:
        columns = [r[0] for r in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'publications' ORDER BY 1"
        )]
    assert columns == ["isbn", "title"]


def test_a_ledger_whose_server_is_gone_is_a_clear_error(repo: Repo) -> None:
    code, out, err = cli(repo, "status", ledger="postgresql://socialpub:CANARY-gone@127.0.0.1:1/socialpub")
    clear_error(code, out, err, "cannot connect to the PostgreSQL ledger")
    assert "CANARY" not in out + err


# --- properties: any password, any message --------------------------------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

passwords = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40
).map(lambda text: "CANARY" + text)


@given(password=passwords)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_percent_encoded_password_is_accepted_and_reaches_the_driver_intact(password: str) -> None:
    from psycopg.conninfo import conninfo_to_dict

    from socialpub.ledger import _check_url

    url = f"postgresql://socialpub:{quote(password, safe='')}@127.0.0.1:5432/socialpub"
    _check_url(url)  # never refused
    assert conninfo_to_dict(url)["password"] == password


@given(password=passwords, before=st.text(max_size=30), after=st.text(max_size=30))
@settings(max_examples=300, deadline=None)
def test_no_password_survives_in_any_message_either_way_it_was_written(password: str, before: str, after: str) -> None:
    from socialpub.ledger import _check_url

    encoded = quote(password, safe="")
    for url in (f"postgresql://u:{encoded}@h/d", f"postgresql://u:{password}@h/d"):
        for shown in (password, encoded):
            assert shown not in _scrub_url(f"{before}{shown}{after}", url)
        try:
            _check_url(url)
        except ConfigError as error:
            assert password not in str(error) and encoded not in str(error) and "CANARY" not in str(error)


# --- a database error is not a connection error (each with its own message and hint) ----------------------------


def with_password(url: str, password: str) -> str:
    """The test server's URL with a password in it (the server trusts loopback: any password connects)."""
    scheme, _, rest = url.partition("://")
    user, _, host = rest.partition("@")
    return f"{scheme}://{user}:{password}@{host}"


def test_a_lock_held_by_another_session_is_a_database_error_not_a_lost_connection(repo: Repo, pg_url: str) -> None:
    import psycopg

    canary = f"CANARY{secrets.token_hex(4)}"
    url = with_password(pg_url, canary)
    assert cli(repo, "status", ledger=url)[0] == 0  # the tables are made
    with psycopg.connect(pg_url) as holder:
        holder.execute("LOCK TABLE publications IN ACCESS EXCLUSIVE MODE")
        code, out, err = cli(repo, "status", ledger=f"{url}?options=-clock_timeout%3D200")
    clear_error(code, out, err, "refused a statement", "lock", "55P03", "pg_stat_activity")
    assert "connection failed" not in err and "unreachable" not in err
    assert canary not in out + err


def test_a_value_too_large_for_an_index_is_a_database_error_not_a_lost_connection(pg_url: str) -> None:
    from socialpub.ledger import Row

    canary = f"CANARY{secrets.token_hex(4)}"
    with PostgresLedger(with_password(pg_url, canary)) as ledger:
        with pytest.raises(LedgerError) as raised:
            ledger.save(Row(post_id=secrets.token_hex(6000), channel="c", state="failed"))
    shown = str(raised.value)
    assert "too large" in shown and "54000" in shown and "connection failed" not in shown and canary not in shown


@pytest.mark.parametrize(("column", "value"), [("published_at", "garbage"), ("claim_deadline", "2014-13-45"),
                                               ("extra_ids", "{not json"), ("extra_ids", '{"a": 1}')])
def test_a_row_edited_into_something_unreadable_is_named_not_an_internal_error(
        repo: Repo, ledger_spec: str, column: str, value: str) -> None:
    from socialpub.ledger import Row, open_ledger

    with open_ledger(ledger_spec, repo.root) as ledger:
        ledger.save(Row(post_id="edited-post", channel="tw", state="published"))
        with ledger.transaction() as cur:
            cur.execute(ledger.sql(f"UPDATE publications SET {column} = ? WHERE post_id = 'edited-post'"), (value,))
    code, out, err = cli(repo, "status", ledger=ledger_spec)
    clear_error(code, out, err, "'edited-post'", column, "edited outside socialpub")


def test_an_event_edited_into_something_unreadable_is_named_not_an_internal_error(repo: Repo,
                                                                                  ledger_spec: str) -> None:
    from socialpub.ledger import Row, open_ledger

    with open_ledger(ledger_spec, repo.root) as ledger:
        ledger.event("published", Row(post_id="p", channel="tw", state="published"), attempt=1)
        with ledger.transaction() as cur:
            cur.execute("UPDATE events SET detail = '{not json' WHERE action = 'published'")
    for command in (["status"], ["history"]):
        code, out, err = cli(repo, *command, ledger=ledger_spec)
        clear_error(code, out, err, "event #1", "not JSON", "audit verify")


def test_every_sqlstate_is_told_as_a_connection_error_only_when_it_is_one() -> None:
    """Every error class psycopg knows: a lost connection (class 08, a server shutting down or starting) is
    told as such; any other answer of the server is a refused statement with its SQLSTATE and a hint."""
    import psycopg

    canary = "CANARY-pw-9"
    ledger = object.__new__(PostgresLedger)  # only its URL is needed to word an error
    ledger.url = f"postgresql://u:{canary}@h/d"

    def classes(cls: type) -> Iterator[type]:
        yield cls
        for sub in cls.__subclasses__():
            yield from classes(sub)

    seen = 0
    for cls in set(classes(psycopg.Error)):
        state = getattr(cls, "sqlstate", None)
        if not state:
            continue
        seen += 1
        error = ledger._error(cls(f"server said {canary}"))
        lost = state.startswith(("08", "57P01", "57P02", "57P03"))
        assert ("connection failed" in error.message) is lost, (state, error.message)
        assert lost or state in error.message, (state, error.message)
        assert error.hint and canary not in str(error), state
    assert seen > 200  # psycopg knows every SQLSTATE of PostgreSQL
    lost = ledger._error(psycopg.OperationalError("server closed the connection unexpectedly"))
    assert "connection failed" in lost.message  # no SQLSTATE: the client lost the server


def test_an_error_of_the_driver_itself_is_named_without_a_made_up_sqlstate() -> None:
    import psycopg

    ledger = object.__new__(PostgresLedger)
    ledger.url = "postgresql://u:CANARY-pw-9@h/d"
    error = ledger._error(psycopg.DataError("PostgreSQL text fields cannot contain NUL (0x00) bytes"))
    assert "data error" in error.message and "SQLSTATE" not in error.message and "connection" not in error.message
