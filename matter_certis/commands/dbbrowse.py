"""``scrapy dbbrowse``: the local SQLite database in a browser, with Datasette: facets,
full-text search and ready-made queries (``matter_certis/datasette/metadata.yml``)."""

import asyncio
import socket
import sqlite3
from importlib import resources
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

from scrapy.exceptions import UsageError

from matter_certis.cli import failures
from matter_certis.cli.command import DatabaseCommand
from matter_certis.db import connection, ledger_views
from matter_certis.parsing import normalize

HOST = "127.0.0.1"
DEFAULT_PORT = 8001
# The product text the search box and the search query look in.
SEARCHED_COLUMNS = (
    "model",
    "manufacturer",
    "device_type",
    "certificate_id",
    "family_sku",
    "family_variant_sku",
    "description",
)
# Listed products with their details, readable column names in a useful order, newest
# certification first. "Transport" is a JSON array, as "Categories" is, so that Datasette
# facets each interface; "rowid" is the product_details row, the key of the full-text index.
# Products without stored details are left out: Datasette 0.65's array facets count nothing
# on a view whose details are LEFT JOINed (SQLite 3.40), and dbcheck names those products.
LISTED_PRODUCTS_VIEW = """
CREATE VIEW listed_products AS
SELECT
    COALESCE(d.model, p.model) AS "Model",
    COALESCE(v.vendor_name, d.manufacturer) AS "Vendor",
    d.device_type AS "Device type",
    d.certification_date AS "Certified",
    COALESCE(d.certificate_id, p.certificate_id) AS "Certificate",
    d.specification_version AS "Specification",
    CASE WHEN d.transport_interface IS NOT NULL THEN
        '[' || replace(json_quote(replace(d.transport_interface, ', ', ',')), ',', '","') || ']'
    END AS "Transport",
    d.application_categories AS "Categories",
    CASE WHEN d.vid IS NOT NULL THEN printf('0x%04X', d.vid) END AS "VID",
    CASE WHEN d.pid IS NOT NULL THEN printf('0x%04X', d.pid) END AS "PID",
    d.software_version AS "Software",
    d.firmware_version AS "Firmware",
    d.hardware_version AS "Hardware",
    CASE d.tis_trp_tested WHEN 1 THEN 'yes' WHEN 0 THEN 'no' END AS "TIS/TRP tested",
    d.family_sku AS "Family SKU",
    d.family_variant_sku AS "Variant SKU",
    d.primary_device_type_id AS "Device type ID",
    d.description AS "Description",
    d.compliance_document_url AS "Compliance document",
    p.created_at AS "First stored",
    p.url AS "URL",
    d.rowid AS rowid
FROM products p
JOIN product_details d ON d.url = p.url
LEFT JOIN vendors v ON v.vendor_id = d.vid
WHERE p.delisted_at IS NULL
ORDER BY d.certification_date DESC, p.page_id DESC
"""

# Every firmware on the ledger with its vendor's and model's names, newest version of a
# model first: "Has OTA" and "Valid" as yes/no for facets, the checksum type by name
# (``normalize.CHECKSUM_TYPES``; NULL stays NULL), the status as ``dbfirmware`` gives it
# (the matter record's, else another's).
FIRMWARE_VIEW = f"""
CREATE VIEW firmware AS
SELECT
    COALESCE(vn.vendor_name, printf('0x%04X', v.vid)) AS "Vendor",
    m.product_name AS "Model",
    printf('0x%04X', v.vid) AS "VID",
    printf('0x%04X', v.pid) AS "PID",
    v.software_version_string AS "Version",
    v.software_version AS "Software",
    (SELECT c.status FROM dcl_compliance c
     WHERE c.vid = v.vid AND c.pid = v.pid AND c.software_version = v.software_version
       AND c.removed_at IS NULL
     ORDER BY c.certification_type <> 'matter', c.certification_type LIMIT 1) AS "Status",
    CASE WHEN v.ota_url IS NOT NULL THEN 'yes' ELSE 'no' END AS "Has OTA",
    CASE v.software_version_valid WHEN 1 THEN 'yes' WHEN 0 THEN 'no' END AS "Valid",
    v.ota_url AS "OTA URL",
    v.ota_file_size AS "OTA size",
    CASE v.ota_checksum_type
        {" ".join(f"WHEN {n} THEN '{name}'" for n, name in normalize.CHECKSUM_TYPES.items())}
        ELSE 'unknown (' || v.ota_checksum_type || ')'
    END AS "Checksum",
    v.min_applicable_software_version AS "Min applicable",
    v.max_applicable_software_version AS "Max applicable",
    v.release_notes_url AS "Release notes",
    v.created_at AS "First stored"
FROM dcl_model_versions v
LEFT JOIN vendors vn ON vn.vendor_id = v.vid
LEFT JOIN dcl_models m ON m.vid = v.vid AND m.pid = v.pid AND m.removed_at IS NULL
WHERE v.removed_at IS NULL
ORDER BY v.vid, v.pid, v.software_version DESC
"""
VIEWS = {"listed_products": LISTED_PRODUCTS_VIEW, "firmware": FIRMWARE_VIEW}


