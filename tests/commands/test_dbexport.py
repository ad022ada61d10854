"""``scrapy dbexport``: every listed product joined with its details and vendor name, in each
format, read back and compared with the database; the filters; bad arguments."""

import csv
import json

import openpyxl
import pytest

from matter_certis.items import StoredProduct
from tests.helpers import (
    DETAIL_COLUMNS,
    as_csv_cell,
    as_feed_value,
    as_xlsx_cell,
    by_url,
    decoded,
    rows,
    scrapy_command,
)

TAKEN_FROM_PRODUCTS = {"url", "page_id", "index_in_page"}
FALLBACK_TO_PRODUCTS = {"manufacturer", "model", "certificate_id"}


def column_sql(column):
    if column in TAKEN_FROM_PRODUCTS:
        return f"p.{column}"
    if column in FALLBACK_TO_PRODUCTS:
        return f"COALESCE(d.{column}, p.{column}) AS {column}"
    return f"d.{column}"


# The compliance record a product matches: same certificate id (trimmed, any case), the
# matter record of the newest software version first.
MATCHED_RECORD = (
    "SELECT {column} FROM dcl_compliance c WHERE c.removed_at IS NULL "
    "AND lower(trim(c.certificate_id)) = lower(trim(COALESCE(d.certificate_id, p.certificate_id))) "
    "ORDER BY c.certification_type = 'matter' DESC, c.software_version DESC LIMIT 1"
)
LEDGER_COLUMNS = (
    f"({MATCHED_RECORD.format(column='c.status')}) AS ledger_status, "
    "(SELECT m.part_number FROM dcl_models m WHERE m.removed_at IS NULL "
    f"AND m.vid = COALESCE(({MATCHED_RECORD.format(column='c.vid')}), d.vid) "
    f"AND m.pid = COALESCE(({MATCHED_RECORD.format(column='c.pid')}), d.pid)) "
    "AS ledger_part_number"
)


def expected_rows(database, where="1=1", *parameters):
    """The joined rows, read with sqlite3 (not the project's queries), decoded."""
    columns = ", ".join(column_sql(column) for column in DETAIL_COLUMNS)
    return decoded(
        rows(
            database,
            f"SELECT {columns}, v.vendor_name, {LEDGER_COLUMNS} FROM products p "
            "LEFT JOIN product_details d ON d.url = p.url "
            "LEFT JOIN vendors v ON v.vendor_id = d.vid "
            f"WHERE p.delisted_at IS NULL AND {where} ORDER BY p.url",
            *parameters,
        )
    )


