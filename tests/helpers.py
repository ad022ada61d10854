"""The tests' shared helpers: saved pages as responses, a real ``scrapy crawl`` subprocess
against the replica, the stored rows read back (SQLite with the standard library's sqlite3,
PostgreSQL with psycopg2) and compared with the replica's ground truth, the ledger walks."""

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import closing
from datetime import datetime
from pathlib import Path

import psycopg2
from psycopg2.extras import RealDictCursor
from scrapy.http import HtmlResponse, Request
from scrapy.responsetypes import responsetypes

from matter_certis.output.exporters import neutralise_formula
from matter_certis.parsing.normalize import format_hex_id
from replica.product import FIELDS as PRODUCT_FIELDS

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FILES = Path(__file__).parent / "files"
TEST_SETTINGS = {"REMOTE_CONTROL_ENABLED": False, "TELNETCONSOLE_ENABLED": False}
# Product names a spreadsheet would run as formulas, one per dangerous leading character the
# site can show (its text never starts with a tab or CR: whitespace is collapsed).
FORMULA_MODELS = ("=1+2", "+SUM(A1:A9)", "-2+3", "@cmd|' /C calc'!A0")
# The newest product's name, to see that the report escapes it.
HTML_MODEL = '<script>alert("x")</script> & Co'
FEED_FORMATS = ("csv", "json", "jsonl", "xlsx")
# Where the saved pages seem to come from (``listing``, ``detail``).
LIST_URL = "https://csa-iot.org/csa-iot_products/?p_type%5B%5D=14"
DETAIL_URL = "https://csa-iot.org/csa_product/wi-fi-plug-27/"

PRODUCT_COLUMNS = ("url", "manufacturer", "model", "certificate_id", "page_id", "index_in_page")
MODEL_COLUMNS = (
    "vid",
    "pid",
    "device_type_id",
    "product_name",
    "product_label",
    "part_number",
    "product_url",
    "support_url",
    "user_manual_url",
    "commissioning_custom_flow",
    "commissioning_custom_flow_url",
    "schema_version",
)
COMPLIANCE_COLUMNS = (
    "vid",
    "pid",
    "software_version",
    "software_version_string",
    "certification_type",
    "certificate_id",
    "cd_version_number",
    "status",
    "certification_date",
    "reason",
    "history",
)
# The columns of dcl_model_versions a walk fills, as the replica's expected_versions has them.
VERSION_COLUMNS = (
    "vid",
    "pid",
    "software_version",
    "software_version_string",
    "cd_version_number",
    "firmware_information",
    "software_version_valid",
    "ota_url",
    "ota_file_size",
    "ota_checksum",
    "ota_checksum_type",
    "min_applicable_software_version",
    "max_applicable_software_version",
    "release_notes_url",
    "schema_version",
)

# The detail columns are the replica's fields of a product, at its slot.
DETAIL_COLUMNS = ("url", "page_id", "index_in_page", *PRODUCT_FIELDS)


def response_from(name, url, **request_kwargs):
    """A response for a saved page in ``tests/files``, as if fetched from ``url``."""
    body = (FILES / name).read_bytes()
    request = Request(url, **request_kwargs)
    return HtmlResponse(url=url, body=body, encoding="utf-8", request=request)


def listing(fixture, page):
    """A saved listing page as page ``page`` of the product listing."""
    return response_from(fixture, LIST_URL, meta={"kind": "list", "page": page})


def detail(fixture):
    """A saved detail page as a product's detail page."""
    return response_from(fixture, DETAIL_URL, meta={"kind": "detail"})


def answered(url, body, content_type, status=200, **meta):
    """A response of the class Scrapy's downloader picks for these headers and body."""
    headers = {"Content-Type": content_type}
    cls = responsetypes.from_args(headers=headers, url=url, body=body)
    return cls(url, status=status, headers=headers, body=body, request=Request(url, meta=meta))