def prepare(plain):
    """Add what the metadata uses to the SQLite database of the ``sqlite3`` connection
    ``plain``: the views ``listed_products``, ``firmware`` and those of ``ledger_views``
    (made again, so they follow this version) and the full-text index
    ``product_details_fts``, whose triggers keep it current as crawls write (rebuilt here
    too, so an index that missed writes heals)."""
    import sqlite_utils  # here: every scrapy command loads this module

    database = sqlite_utils.Database(plain)
    with database.conn:
        for name, view in VIEWS.items():
            database.execute(f"DROP VIEW IF EXISTS {name}")
            database.execute(view)
        for statement in ledger_views.statements():
            database.execute(statement)
    details = database["product_details"]
    details.enable_fts(SEARCHED_COLUMNS, create_triggers=True, replace=True)
    details.rebuild_fts()


def metadata_for(name):
    """The repository's metadata with its database named ``name`` (Datasette names a
    database after its file)."""
    import yaml  # Datasette's dependency

    text = resources.files("matter_certis").joinpath("datasette", "metadata.yml").read_text()
    metadata = yaml.safe_load(text)
    metadata["databases"] = {name: metadata["databases"]["matter_certis"]}
    return metadata


def usable_port(text):
    """``--port`` as a number Datasette can listen on at ``HOST``, checked before it starts
    (uvicorn's own failure comes after the start line); else ``UsageError``."""
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise UsageError(f"--port must be 1 to 65535, not {text}")
    port = int(text)
    with socket.socket() as probe:
        try:
            probe.bind((HOST, port))
        except OSError as error:
            raise UsageError(f"cannot listen on {HOST}:{port}: {error.strerror or error}") from None
    return port


def serve(path, port):
    """Datasette over ``path`` on ``HOST``:``port`` until Ctrl-C (or SIGTERM)."""
    import uvicorn
    from datasette.app import Datasette

    datasette = Datasette(
        [str(path)],
        metadata=metadata_for(path.stem),
        plugins_dir=str(resources.files("matter_certis").joinpath("datasette", "plugins")),
        settings={"default_page_size": 50, "default_facet_size": 10, "truncate_cells_html": 60},
    )
    asyncio.run(datasette.invoke_startup())
    print(
        f"Browse the database at http://{HOST}:{port}/{path.stem}/listed_products (Ctrl-C stops)",
        flush=True,
    )
    uvicorn.run(
        without_empty_search(datasette.app()),
        host=HOST,
        port=port,
        log_level="warning",
        lifespan="on",
    )


def without_empty_search(app):
    """The ASGI ``app`` with a search box of quotes and spaces only (words to find: none)
    taken as no search. Datasette escapes what the box holds (``searchmode: escaped``), but
    a lone ``"`` escapes to an empty FTS5 query, which SQLite refuses (HTTP 400)."""

    async def wrapped(scope, receive, send):
        query = scope.get("query_string", b"").decode("latin-1")
        if scope["type"] == "http" and "_search" in query:
            parameters = parse_qsl(query, keep_blank_values=True)
            kept = [
                (name, value)
                for name, value in parameters
                if not (name.startswith("_search") and not value.replace('"', "").strip())
            ]
            scope = {**scope, "query_string": urlencode(kept).encode("latin-1")}
        await app(scope, receive, send)

    return wrapped


class Command(DatabaseCommand):
    """Prepares the SQLite database for Datasette (a view, a full-text index kept current by
    triggers) and serves it on 127.0.0.1 only."""

    def syntax(self):
        return "[--port N]"

    def short_desc(self):
        return "Browse the local database in a browser (Datasette on 127.0.0.1)"

    def add_options(self, parser):
        super().add_options(parser)
        parser.add_argument(
            "--port",
            default=str(DEFAULT_PORT),
            metavar="N",
            help=f"port on 127.0.0.1 (default {DEFAULT_PORT})",
        )
        parser.add_argument(
            "--prepare-only",
            action="store_true",
            help="add the view and the full-text index, do not serve",
        )

    def execute(self, args, opts):
        if args:
            raise UsageError(f"unexpected argument {args[0]!r}: use --port")
        if not self.database_url.startswith("sqlite"):
            raise UsageError(
                "Datasette reads SQLite files only: set DATABASE_URL to a sqlite:/// URL"
            )
        port = None if opts.prepare_only else usable_port(opts.port)  # before any write
        with self.reading() as database:
            path = Path(database.obj.database).resolve()
        try:
            with connection.plain_sqlite(path) as plain:
                prepare(plain)
        except sqlite3.Error as error:
            return failures.fail(self, f"cannot prepare {path} for Datasette: {error}", exitcode=1)
        if opts.prepare_only:
            print(f"{path} is ready for Datasette")
            return
        serve(path, port)
