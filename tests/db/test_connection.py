"""One database per project: a relative SQLite path in ``DATABASE_URL`` lies beside the
project's ``scrapy.cfg`` wherever a command is run from; the run's first line names it. A
deleted database is never reopened as a new one; ``database is locked`` from another writer
is retried like the other write conflicts."""

import logging
import os
import shutil
import sqlite3
import subprocess

import pytest
from peewee import OperationalError

from matter_certis.db import connection, models
from matter_certis.db.connection import describe, resolve
from matter_certis.exceptions import DatabaseUnavailable
from replica import Catalog, ReplicaServer
from tests.helpers import PROJECT_ROOT, crawl_command, row_count, rows


@pytest.fixture
def project(tmp_path):
    """A copy of the project: its ``scrapy.cfg`` and package."""
    shutil.copy(PROJECT_ROOT / "scrapy.cfg", tmp_path)
    shutil.copytree(
        PROJECT_ROOT / "matter_certis",
        tmp_path / "matter_certis",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    return tmp_path


def test_a_relative_sqlite_path_lies_beside_scrapy_cfg(project):
    subfolder = project / "matter_certis" / "spiders"
    assert resolve("sqlite:///matter_certis.db", start=subfolder) == (
        f"sqlite:///{project / 'matter_certis.db'}"
    )


def test_a_relative_path_keeps_its_folders_and_options(project):
    assert resolve("sqlite:///data/x.db?timeout=5", start=project / "matter_certis") == (
        f"sqlite:///{project / 'data' / 'x.db'}?timeout=5"
    )


def test_without_scrapy_cfg_the_working_directory_stays(tmp_path):
    """Scrapyd runs the project from an egg, with no scrapy.cfg above its folder."""
    assert resolve("sqlite:///matter_certis.db", start=tmp_path) == "sqlite:///matter_certis.db"


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:////srv/matter/matter_certis.db",
        "sqlite:///:memory:",
        "postgresql://matter:secret@db.example/matter",
    ],
)
def test_absolute_paths_memory_and_servers_are_unchanged(project, url):
    assert resolve(url, start=project) == url


def test_the_description_names_the_file_or_hides_the_password():
    assert describe("sqlite:////srv/m.db") == "SQLite file /srv/m.db"
    assert describe("postgresql://matter:secret@db.example/matter") == (
        "postgresql://matter:***@db.example/matter"
    )


def test_a_crawl_from_a_subfolder_uses_the_projects_database(project):
    """The first run from the project's root, the second from a subfolder: the second finds
    everything stored and adds nothing; both name the same file first."""
    with ReplicaServer(Catalog(products=24, seed=5)) as replica:
        first = crawl_from(project, replica)
        second = crawl_from(project / "matter_certis" / "spiders", replica)
    database = project / "matter_certis.db"
    named = f"[matter_certis.pipelines.database] INFO: Database: SQLite file {database}"
    assert [
        first.stderr.splitlines()[0].endswith(named),
        second.stderr.splitlines()[0].endswith(named),
    ] == [True, True]
    assert [
        run["products_added"]
        for run in rows(database, "SELECT products_added FROM crawling_results ORDER BY started_at")
    ] == [24, 0]
    assert not (project / "matter_certis" / "spiders" / "matter_certis.db").exists()


def crawl_from(folder, replica):
    """``scrapy crawl`` run in ``folder``, the project found by its scrapy.cfg (as a user
    runs it, no PYTHONPATH), the log on stderr."""
    command = crawl_command(replica, folder, DATABASE_URL="sqlite:///matter_certis.db", LOG_FILE="")
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in ("PYTHONPATH", "DATABASE_URL")
    }
    result = subprocess.run(
        command, cwd=folder, capture_output=True, text=True, timeout=120, env=environment
    )
    assert result.returncode == 0, result.stderr
    return result


# Reopening and write conflicts


def test_reopen_never_creates_a_deleted_database(tmp_path):
    path = tmp_path / "run.db"
    connection.open_database(f"sqlite:///{path}")
    connection.close()
    path.unlink()
    with pytest.raises(DatabaseUnavailable, match="was deleted during the run"):
        connection.reopen()
    assert not path.exists()


def test_reopen_connects_again_to_the_database_the_run_opened(tmp_path):
    path = tmp_path / "run.db"
    connection.open_database(f"sqlite:///{path}")
    connection.close()
    connection.reopen()
    assert not models.database.is_closed()
    assert models.Product.select().count() == 0
    connection.close()


def test_database_is_locked_by_another_writer_is_retried(tmp_path, caplog):
    """In WAL mode a transaction that read before another job committed cannot write: SQLite
    says ``database is locked`` at once, whatever the busy timeout."""
    path = tmp_path / "run.db"
    connection.open_database(f"sqlite:///{path}")
    other = sqlite3.connect(path, isolation_level=None)
    attempts = []

    def work():
        attempts.append(models.Product.select().count())
        if len(attempts) == 1:
            other.execute(
                "INSERT INTO products (url, created_at, updated_at) "
                "VALUES ('https://csa-iot.org/csa_product/other/', '', '')"
            )
        models.Product.create(url="https://csa-iot.org/csa_product/plug-1/")

    caplog.set_level(logging.INFO, logger="matter_certis.db.connection")
    connection.in_transaction(work)
    other.close()
    assert attempts == [0, 1]
    assert row_count(path, "products") == 2
    assert "A concurrent writer got in the way (OperationalError)" in caplog.text
    connection.close()


def test_a_write_error_that_is_not_a_conflict_is_not_retried(tmp_path):
    connection.open_database(f"sqlite:///{tmp_path / 'run.db'}")
    attempts = []

    def work():
        attempts.append(1)
        models.database.execute_sql("INSERT INTO no_such_table VALUES (1)")

    with pytest.raises(OperationalError, match="no such table"):
        connection.in_transaction(work)
    assert attempts == [1]
    connection.close()


def test_reopened_closes_the_connection_after_its_block(tmp_path):
    connection.open_database(f"sqlite:///{tmp_path / 'run.db'}")
    connection.close()
    with connection.reopened() as database:
        assert not database.is_closed()
    assert models.database.is_closed()


# The check ``scrapy crawl`` makes before a crawl starts


def test_a_usable_database_is_checked_and_left_closed(tmp_path):
    path = tmp_path / "run.db"
    connection.check_usable(f"sqlite:///{path}")
    assert models.database.is_closed()
    assert row_count(path, "products") == 0


def test_an_unusable_database_is_refused_in_one_line(tmp_path):
    path = tmp_path / "corrupt.db"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(connection.DatabaseUnavailable, match="file is not a database"):
        connection.check_usable(f"sqlite:///{path}")
