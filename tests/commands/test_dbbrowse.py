"""``scrapy dbbrowse``: Datasette over a crawled replica database, for real: the pages and
the JSON API (facets, columns, search, every canned query), the full-text index following a
crawl, the firmware view and its queries (model versions written into the crawled database
with SQL), a headless-Chromium render of the facet pages, loopback only, and errors in one
line."""

import html
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import urllib.request
from collections import Counter
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest
import yaml

from replica import Catalog, ReplicaServer
from tests.helpers import (
    PROJECT_ROOT,
    crawl,
    execute,
    free_port,
    rows,
    scrapy_command,
    wait_for,
)

METADATA = PROJECT_ROOT / "matter_certis" / "datasette" / "metadata.yml"
COLUMNS = [
    "Model",
    "Vendor",
    "Device type",
    "Certified",
    "Certificate",
    "Specification",
    "Transport",
    "Categories",
    "VID",
    "PID",
    "Software",
    "Firmware",
    "Hardware",
    "TIS/TRP tested",
    "Family SKU",
    "Variant SKU",
    "Device type ID",
    "Description",
    "Compliance document",
    "First stored",
    "URL",
    "rowid",
]
FIRMWARE_COLUMNS = [
    "Vendor",
    "Model",
    "VID",
    "PID",
    "Version",
    "Software",
    "Status",
    "Has OTA",
    "Valid",
    "OTA URL",
    "OTA size",
    "Checksum",
    "Min applicable",
    "Max applicable",
    "Release notes",
    "First stored",
]
HTTPS_OTA = "https://cdn.example.com/ota/firmware-99.0.1.ota"
PLAIN_OTA = "http://cdn.example.com/ota/firmware-99.0.2.ota"
REVOKED_OTA = "https://cdn.example.com/ota/revoked.ota"
# A model name no generated product has: renamed by a crawl while Datasette runs.
RENAMED = "Zyxwvut Lamp"
WINDOW = (1400, 1400)


def crawled(replica, workdir, *arguments, spider="matter_products"):
    result = crawl(replica, workdir, *arguments, spider=spider)
    assert result.returncode == 0, result.stderr


def plant_firmware(database):
    """Model versions of two listed products' models (each matched to its own ids), as a
    ``dcl_versions`` walk stores them: the first's two versions miss its software version
    (``firmware_not_on_ledger``), one with an image over plain HTTP (``ota_not_https``);
    the second's are its own version, valid with an image but revoked on the ledger
    (``ota_for_revoked``), and one without an image, not valid."""
    first, second = rows(
        database,
        "SELECT m.url, m.vid, m.pid, d.software_version FROM ledger_matches m "
        "JOIN product_details d ON d.url = m.url "
        "WHERE m.ledger_vid = m.vid AND m.ledger_pid = m.pid AND d.software_version IS NOT NULL "
        "ORDER BY m.url LIMIT 2",
    )
    planted = [
        (first, 100, "99.0.1", 1, HTTPS_OTA, 1),
        (first, 101, "99.0.2", 1, PLAIN_OTA, 7),
        (second, 200, second["software_version"], 1, REVOKED_OTA, 99),
        (second, 199, "0.9", 0, None, None),
    ]
    for product, number, string, valid, ota, checksum in planted:
        execute(
            database,
            "INSERT INTO dcl_model_versions (vid, pid, software_version, software_version_string, "
            "software_version_valid, ota_url, ota_file_size, ota_checksum_type, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, datetime('now'), datetime('now'))",
            product["vid"],
            product["pid"],
            number,
            string,
            valid,
            ota,
            615708 if ota else None,
            checksum,
        )
    execute(
        database,
        "INSERT INTO dcl_compliance (vid, pid, software_version, certification_type, "
        "certificate_id, status, certification_date, reason, created_at, updated_at) "
        "VALUES (?, ?, 200, 'matter', 'CSA-REVOKED-OTA', 'revoked', '2026-01-15', "
        "'security flaw', datetime('now'), datetime('now'))",
        second["vid"],
        second["pid"],
    )
    return SimpleNamespace(first=first, second=second)


def get(server, path, **parameters):
    url = f"{server.url}{path}" + (f"?{urlencode(parameters)}" if parameters else "")
    with urllib.request.urlopen(url, timeout=30) as response:
        assert response.status == 200
        return response.read().decode()


def get_json(server, path, **parameters):
    return json.loads(get(server, path, **parameters))


