"""``scrapy dbcheck`` on a healthy database, on one broken in every way it checks, on an
empty one and on a missing file."""

import sqlite3

import pytest

from matter_certis.db import connection
from tests.helpers import rows, scrapy_command

PROBLEMS = (
    "duplicate slots",
    "details without products",
    "listed products without details",
    "failed requests",
    "refused ledger records",
    "stale delisted rows",
)
REFUSED = "https://on.dcl.csa-iot.org/dcl/model/models/4447/8194"


def break_database(database):
    """One of each problem, made behind the project's back (foreign keys off, as in a
    hand-edited database), on distinct products."""
    urls = [row["url"] for row in rows(database, "SELECT url FROM products ORDER BY url")]
    slot = rows(database, "SELECT page_id, index_in_page FROM products WHERE url = ?", urls[0])[0]
    connection = sqlite3.connect(database)
    with connection:
        connection.execute('DROP INDEX "product_page_id_index_in_page"')
        connection.execute(
            "UPDATE products SET page_id = ?, index_in_page = ? WHERE url = ?",
            (slot["page_id"], slot["index_in_page"], urls[1]),
        )
        connection.execute("DELETE FROM products WHERE url = ?", (urls[2],))
        connection.execute("DELETE FROM product_details WHERE url = ?", (urls[3],))
        connection.execute(
            "INSERT INTO failed_requests (url, kind, error_type, error_message, attempts, "
            "first_failed_at, last_failed_at) VALUES (?, 'detail', 'HTTP 503', '', 4, "
            "'2026-01-01', '2026-01-01')",
            (urls[4],),
        )
        connection.execute(
            "UPDATE products SET delisted_at = '2026-01-01' WHERE url = ?", (urls[5],)
        )
        connection.execute(
            "INSERT INTO failed_requests (url, kind, error_type, error_message, attempts, "
            "first_failed_at, last_failed_at) VALUES (?, 'dcl_models', 'refused record', ?, "
            "1, '2026-01-01', '2026-01-01')",
            (REFUSED, "deviceTypeId: not a JSON integer: '769'"),
        )
    connection.close()
    return urls


@pytest.fixture(scope="module")
def healthy(synced):
    return scrapy_command(synced.workdir, "dbcheck")


@pytest.fixture(scope="module")
def broken(synced, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("dbcheck")
    urls = break_database(synced.copy(workdir))
    return scrapy_command(workdir, "dbcheck"), urls


def test_a_healthy_database_exits_0(healthy):
    assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    assert "The database is healthy." in healthy.stdout


def test_a_healthy_database_passes_every_check(healthy):
    for problem in PROBLEMS:
        assert f"ok    {problem}: 0" in healthy.stdout


def test_a_healthy_database_says_how_many_products_it_stores(healthy):
    assert "ok    products stored: 60\n" in healthy.stdout


def test_a_broken_database_exits_1(broken):
    result, _ = broken
    assert result.returncode == 1, result.stderr
    assert f"{len(PROBLEMS)} problem(s) found." in result.stdout


@pytest.mark.parametrize(
    "problem, url_index, advice",
    [
        ("duplicate slots", None, "set page_id and index_in_page to NULL"),
        ("details without products", 2, "-a mode=full"),
        ("listed products without details", 3, "an incremental run fetches them"),
        ("failed requests", 4, "retries them first"),
        ("refused ledger records", REFUSED, "a complete walk settles them"),
        ("stale delisted rows", 5, "must give up their slot"),
    ],
)
def test_each_problem_is_reported_with_an_example_and_what_to_do(
    broken, problem, url_index, advice
):
    result, urls = broken
    report = result.stdout.split(f"FAIL  {problem}: 1\n", 1)[1].split("\n", 2)
    if url_index is not None:
        assert (url_index if isinstance(url_index, str) else urls[url_index]) in report[0]
    assert report[1].startswith("        what to do: ") and advice in report[1]


def test_a_database_without_products_is_a_problem(tmp_path):
    connection.open_database(f"sqlite:///{tmp_path / 'matter_certis.db'}")
    connection.close()
    result = scrapy_command(tmp_path, "dbcheck")
    assert result.returncode == 1
    assert "FAIL  products stored: 0\n        e.g. the products table is empty" in result.stdout


def test_a_database_without_our_tables_is_a_usage_error(tmp_path):
    sqlite3.connect(tmp_path / "matter_certis.db").close()
    result = scrapy_command(tmp_path, "dbcheck")
    assert result.returncode == 2
    assert "the database lacks the tables products" in result.stderr


def test_a_missing_database_file_is_a_usage_error_and_is_not_created(tmp_path):
    result = scrapy_command(tmp_path, "dbcheck")
    assert result.returncode == 2
    assert f"no database file at {tmp_path / 'matter_certis.db'}" in result.stderr
    assert not (tmp_path / "matter_certis.db").exists()
