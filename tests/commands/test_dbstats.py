"""``scrapy dbstats`` on the session's crawled database, and on a copy missing details."""

import re
from collections import Counter

import pytest

from matter_certis.db.reconcile import FINDINGS
from tests.helpers import execute, rows, scrapy_command


def count(database, sql):
    return rows(database, sql)[0]["n"]


def line_value(output, label):
    """The number printed after ``label`` on its line."""
    match = re.search(rf"^  {re.escape(label)} +(\d+)$", output, re.MULTILINE)
    assert match, f"no line {label!r} in:\n{output}"
    return int(match.group(1))


def section(output, title):
    """The ``label: number`` lines under a section title."""
    body = output.split(title, 1)[1].split("\n\n", 1)[0].splitlines()[1:]
    return {line[2:36].strip(): int(line[36:]) for line in body}


@pytest.fixture(scope="module")
def healthy(synced):
    result = scrapy_command(synced.workdir, "dbstats")
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def lacking_details(synced, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("dbstats")
    database = synced.copy(workdir)
    execute(
        database,
        "DELETE FROM product_details WHERE url IN "
        "(SELECT url FROM product_details ORDER BY url LIMIT 3)",
    )
    result = scrapy_command(workdir, "dbstats")
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_totals_equal_the_table_counts(healthy, synced):
    database = synced.database
    assert (
        line_value(healthy, "listed products")
        == count(database, "SELECT COUNT(*) AS n FROM products WHERE delisted_at IS NULL")
        == 60
    )
    assert line_value(healthy, "product details") == 60
    assert line_value(healthy, "vendors") == count(database, "SELECT COUNT(*) AS n FROM vendors")
    assert line_value(healthy, "listed products without details") == 0


def test_products_without_details_are_counted(lacking_details):
    assert line_value(lacking_details, "listed products without details") == 3
    assert line_value(lacking_details, "product details") == 57


def test_the_last_run_of_each_spider_and_what_it_added(healthy, synced):
    runs = healthy.split("Last run of each spider\n", 1)[1]
    assert re.search(r"^  dcl_vendors +completed full ", runs, re.MULTILINE)
    assert re.search(r"^  matter_products completed incremental ", runs, re.MULTILINE)
    assert "    added 60 products, updated 0, fetched 60 details" in runs
    newest = synced.catalog.expected_products(synced.base_url)[0]["url"]
    assert re.search(rf"^    \+ .* {re.escape(newest)}$", runs, re.MULTILINE)


def test_counts_by_specification_version_equal_the_database(healthy, synced):
    expected = Counter(
        row["v"] or "(none)"
        for row in rows(synced.database, "SELECT specification_version AS v FROM product_details")
    )
    assert section(healthy, "Listed products by specification version") == expected


def test_counts_by_transport_count_each_interface(healthy, synced):
    expected = Counter(
        part.strip()
        for row in rows(synced.database, "SELECT transport_interface AS t FROM product_details")
        for part in (row["t"] or "(none)").split(",")
    )
    assert section(healthy, "Listed products by transport interface") == expected


def test_the_ledger_counts_equal_its_tables(healthy, synced):
    ledger = section(healthy, "The DCL ledger")
    assert (
        ledger["DCL model records"]
        == count(synced.database, "SELECT COUNT(*) AS n FROM dcl_models")
        > 0
    )
    assert (
        ledger["DCL compliance records"]
        == count(synced.database, "SELECT COUNT(*) AS n FROM dcl_compliance")
        > 0
    )
    assert (
        ledger["revoked compliance records"]
        == count(
            synced.database, "SELECT COUNT(*) AS n FROM dcl_compliance WHERE status = 'revoked'"
        )
        > 0
    )


def test_the_findings_of_each_kind_are_counted(healthy, synced):
    planted = Counter(finding for finding, *_ in synced.findings)
    found = section(healthy, "Listing vs ledger (scrapy dbreconcile)")
    assert found == {name: planted[name] for name in found}
    assert len(found) == len(FINDINGS)