@pytest.fixture(scope="module")
def workdir(synced, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("dbexport")
    synced.copy(workdir)
    return workdir


@pytest.fixture(scope="module")
def database(workdir):
    return workdir / "matter_certis.db"


def export(workdir, name, *options):
    result = scrapy_command(workdir, "dbexport", workdir / name, *options)
    assert result.returncode == 0, result.stderr
    return workdir / name


def read_json(path):
    return json.loads(path.read_text())


def test_the_csv_export_equals_the_database(workdir, database):
    with export(workdir, "all.csv").open(newline="", encoding="utf-8") as file:
        exported = list(csv.DictReader(file))
    expected = expected_rows(database)
    assert len(expected) == 60
    assert by_url(exported) == [
        {column: as_csv_cell(column, value) for column, value in row.items()} for row in expected
    ]


def test_the_json_export_equals_the_database(workdir, database):
    exported = read_json(export(workdir, "all.json"))
    assert by_url(exported) == [
        {column: as_feed_value(column, value) for column, value in row.items()}
        for row in expected_rows(database)
    ]


def test_the_xlsx_export_equals_the_database(workdir, database):
    sheet = openpyxl.load_workbook(export(workdir, "all.xlsx")).active
    header, *body = sheet.iter_rows(values_only=True)
    assert by_url(dict(zip(header, row)) for row in body) == [
        {column: as_xlsx_cell(column, value) for column, value in row.items()}
        for row in expected_rows(database)
    ]


def test_exported_products_carry_the_ledger_status_and_part_number(workdir, database):
    exported = read_json(export(workdir, "ledger.json"))
    assert {row["ledger_status"] for row in exported} >= {"certified", "revoked", None}
    assert any(row["ledger_part_number"] for row in exported)


def test_every_exported_product_has_its_vendor_name(workdir, synced):
    names = {
        vendor["vendor_id"]: vendor["vendor_name"] for vendor in synced.catalog.expected_vendors()
    }
    for row in read_json(export(workdir, "vendors.json")):
        if row["vid"] is not None:
            assert row["vendor_name"] == names[int(row["vid"], 16)]


def test_since_keeps_products_certified_on_or_after_the_date(workdir, database):
    dates = sorted(
        row["certification_date"] for row in expected_rows(database) if row["certification_date"]
    )
    since = dates[len(dates) // 2]
    exported = read_json(export(workdir, "since.json", "--since", since))
    expected = expected_rows(database, "d.certification_date >= ?", since)
    assert 0 < len(exported) == len(expected) < len(dates)
    assert {row["url"] for row in exported} == {row["url"] for row in expected}


@pytest.mark.parametrize("form", ["hex", "decimal"])
def test_vendor_given_as_a_vendor_id(workdir, database, form):
    vid = expected_rows(database)[0]["vid"]
    exported = read_json(
        export(workdir, "vid.json", "--vendor", format(vid, "#06x") if form == "hex" else str(vid))
    )
    assert {row["url"] for row in exported} == {
        row["url"] for row in expected_rows(database, "d.vid = ?", vid)
    }


def test_vendor_given_as_part_of_a_name(workdir, database):
    name = next(row["vendor_name"] for row in expected_rows(database) if row["vendor_name"])
    part = name[1:-1].upper()
    exported = read_json(export(workdir, "name.json", "--vendor", part))
    assert exported and all(part.lower() in row["vendor_name"].lower() for row in exported)


def test_device_type_keeps_matching_products(workdir, database):
    exported = read_json(export(workdir, "lights.json", "--device-type", "light"))
    expected = expected_rows(database, "LOWER(d.device_type) LIKE '%light%'")
    assert 0 < len(exported) == len(expected)


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["out.txt"], "unknown format 'txt'"),
        (["out.csv", "--since", "TBD"], "or a period back from now (7d, 2w, 1m, 1y), got 'TBD'"),
        (["out.csv", "--vendor", "0x1FFFF"], "out of range"),
    ],
)
def test_a_bad_argument_is_a_usage_error(workdir, arguments, message):
    result = scrapy_command(workdir, "dbexport", *arguments)
    assert result.returncode == 2
    assert message in result.stderr


@pytest.mark.parametrize("name", ["none.csv", "none.xlsx"])
def test_a_filter_that_matches_nothing_writes_the_header_and_says_so(workdir, name):
    result = scrapy_command(workdir, "dbexport", workdir / name, "--vendor", "no such vendor")
    assert result.returncode == 0, result.stderr
    assert result.stderr == "No listed product matches --vendor 'no such vendor'\n"
    if name.endswith(".csv"):
        with (workdir / name).open(newline="", encoding="utf-8") as file:
            written = [tuple(row) for row in csv.reader(file)]
    else:
        written = list(openpyxl.load_workbook(workdir / name).active.iter_rows(values_only=True))
    assert written == [tuple(StoredProduct.fields)]


def test_a_filter_that_matches_nothing_writes_an_empty_json_list(workdir):
    result = scrapy_command(workdir, "dbexport", workdir / "none.json", "--since", "2999-01-01")
    assert "No listed product matches --since 2999-01-01" in result.stderr
    assert (workdir / "none.json").read_bytes() == b"[]"