def answers(url):
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A replica crawled with its vendors and ledger, served by ``scrapy dbbrowse``; then a
    full crawl that renames a product and records changes while Datasette runs."""
    workdir = tmp_path_factory.mktemp("datasette")
    catalog = Catalog(products=48, seed=11)
    port = free_port()
    with ReplicaServer(catalog) as replica:
        for spider in ("matter_products", "dcl_vendors", "dcl_models", "dcl_compliance"):
            crawled(replica, workdir, spider=spider)
        firmware = plant_firmware(workdir / "matter_certis.db")
        log = workdir / "dbbrowse.log"
        with log.open("w") as output:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "scrapy",
                    "dbbrowse",
                    "--port",
                    str(port),
                    "-s",
                    f"DATABASE_URL=sqlite:///{workdir / 'matter_certis.db'}",
                ],
                cwd=PROJECT_ROOT,
                stdout=output,
                stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
            )
        url = f"http://127.0.0.1:{port}"
        try:
            assert wait_for(lambda: answers(f"{url}/-/versions.json"), timeout=60), log.read_text()
            renamed = catalog.expected_products(replica.base_url)[3]["url"]
            catalog.change(renamed, model=RENAMED)
            crawled(replica, workdir, "mode=full")
            yield SimpleNamespace(
                url=f"{url}/matter_certis",
                root=url,
                port=port,
                workdir=workdir,
                database=workdir / "matter_certis.db",
                renamed=renamed,
                log=log,
                firmware=firmware,
            )
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=30)


def listed_details(database):
    return rows(
        database,
        "SELECT d.* FROM product_details d JOIN products p ON p.url = d.url "
        "WHERE p.delisted_at IS NULL",
    )


def test_the_database_page_names_the_tables_and_queries(server):
    page = get(server, "")
    for name in (
        "listed_products",
        "product_changes",
        "dcl_compliance",
        "Newest products",
        "Added in the last 7 days",
        "Recent changes",
        "Products per vendor",
        "Revoked on the ledger, still listed",
        "Search products",
        "firmware",
        "dcl_model_versions",
        "OTA images",
        "Firmware not on the ledger",
        "OTA not over HTTPS",
        "OTA for a revoked firmware",
    ):
        assert name in page


def test_listed_products_has_each_listed_product_in_readable_columns(server):
    table = get_json(server, "/listed_products.json")
    assert table["columns"] == COLUMNS
    assert table["filtered_table_rows_count"] == len(listed_details(server.database)) == 48


def test_listed_products_show_ids_in_hex_and_transport_as_a_list(server):
    [row] = get_json(server, "/listed_products.json", URL=server.renamed, _shape="array")
    [detail] = rows(server.database, "SELECT * FROM product_details WHERE url = ?", server.renamed)
    assert row["VID"] == f"0x{detail['vid']:04X}"
    assert json.loads(row["Transport"]) == detail["transport_interface"].split(", ")


def test_the_page_shows_lists_as_text_and_each_model_as_a_link_to_its_page(server):
    [detail] = rows(server.database, "SELECT * FROM product_details WHERE url = ?", server.renamed)
    page = get(server, "/listed_products", URL=server.renamed)
    model = html.escape(detail["model"], quote=False)
    assert f'<a href="{html.escape(server.renamed)}">{model}</a>' in page
    assert f">{html.escape(detail['transport_interface'])}</td>" in page
    assert "[&#34;" not in page and '["' not in page


def test_the_facets_count_vendors_types_transports_versions_and_categories(server):
    facets = get_json(server, "/listed_products.json", _size=1)["facet_results"]
    assert set(facets) == {"Vendor", "Device type", "Transport", "Specification", "Categories"}
    details = listed_details(server.database)

    def counted(name):
        return {result["value"]: result["count"] for result in facets[name]["results"]}

    transports = Counter(
        part
        for d in details
        if d["transport_interface"]
        for part in d["transport_interface"].split(", ")
    )
    categories = Counter(
        category
        for d in details
        if d["application_categories"]
        for category in json.loads(d["application_categories"])
    )
    versions = Counter(d["specification_version"] for d in details if d["specification_version"])
    assert counted("Transport") == dict(transports)
    most_first = sorted(categories.items(), key=lambda item: (-item[1], item[0]))
    assert counted("Categories") == dict(most_first[:10])
    assert counted("Specification") == dict(versions)


def test_the_search_box_finds_a_product_by_a_word_of_its_model(server):
    [detail] = rows(server.database, "SELECT * FROM product_details WHERE url = ?", server.renamed)
    found = get_json(server, "/listed_products.json", _search="zyxwvut", _shape="array")
    assert [row["URL"] for row in found] == [server.renamed]
    assert found[0]["Model"] == detail["model"] == RENAMED


@pytest.mark.parametrize("text", ['"', 'smart "plug', "AND", "plug*", "(", "-"])
def test_the_search_box_takes_any_text(server, text):
    found = get_json(server, "/listed_products.json", _search=text, _shape="array")
    assert isinstance(found, list)


def test_the_search_index_follows_a_crawl_made_while_datasette_runs(server):
    index = rows(
        server.database,
        "SELECT COUNT(*) AS n FROM product_details_fts WHERE product_details_fts MATCH ?",
        f'"{RENAMED}"',
    )
    assert index == [{"n": 1}]


@pytest.mark.parametrize(
    "name", yaml.safe_load(METADATA.read_text())["databases"]["matter_certis"]["queries"]
)
def test_every_canned_query_runs_and_finds_rows(server, name):
    found = get_json(server, f"/{name}.json", _shape="array", words="zyxwvut la")
    assert found, name


def test_the_firmware_view_has_each_version_in_readable_columns(server):
    table = get_json(server, "/firmware.json", _shape="objects")
    assert table["columns"] == FIRMWARE_COLUMNS
    found = {row["OTA URL"]: row for row in table["rows"]}
    assert len(table["rows"]) == 4
    assert found[HTTPS_OTA]["Checksum"] == "sha-256"
    assert found[PLAIN_OTA]["Checksum"] == "sha-384"
    assert found[REVOKED_OTA]["Checksum"] == "unknown (99)"
    assert found[REVOKED_OTA]["Status"] == "revoked"
    assert found[None]["Has OTA"] == "no" and found[None]["Valid"] == "no"
    assert found[HTTPS_OTA]["VID"] == f"0x{server.firmware.first['vid']:04X}"


def test_the_firmware_facets_count_vendors_images_and_validity(server):
    facets = get_json(server, "/firmware.json", _size=1)["facet_results"]
    assert set(facets) == {"Vendor", "Has OTA", "Valid"}

    def counted(name):
        return {result["value"]: result["count"] for result in facets[name]["results"]}

    vendors = Counter(
        rows(server.database, "SELECT vendor_name FROM vendors WHERE vendor_id = ?", p["vid"])[0][
            "vendor_name"
        ]
        for p in (server.firmware.first, server.firmware.second)
        for _ in range(2)
    )
    assert counted("Vendor") == dict(vendors)
    assert counted("Has OTA") == {"yes": 3, "no": 1}
    assert counted("Valid") == {"yes": 3, "no": 1}


@pytest.mark.parametrize(
    "name, columns",
    [
        (
            "ota_images",
            [
                "Vendor",
                "Model",
                "VID",
                "PID",
                "Version",
                "Valid",
                "Status",
                "OTA URL",
                "OTA size",
                "Checksum",
                "First stored",
            ],
        ),
        (
            "firmware_not_on_ledger",
            [
                "Model",
                "Vendor",
                "Certificate",
                "VID",
                "PID",
                "Software",
                "Firmware",
                "Ledger versions",
                "URL",
            ],
        ),
        ("ota_not_https", ["Vendor", "Model", "VID", "PID", "Version", "Certificate", "OTA URL"]),
        (
            "ota_for_revoked",
            [
                "Vendor",
                "Model",
                "VID",
                "PID",
                "Version",
                "Certificate",
                "Revoked on",
                "reason",
                "OTA URL",
            ],
        ),
    ],
)
def test_each_firmware_query_answers_with_its_columns(server, name, columns):
    assert get_json(server, f"/{name}.json")["columns"] == columns


def test_the_firmware_queries_find_the_planted_versions(server):
    images = get_json(server, "/ota_images.json", _shape="array")
    assert sorted(row["OTA URL"] for row in images) == sorted([HTTPS_OTA, PLAIN_OTA, REVOKED_OTA])
    assert [row["OTA URL"] for row in get_json(server, "/ota_not_https.json", _shape="array")] == [
        PLAIN_OTA
    ]
    [revoked] = get_json(server, "/ota_for_revoked.json", _shape="array")
    assert (revoked["OTA URL"], revoked["Certificate"], revoked["Revoked on"]) == (
        REVOKED_OTA,
        "CSA-REVOKED-OTA",
        "2026-01-15",
    )
    missing = get_json(server, "/firmware_not_on_ledger.json", _shape="array")
    urls = [row["URL"] for row in missing]
    assert server.firmware.first["url"] in urls and server.firmware.second["url"] not in urls
    [first] = [row for row in missing if row["URL"] == server.firmware.first["url"]]
    assert first["Ledger versions"] in ("99.0.1, 99.0.2", "99.0.2, 99.0.1")


def test_recent_changes_show_the_rename(server):
    changes = get_json(server, "/recent_changes.json", _shape="array")
    assert {
        "model": RENAMED,
        "field": "model",
        "new_value": RENAMED,
        "url": server.renamed,
    }.items() <= changes[0].items()


def test_revoked_but_listed_is_what_dbreconcile_finds(server, tmp_path):
    found = get_json(server, "/revoked_but_listed.json", _shape="array")
    result = scrapy_command(server.workdir, "dbreconcile", tmp_path / "findings.json")
    assert result.returncode == 0, result.stderr
    findings = json.loads((tmp_path / "findings.json").read_text())
    assert sorted(row["URL"] for row in found) == sorted(
        finding["url"] for finding in findings if finding["finding"] == "revoked_but_listed"
    )
    assert found


def test_products_per_vendor_adds_up_to_the_listed_products(server):
    counts = get_json(server, "/products_per_vendor.json", _shape="array")
    assert sum(row["products"] for row in counts) == 48


def test_datasette_listens_on_the_loopback_address_only(server):
    assert f"http://127.0.0.1:{server.port}/matter_certis/listed_products" in (
        server.log.read_text()
    )
    listening = []
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, port = local.split(":")
        if int(port, 16) == server.port and state == "0A":
            listening.append(socket.inet_ntoa(bytes.fromhex(address)[::-1]))
    assert listening == ["127.0.0.1"]


@pytest.mark.skipif(
    shutil.which("chromium") is None,
    reason="Chromium not installed: apt-get install chromium (.ci/run does)",
)
@pytest.mark.parametrize("page", ["listed_products", "firmware"])
def test_chromium_renders_the_facet_page(server, tmp_path_factory, page):
    chromium = shutil.which("chromium")
    screenshot = tmp_path_factory.mktemp("screenshot") / f"{page}.png"
    subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            f"--window-size={WINDOW[0]},{WINDOW[1]}",
            f"--screenshot={screenshot}",
            f"{server.url}/{page}",
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    from matplotlib.image import imread

    pixels = imread(screenshot)
    assert pixels.shape[:2] == (WINDOW[1], WINDOW[0])
    assert len({tuple(pixel) for pixel in pixels.reshape(-1, pixels.shape[2])[::97]}) > 50
    assert screenshot.stat().st_size > 50_000


def test_preparing_twice_keeps_one_index_of_every_detail(server):
    result = scrapy_command(server.workdir, "dbbrowse", "--prepare-only")
    assert result.returncode == 0, result.stderr
    assert rows(server.database, "SELECT COUNT(*) AS n FROM product_details_fts") == rows(
        server.database, "SELECT COUNT(*) AS n FROM product_details"
    )


def test_a_port_in_use_is_one_error_line(server):
    result = scrapy_command(server.workdir, "dbbrowse", "--port", server.port)
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert line.startswith(f"scrapy dbbrowse: error: cannot listen on 127.0.0.1:{server.port}")


def test_a_port_that_is_no_port_is_one_error_line_and_the_database_is_untouched(tmp_path, synced):
    database = synced.copy(tmp_path)
    before = database.read_bytes()
    result = scrapy_command(tmp_path, "dbbrowse", "--port", "http")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "scrapy dbbrowse: error: --port must be 1 to 65535, not http"
    ]
    assert database.read_bytes() == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["matter_certis.db"]


def test_postgresql_is_one_error_line(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "scrapy",
            "dbbrowse",
            "-s",
            "DATABASE_URL=postgresql://matter@127.0.0.1:1/matter_certis",
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "scrapy dbbrowse: error: Datasette reads SQLite files only: set DATABASE_URL to a "
        "sqlite:/// URL"
    ]


def test_no_database_is_one_error_line(tmp_path):
    result = scrapy_command(tmp_path, "dbbrowse")
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert "no database file at" in line
    assert not (tmp_path / "matter_certis.db").exists()
