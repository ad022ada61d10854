"""Helpers for end-to-end tests: a real ``scrapy crawl`` subprocess against the replica,
and the stored rows read back (SQLite with the standard library's sqlite3, PostgreSQL
with psycopg2)."""

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psycopg2
from psycopg2.extras import RealDictCursor

PROJECT_ROOT = Path(__file__).resolve().parent.parent

PRODUCT_COLUMNS = ("url", "manufacturer", "model", "certificate_id", "page_id", "index_in_page")
DETAIL_COLUMNS = (
    "url",
    "page_id",
    "index_in_page",
    "manufacturer",
    "model",
    "device_type",
    "certificate_id",
    "certification_date",
    "software_version",
    "hardware_version",
    "firmware_version",
    "specification_version",
    "vid",
    "pid",
    "family_sku",
    "family_variant_sku",
    "family_id",
    "tis_trp_tested",
    "transport_interface",
    "primary_device_type_id",
    "application_categories",
    "description",
    "compliance_document_url",
)


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


def scrapy_command(workdir, name, *arguments):
    """Run ``scrapy <name> <arguments>`` on ``workdir/matter_certis.db``; returns the
    completed process."""
    command = [
        sys.executable,
        "-m",
        "scrapy",
        name,
        *map(str, arguments),
        "-s",
        f"DATABASE_URL=sqlite:///{workdir / 'matter_certis.db'}",
    ]
    return subprocess.run(
        command,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
    )


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
