"""A database the run cannot use (unparseable URL, unwritable path, corrupt file, locked by
another process) stops ``scrapy crawl`` before its first request, in one line."""

import sqlite3

import pytest

from replica import Catalog, ReplicaServer
from tests.helpers import crawl


@pytest.fixture(scope="module")
def replica():
    with ReplicaServer(Catalog(products=24, seed=1)) as server:
        yield server


def corrupt(path):
    path.write_bytes(b"this is not a database" * 100)
    return f"sqlite:///{path}"


@pytest.mark.parametrize(
    ("make_url", "message"),
    [
        (lambda tmp: "nonsense", "DATABASE_URL 'nonsense': Unrecognized or unsupported scheme"),
        (lambda tmp: "sqlite:////proc/no/such/dir/x.db", "unable to open database file"),
        (lambda tmp: corrupt(tmp / "corrupt.db"), "file is not a database"),
    ],
    ids=["unparseable", "unwritable path", "corrupt file"],
)
def test_a_bad_database_stops_the_run_before_any_request(replica, tmp_path, make_url, message):
    assert_stops_at_start(replica, tmp_path, make_url(tmp_path), message)


def test_a_database_locked_by_another_process_stops_the_run(replica, tmp_path):
    path = tmp_path / "locked.db"
    holder = sqlite3.connect(path, check_same_thread=False)
    holder.execute("CREATE TABLE t (x)")
    holder.commit()
    holder.execute("BEGIN EXCLUSIVE")
    try:
        # ?timeout=: how long SQLite waits for the lock (5 s unless the URL says otherwise).
        url = f"sqlite:///{path}?timeout=0.1"
        assert_stops_at_start(replica, tmp_path, url, "database is locked")
    finally:
        holder.rollback()
        holder.close()


def assert_stops_at_start(replica, tmp_path, url, message):
    replica.clear_log()
    result = crawl(replica, tmp_path, DATABASE_URL=url)
    log = (tmp_path / "crawl.log").read_text()
    errors = [line for line in log.splitlines() if " ERROR: " in line]
    assert result.returncode == 2
    assert len(errors) == 1 and "Cannot use the database: " in errors[0] and message in errors[0]
    assert "Traceback" not in log + result.stderr
    assert replica.count() == 0