def crawl_command(replica, workdir, *arguments, spider="matter_products", options=(), **settings):
    """The command line of a crawl of ``replica`` into ``workdir/matter_certis.db``;
    ``options`` are more command-line options (``-O products.csv``)."""
    base = {
        "MATTER_LIST_URL": replica.list_url,
        "DCL_BASE_URL": replica.dcl_url,
        "DATABASE_URL": f"sqlite:///{workdir / 'matter_certis.db'}",
        "AUTOTHROTTLE_ENABLED": "False",
        "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
        "LOG_LEVEL": "INFO",
        "LOG_FILE": str(workdir / "crawl.log"),
    }
    base.update({name: str(value) for name, value in settings.items()})
    command = [sys.executable, "-m", "scrapy", "crawl", spider]
    for argument in arguments:
        command += ["-a", argument]
    command += list(options)
    for name, value in base.items():
        command += ["-s", f"{name}={value}"]
    return command


def crawl(replica, workdir, *arguments, timeout=240, **settings):
    """Run a crawl to its end; returns the completed process (log in workdir/crawl.log)."""
    command = crawl_command(replica, workdir, *arguments, **settings)
    return subprocess.run(
        command,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
    )


def start_crawl(replica, workdir, *arguments, **settings):
    """Start a crawl in the background (to interrupt it)."""
    command = crawl_command(replica, workdir, *arguments, **settings)
    return subprocess.Popen(
        command,
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
    )


def scrapy_command(workdir, name, *arguments, database_url=None):
    """Run ``scrapy <name> <arguments>`` on ``workdir/matter_certis.db`` (or
    ``database_url``); returns the completed process."""
    database_url = database_url or f"sqlite:///{workdir / 'matter_certis.db'}"
    command = [
        sys.executable,
        "-m",
        "scrapy",
        name,
        *map(str, arguments),
        "-s",
        f"DATABASE_URL={database_url}",
    ]
    return subprocess.run(
        command,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
    )


