"""``scrapy dbsearch`` on the session's crawled database: the table, the filters it shares
with ``dbexport``, ``--text`` and ``--certificate``, CSV and JSON for pipes, bad arguments."""

import csv
import io
import json

import pytest

from tests.helpers import FORMULA_MODELS, rows, scrapy_command

NEWEST_FIRST = "ORDER BY p.page_id DESC, p.index_in_page DESC"


def search(synced, *options):
    result = scrapy_command(synced.workdir, "dbsearch", *options)
    assert result.returncode == 0, result.stderr
    return result


def found_json(synced, *options):
    return json.loads(search(synced, "--format", "json", *options).stdout)


def found_urls(synced, *options):
    return [row["url"] for row in found_json(synced, *options)]


def urls_where(database, where, *parameters):
    """Listed products matching ``where``, newest first, read with sqlite3."""
    return [
        row["url"]
        for row in rows(
            database,
            "SELECT p.url FROM products p LEFT JOIN product_details d ON d.url = p.url "
            "LEFT JOIN vendors v ON v.vendor_id = d.vid "
            f"WHERE p.delisted_at IS NULL AND {where} {NEWEST_FIRST}",
            *parameters,
        )
    ]


def a_detail(database):
    return rows(
        database,
        "SELECT d.*, v.vendor_name FROM product_details d "
        "JOIN vendors v ON v.vendor_id = d.vid ORDER BY d.url LIMIT 1",
    )[0]


HEADINGS = ("Model", "Manufacturer", "Device type", "Certified", "Certificate", "VID", "PID", "URL")


def column_starts(rule):
    return [i for i, c in enumerate(rule) if c == "-" and (i == 0 or rule[i - 1] == " ")]


def test_the_table_shows_the_newest_fifty_under_a_header(synced):
    lines = search(synced).stdout.splitlines()
    header, rule, *body = lines[:52]
    assert [header.index(heading) for heading in HEADINGS] == column_starts(rule)
    newest = urls_where(synced.database, "1=1")[:50]
    assert [line.split()[-1] for line in body] == newest
    assert lines[-1] == "60 products (the newest 50 shown: --limit 0 for all)"


def test_every_row_starts_its_cells_where_the_header_starts_their_columns(synced):
    header, rule, *body = search(synced, "--limit", "0").stdout.splitlines()[:-2]
    starts = column_starts(rule)
    assert len(body) == 60
    for line in body:
        assert all(line[start - 2 : start] == "  " for start in starts[1:]), line
        assert line[starts[-1] :].startswith("http")


def test_limit_zero_shows_every_product(synced):
    assert search(synced, "--limit", "0").stdout.splitlines()[-1] == "60 products"


def test_the_filters_select_what_dbexport_exports(synced, tmp_path):
    detail = a_detail(synced.database)
    options = (
        "--vendor",
        hex(detail["vid"]),
        "--device-type",
        detail["device_type"][2:],
        "--since",
        "2000-01-01",
    )
    exported = tmp_path / "export.json"
    result = scrapy_command(synced.workdir, "dbexport", exported, *options)
    assert result.returncode == 0, result.stderr
    assert found_urls(synced, *options) == [row["url"] for row in json.loads(exported.read_text())]
    assert detail["url"] in found_urls(synced, *options)


def test_text_matches_every_word_in_the_model_manufacturer_or_vendor_name(synced):
    detail = a_detail(synced.database)
    word_of_model = detail["model"].split()[0].upper()
    word_of_vendor = detail["vendor_name"].split()[0].lower()
    expected = urls_where(
        synced.database,
        "(d.model LIKE ? OR d.manufacturer LIKE ? OR v.vendor_name LIKE ?) AND "
        "(d.model LIKE ? OR d.manufacturer LIKE ? OR v.vendor_name LIKE ?)",
        *[f"%{word_of_model}%"] * 3,
        *[f"%{word_of_vendor}%"] * 3,
    )
    assert detail["url"] in expected
    assert found_urls(synced, "--text", f"{word_of_model} {word_of_vendor}") == expected


def test_certificate_matches_part_of_the_certificate_id(synced):
    detail = a_detail(synced.database)
    part = detail["certificate_id"][3:12].lower()
    assert found_urls(synced, "--certificate", part) == urls_where(
        synced.database, "d.certificate_id LIKE ?", f"%{part}%"
    )
    assert detail["url"] in found_urls(synced, "--certificate", part)


def test_json_gives_the_columns_with_ids_in_hex(synced):
    detail = a_detail(synced.database)
    [found] = [
        row
        for row in found_json(synced, "--certificate", detail["certificate_id"])
        if row["url"] == detail["url"]
    ]
    assert found == {
        "model": detail["model"],
        "manufacturer": detail["manufacturer"],
        "device_type": detail["device_type"],
        "certification_date": detail["certification_date"],
        "certificate_id": detail["certificate_id"],
        "vid": f"0x{detail['vid']:04X}",
        "pid": f"0x{detail['pid']:04X}",
        "url": detail["url"],
    }


def test_csv_and_json_give_every_match_unless_limited(synced):
    table = list(csv.DictReader(io.StringIO(search(synced, "--format", "csv").stdout)))
    assert [row["url"] for row in table] == urls_where(synced.database, "1=1")
    assert len(found_json(synced, "--limit", "7")) == 7


def test_csv_neutralises_formulas(synced):
    output = search(synced, "--format", "csv").stdout
    models = {row["model"] for row in csv.DictReader(io.StringIO(output))}
    assert {f"'{model}" for model in FORMULA_MODELS} <= models
    assert not models & set(FORMULA_MODELS)


def test_no_match_says_so_on_stderr(synced):
    result = search(synced, "--text", "no-such-product-anywhere")
    assert result.stdout == ""
    assert result.stderr.strip() == "No listed product matches these filters."


@pytest.mark.parametrize(
    "options, message",
    [
        (("--since", "soon"), "--since: expected a date (2025-06-27), an ISO time"),
        (("--limit", "-1"), "--limit must be 0 or more, not -1"),
        (("--limit", "ten"), "--limit must be 0 or more, not ten"),
        (("plug",), "unexpected argument 'plug'"),
        (("--format", "xml"), "unknown format 'xml': use table, csv or json"),
    ],
)
def test_a_bad_argument_is_one_error_line(synced, options, message):
    result = scrapy_command(synced.workdir, "dbsearch", *options)
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("scrapy dbsearch: error: ") and message in line


def test_no_database_is_one_error_line(tmp_path):
    result = scrapy_command(tmp_path, "dbsearch")
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert "no database file at" in line
