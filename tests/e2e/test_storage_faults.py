"""Storage faults end to end (a real ``scrapy crawl`` of the replica): a killed run leaves
nothing half-written for the next; a database deleted or full during a crawl fails it in one
line, keeps what was committed and is never recreated. A file a db command or a feed writes
onto a full disk fails in one line and leaves the earlier file byte for byte."""

import errno
import os
import sqlite3

import pytest

from matter_certis.run import verdict
from replica import Catalog, ReplicaServer
from tests.helpers import (
    by_url,
    crawl,
    is_intact,
    row_count,
    rows,
    scrapy_command,
    start_crawl,
    stored_details,
    wait_for,
)


def run_status(database):
    return [run["status"] for run in rows(database, "SELECT status FROM crawling_results")]


def test_a_killed_run_then_new_products_the_next_run_stores_them_all(tmp_path):
    """Deltafetch keeps no store of its own for a kill to cut halfway: its keys are the
    detail rows, so the next run fetches exactly what the database lacks."""
    with ReplicaServer(Catalog(products=120, seed=7), delay=0.05) as replica:
        process = start_crawl(replica, tmp_path, MATTER_DB_BATCH_SIZE=10)
        assert wait_for(lambda: replica.count("detail") >= 40, timeout=120)
        process.kill()
        process.communicate(timeout=30)
        replica.catalog.add_products(30)
        replica.delay = 0
        result = crawl(replica, tmp_path)
        expected_details = by_url(replica.catalog.expected_details(replica.base_url))
    database = tmp_path / "matter_certis.db"
    assert result.returncode == 0
    assert run_status(database) == ["completed"]
    assert stored_details(database) == expected_details
    assert "Traceback" not in (tmp_path / "crawl.log").read_text()


def details_so_far(database):
    """Detail rows a running crawl has committed; 0 before it has made its file and tables."""
    try:
        return row_count(database, "product_details") if database.exists() else 0
    except sqlite3.OperationalError:
        return 0


def test_a_database_deleted_during_a_crawl_fails_it_and_is_not_recreated(tmp_path):
    database = tmp_path / "matter_certis.db"
    with ReplicaServer(Catalog(products=240, seed=7), delay=0.05) as replica:
        process = start_crawl(replica, tmp_path, MATTER_DB_BATCH_SIZE=10)
        try:
            assert wait_for(lambda: details_so_far(database) >= 20, timeout=120)
            database.unlink()
            process.communicate(timeout=120)
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()
        fetched = replica.count("detail")
    log = (tmp_path / "crawl.log").read_text()
    assert process.returncode == verdict.EXIT_CODES["failed"]
    assert log.count(f"ERROR: the SQLite database {database} was deleted during the run") == 1
    assert not database.exists()
    assert fetched < 200


def test_a_full_disk_fails_the_crawl_promptly_and_keeps_what_was_committed(tmp_path, tmpfs):
    database = tmpfs / "matter_certis.db"
    with ReplicaServer(Catalog(products=600, seed=7)) as replica:
        result = crawl(
            replica, tmp_path, DATABASE_URL=f"sqlite:///{database}", MATTER_DB_BATCH_SIZE=20
        )
        fetched = replica.count("detail")
    log = (tmp_path / "crawl.log").read_text()
    assert result.returncode == verdict.EXIT_CODES["failed"]
    assert log.count(f"ERROR: cannot write to sqlite:///{database}: database or disk is full") == 1
    assert "failed (database_failed)" in log.splitlines()[-1]
    # The listing is read first: the disk fills while its cards are stored.
    assert 0 < row_count(database, "products") < 600
    assert is_intact(database)
    assert fetched < 600


EARLIER = b"the earlier file, whole and good\n" * 64


def fill(folder, leave=0):
    """Fill the file system of ``folder`` up, then free ``leave`` bytes."""
    chunk = b"\0" * 4096
    with (folder / "filler").open("wb", buffering=0) as filler:
        try:
            while True:
                filler.write(chunk)
        except OSError as error:
            assert error.errno == errno.ENOSPC
        filler.truncate(max(filler.tell() - leave, 0))


@pytest.mark.parametrize(
    "command, name",
    [("dbexport", "products.json"), ("dbreconcile", "findings.xlsx"), ("dbreport", "r.html")],
)
def test_a_file_written_onto_a_full_disk_fails_in_one_line_and_keeps_the_earlier_file(
    tmp_path, tmpfs, synced, command, name
):
    synced.copy(tmp_path)
    earlier = tmpfs / name
    earlier.write_bytes(EARLIER)
    fill(tmpfs)
    result = scrapy_command(tmp_path, command, earlier)
    assert (result.returncode, result.stderr.splitlines()) == (
        1,
        [f"scrapy {command}: error: cannot write {earlier}: No space left on device"],
    )
    assert earlier.read_bytes() == EARLIER
    assert sorted(os.listdir(tmpfs)) == ["filler", name]


def test_a_feed_written_onto_a_full_disk_fails_the_run_in_one_line_and_keeps_the_earlier_file(
    tmp_path, tmpfs
):
    earlier = tmpfs / "products.json"
    earlier.write_bytes(EARLIER)
    fill(tmpfs, leave=8192)  # the feed is cut after some rows
    with ReplicaServer(Catalog(products=60, seed=7)) as replica:
        result = crawl(replica, tmp_path, options=["-O", earlier])
    log = (tmp_path / "crawl.log").read_text()
    assert result.returncode == verdict.EXIT_CODES["partial"]
    assert [line.split("] ", 1)[1] for line in log.splitlines() if "ERROR" in line] == [
        f"ERROR: The feed {earlier} was not written: No space left on device; "
        "any earlier file there is kept"
    ]
    assert "Traceback" not in log
    assert earlier.read_bytes() == EARLIER
    assert sorted(os.listdir(tmpfs)) == ["filler", "products.json"]
    assert row_count(tmp_path / "matter_certis.db", "product_details") == 60
