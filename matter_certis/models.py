"""The database tables (see interface.md), as peewee models bound late to ``DATABASE_URL``."""

import logging
import random
import time
from datetime import datetime, timezone

from peewee import (
    BooleanField,
    DatabaseProxy,
    DateTimeField,
    FloatField,
    ForeignKeyField,
    IntegerField,
    IntegrityError,
    Model,
    PeeweeException,
    PostgresqlDatabase,
    TextField,
)
from playhouse.db_url import connect
from psycopg2.errors import TransactionRollbackError

database = DatabaseProxy()
logger = logging.getLogger(__name__)
# peewee logs every query at DEBUG; a crawl's log is no place for thousands of them.
logging.getLogger("peewee").setLevel(logging.INFO)

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "synchronous": "normal",
    "foreign_keys": 1,
    "busy_timeout": 10_000,
}
# Errors that mean another writer got in the way, so the transaction is worth running again:
# PostgreSQL aborting one side of a deadlock or a serialization conflict (40P01, 40001), or a
# slot another job committed meanwhile (the rerun's release_slots frees it).
CONFLICTS = (TransactionRollbackError, IntegrityError)
TRANSACTION_ATTEMPTS = 5
# Key of the PostgreSQL advisory lock that lets one job at a time create the tables.
SCHEMA_LOCK = 0x6D617474  # "matt"


def utc_now():
    """Naive UTC time: what every timestamp column holds."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


class BaseModel(Model):
    class Meta:
        database = database


class Product(BaseModel):
    url = TextField(primary_key=True)
    manufacturer = TextField(null=True)
    model = TextField(null=True)
    certificate_id = TextField(null=True)
    page_id = IntegerField(null=True)
    index_in_page = IntegerField(null=True)
    created_at = DateTimeField(default=utc_now)
    updated_at = DateTimeField(default=utc_now)
    delisted_at = DateTimeField(null=True)

    class Meta:
        table_name = "products"


Product.add_index(
    Product.index(Product.page_id, Product.index_in_page, unique=True).where(
        Product.page_id.is_null(False) & Product.index_in_page.is_null(False)
    )
)


class ProductDetail(BaseModel):
    url = ForeignKeyField(
        Product, field=Product.url, primary_key=True, column_name="url", on_delete="CASCADE"
    )
    page_id = IntegerField(null=True)
    index_in_page = IntegerField(null=True)
    manufacturer = TextField(null=True)
    model = TextField(null=True)
    device_type = TextField(null=True)
    certificate_id = TextField(null=True)
    certification_date = TextField(null=True)
    software_version = TextField(null=True)
    hardware_version = TextField(null=True)
    firmware_version = TextField(null=True)
    specification_version = TextField(null=True)
    vid = IntegerField(null=True, index=True)
    pid = IntegerField(null=True)
    family_sku = TextField(null=True)
    family_variant_sku = TextField(null=True)
    family_id = TextField(null=True)
    tis_trp_tested = BooleanField(null=True)
    transport_interface = TextField(null=True)
    primary_device_type_id = TextField(null=True)
    application_categories = TextField(null=True)
    description = TextField(null=True)
    compliance_document_url = TextField(null=True)
    created_at = DateTimeField(default=utc_now)
    updated_at = DateTimeField(default=utc_now)

    class Meta:
        table_name = "product_details"


class Vendor(BaseModel):
    vendor_id = IntegerField(primary_key=True)
    vendor_name = TextField(null=True)
    company_legal_name = TextField(null=True)
    company_preferred_name = TextField(null=True)
    vendor_landing_page_url = TextField(null=True)
    created_at = DateTimeField(default=utc_now)
    updated_at = DateTimeField(default=utc_now)

    class Meta:
        table_name = "vendors"


class CrawlingResult(BaseModel):
    session_id = TextField(primary_key=True)
    spider = TextField()
    status = TextField()
    mode = TextField(null=True)
    total_pages = IntegerField(null=True)
    products_found = IntegerField(default=0)
    details_fetched = IntegerField(default=0)
    products_added = IntegerField(default=0)
    products_updated = IntegerField(default=0)
    products_unchanged = IntegerField(default=0)
    errors_count = IntegerField(default=0)
    # Listing pages that showed fewer cards than they must (cut short) and were read again.
    incomplete_pages = IntegerField(default=0)
    started_at = DateTimeField()
    completed_at = DateTimeField(null=True)
    execution_time_seconds = FloatField(null=True)
    config_snapshot = TextField(null=True)
    error_details = TextField(null=True)

    class Meta:
        table_name = "crawling_results"


class ProductChange(BaseModel):
    url = TextField(index=True)
    field = TextField()
    old_value = TextField(null=True)
    new_value = TextField(null=True)
    session_id = TextField(null=True)
    detected_at = DateTimeField(default=utc_now)

    class Meta:
        table_name = "product_changes"


class FailedRequest(BaseModel):
    url = TextField(primary_key=True)
    kind = TextField()
    error_type = TextField(null=True)
    error_message = TextField(null=True)
    attempts = IntegerField(default=1)
    first_failed_at = DateTimeField(default=utc_now)
    last_failed_at = DateTimeField(default=utc_now)
    session_id = TextField(null=True)

    class Meta:
        table_name = "failed_requests"


TABLES = [Product, ProductDetail, Vendor, CrawlingResult, ProductChange, FailedRequest]


class DatabaseUnavailable(Exception):
    """``DATABASE_URL`` names a database this run cannot use; the message says why."""


def without_password(url):
    """A database URL fit for a log or a table: the password replaced by ``***``."""
    if not url or "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    credentials, host = rest.rsplit("@", 1)
    return f"{scheme}://{credentials.split(':', 1)[0]}:***@{host}"


def open_database(url):
    """Connect ``database`` to ``url`` (a playhouse.db_url URL) and create missing tables.

    Checks up front that the database can be written (SQLite: takes the write lock once),
    so a bad URL, an unwritable path, a corrupt file or a database locked by another
    process stops a run before its first request, with ``DatabaseUnavailable``.
    """
    try:
        options = {"pragmas": SQLITE_PRAGMAS} if url.startswith("sqlite") else {}
        database.initialize(connect(url, **options))
        database.connect(reuse_if_open=True)
        with database.atomic():
            if isinstance(database.obj, PostgresqlDatabase):
                # Jobs started together would race on CREATE TABLE IF NOT EXISTS (it is not
                # atomic in PostgreSQL): one at a time.
                database.execute_sql("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
            database.create_tables(TABLES, safe=True)
        if url.startswith("sqlite"):
            database.execute_sql("BEGIN IMMEDIATE")
            database.execute_sql("ROLLBACK")
    except (PeeweeException, RuntimeError, ValueError, TypeError, KeyError) as error:
        if database.obj is not None and not database.is_closed():
            database.close()
        message = " ".join(str(error).split()) or type(error).__name__
        raise DatabaseUnavailable(f"DATABASE_URL {without_password(url)!r}: {message}") from None
    return database


def in_transaction(work):
    """Run ``work()`` in one transaction and return its result; when a concurrent writer got
    in the way (``CONFLICTS``: several jobs writing one PostgreSQL database) it is rolled
    back and run again from the start, up to ``TRANSACTION_ATTEMPTS`` times."""
    for attempt in range(1, TRANSACTION_ATTEMPTS + 1):
        try:
            with database.atomic():
                return work()
        except CONFLICTS as error:
            if attempt == TRANSACTION_ATTEMPTS:
                raise
            logger.info("A concurrent writer got in the way (%s); writing the batch again",
                        type(error).__name__)
            time.sleep(random.uniform(0.05, 0.2) * attempt)