def get_json(url):
    """(status, JSON) of a GET to the replica's ledger, an error status's body included."""
    try:
        with urllib.request.urlopen(url) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def wait_for(condition, timeout=60, interval=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return False


def interrupt(process, sig=signal.SIGINT, timeout=60):
    process.send_signal(sig)
    output, _ = process.communicate(timeout=timeout)
    return output


def free_port():
    """A loopback port nobody listens on (for a server a test starts)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def rows(database, sql, *parameters):
    """Rows of a query as dicts; ``database`` is a SQLite file or a ``postgresql://`` URL
    (``?`` marks parameters in both)."""
    connection = _connect(database)
    try:
        cursor = connection.cursor()
        cursor.execute(_placeholders(database, sql), parameters)
        return [dict(row) for row in cursor.fetchall()]
    finally:
        connection.close()


def execute(database, sql, *parameters):
    """Change the database behind the crawler's back (to set up a test case)."""
    connection = _connect(database)
    try:
        with connection:
            connection.cursor().execute(_placeholders(database, sql), parameters)
    finally:
        connection.close()


def _connect(database):
    if str(database).startswith("postgresql://"):
        return psycopg2.connect(database, cursor_factory=RealDictCursor)
    connection = sqlite3.connect(database)
    connection.row_factory = sqlite3.Row
    return connection


def _placeholders(database, sql):
    return sql.replace("?", "%s") if str(database).startswith("postgresql://") else sql


def database_in(workdir):
    """The SQLite file a crawl of ``crawl`` writes in ``workdir``."""
    return workdir / "matter_certis.db"


def copy_database(source, dest):
    """Copy the SQLite file ``source`` to ``dest`` with SQLite's backup (a crawl's file may
    still have a write-ahead log beside it); returns ``dest``."""
    with closing(sqlite3.connect(source)) as original, closing(sqlite3.connect(dest)) as copy:
        original.backup(copy)
    return dest


def last_run(workdir):
    """The newest ``crawling_results`` row of the database in ``workdir``."""
    return rows(
        database_in(workdir), "SELECT * FROM crawling_results ORDER BY started_at DESC LIMIT 1"
    )[0]


def row_count(database, table):
    return rows(database, f"SELECT count(*) AS n FROM {table}")[0]["n"]


def is_intact(database):
    """SQLite's own check of a database file finds nothing wrong."""
    return rows(database, "PRAGMA integrity_check") == [{"integrity_check": "ok"}]


def unverified(database, table):
    """The rows of ``table`` without ``verified_at``, which every run that reads them sets."""
    return [
        {name: value for name, value in row.items() if name != "verified_at"}
        for row in rows(database, f"SELECT * FROM {table} ORDER BY url")
    ]


def stored_products(database):
    columns = ", ".join(PRODUCT_COLUMNS)
    return rows(database, f"SELECT {columns} FROM products WHERE delisted_at IS NULL ORDER BY url")


def stored_details(database):
    """Details of listed products, with JSON and booleans decoded as the replica states them."""
    columns = ", ".join(f"d.{column}" for column in DETAIL_COLUMNS)
    return decoded(
        rows(
            database,
            f"SELECT {columns} FROM product_details d JOIN products p ON p.url = d.url "
            "WHERE p.delisted_at IS NULL ORDER BY d.url",
        )
    )


def decoded(details):
    """Detail rows with the JSON categories and the boolean decoded."""
    for detail in details:
        if detail["application_categories"] is not None:
            detail["application_categories"] = json.loads(detail["application_categories"])
        if detail["tis_trp_tested"] is not None:
            detail["tis_trp_tested"] = bool(detail["tis_trp_tested"])
    return details


def by_url(records):
    return sorted(records, key=lambda record: record["url"])


def assert_mirrors(replica, database):
    """The listed products and their details stored in ``database`` (a SQLite file or a
    ``postgresql://`` URL) are exactly the replica's ground truth."""
    assert stored_products(database) == by_url(replica.catalog.expected_products(replica.base_url))
    assert stored_details(database) == by_url(replica.catalog.expected_details(replica.base_url))


def as_feed_value(column, value):
    """A stored detail value as the JSON feeds show it."""
    return format_hex_id(value) if column in ("vid", "pid") else value


def as_xlsx_cell(column, value):
    """A stored detail value as an XLSX cell: typed (dates too), lists joined, formulas
    neutralised."""
    if column.endswith("_date") and value is not None:
        return datetime.fromisoformat(value)  # openpyxl reads every date cell as a datetime
    value = as_feed_value(column, value)
    return neutralise_formula("; ".join(value) if isinstance(value, list) else value)


def as_csv_cell(column, value):
    value = as_feed_value(column, value)
    value = neutralise_formula("; ".join(value) if isinstance(value, list) else value)
    return "" if value is None else str(value)


def walk(replica, workdir, spider, **settings):
    """One ``scrapy crawl`` of ``spider`` against ``replica`` into ``workdir``; returns what
    the tests look at: the process, the log, the DCL requests it made and its run row."""
    replica.clear_log()
    (workdir / "crawl.log").unlink(missing_ok=True)
    result = crawl(replica, workdir, spider=spider, **settings)
    database = workdir / "matter_certis.db"
    return {
        "result": result,
        "log": (workdir / "crawl.log").read_text(),
        "requests": [record.path for record in replica.request_log if record.kind == "dcl"],
        "run": rows(
            database,
            "SELECT * FROM crawling_results WHERE spider = ? ORDER BY started_at DESC",
            spider,
        )[0],
    }


def stored_models(workdir, where="removed_at IS NULL"):
    return rows(
        workdir / "matter_certis.db",
        f"SELECT {', '.join(MODEL_COLUMNS)} FROM dcl_models WHERE {where} ORDER BY vid, pid",
    )


def stored_compliance(workdir, where="removed_at IS NULL"):
    return rows(
        workdir / "matter_certis.db",
        f"SELECT {', '.join(COMPLIANCE_COLUMNS)} FROM dcl_compliance WHERE {where} "
        "ORDER BY vid, pid, software_version, certification_type",
    )


def pages(records, limit):
    return -(-records // limit)
