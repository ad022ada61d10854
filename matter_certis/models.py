"""The database tables (docs/database.md), as peewee models bound late to ``DATABASE_URL``."""

import logging
import os
import random
import time
from datetime import datetime, timezone

from peewee import (
    BooleanField,
    CompositeKey,
    DatabaseProxy,
    DateTimeField,
    FloatField,
    ForeignKeyField,
    IntegerField,
    IntegrityError,
    Model,
    OperationalError,
    PeeweeException,
    PostgresqlDatabase,
    SqliteDatabase,
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


class DclModel(BaseModel):
    """A DCL model record; ``removed_at`` is set when a complete walk of the ledger no
    longer finds it (the row is kept) and cleared when it comes back."""

    vid = IntegerField()
    pid = IntegerField()
    device_type_id = IntegerField(null=True)
    product_name = TextField(null=True)
    product_label = TextField(null=True)
    part_number = TextField(null=True)
    product_url = TextField(null=True)
    support_url = TextField(null=True)
    user_manual_url = TextField(null=True)
    commissioning_custom_flow = IntegerField(null=True)
    commissioning_custom_flow_url = TextField(null=True)
    schema_version = IntegerField(null=True)
    created_at = DateTimeField(default=utc_now)
    updated_at = DateTimeField(default=utc_now)
    removed_at = DateTimeField(null=True)

    class Meta:
        table_name = "dcl_models"
        primary_key = CompositeKey("vid", "pid")


class DclCompliance(BaseModel):
    """A DCL compliance record (one firmware of one model); ``removed_at`` as for models."""

    vid = IntegerField()
    pid = IntegerField()
    software_version = IntegerField()
    software_version_string = TextField(null=True)
    certification_type = TextField()
    certificate_id = TextField(null=True, index=True)
    cd_version_number = IntegerField(null=True)
    status = TextField(null=True)
    certification_date = TextField(null=True)
    reason = TextField(null=True)
    history = TextField(null=True)
    created_at = DateTimeField(default=utc_now)
    updated_at = DateTimeField(default=utc_now)
    removed_at = DateTimeField(null=True)

    class Meta:
        table_name = "dcl_compliance"
        primary_key = CompositeKey("vid", "pid", "software_version", "certification_type")


class DclChange(BaseModel):
    """One value of a ledger record that changed between two walks (``status`` from
    ``certified`` to ``revoked``, a new date, ``removed_at`` when it left the ledger);
    ``record`` is ``model`` or ``compliance``, the key columns those of the record (the
    last two NULL for a model)."""

    record = TextField()
    vid = IntegerField()
    pid = IntegerField()
    software_version = IntegerField(null=True)
    certification_type = TextField(null=True)
    field = TextField()
    old_value = TextField(null=True)
    new_value = TextField(null=True)
    session_id = TextField(null=True)
    detected_at = DateTimeField(default=utc_now, index=True)

    class Meta:
        table_name = "dcl_changes"


TABLES = [Product, ProductDetail, Vendor, CrawlingResult, ProductChange, FailedRequest,
          DclModel, DclCompliance, DclChange]


class DatabaseUnavailable(Exception):
    """``DATABASE_URL`` names a database this run cannot use; the message says why."""


def without_password(url):
    """A database URL fit for a log or a table: the password replaced by ``***``."""
    if not url or "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    credentials, host = rest.rsplit("@", 1)
    return f"{scheme}://{credentials.split(':', 1)[0]}:***@{host}"


# The SQLite file this run opened, as (path, device, inode): a file deleted or replaced during
# the run is then noticed, never recreated empty.
_opened_file = None


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
        _remember_file()
    except (PeeweeException, RuntimeError, ValueError, TypeError, KeyError) as error:
        if database.obj is not None and not database.is_closed():
            database.close()
        message = " ".join(str(error).split()) or type(error).__name__
        raise DatabaseUnavailable(f"DATABASE_URL {without_password(url)!r}: {message}") from None
    return database


def _remember_file():
    global _opened_file
    _opened_file = None
    if isinstance(database.obj, SqliteDatabase) and database.obj.database != ":memory:":
        path = os.path.abspath(database.obj.database)
        status = os.stat(path)
        _opened_file = (path, status.st_dev, status.st_ino)


def check_database():
    """Raise ``DatabaseUnavailable`` (one line) when the SQLite file this run opened is gone
    from its path or replaced by another file: writes would then go to a deleted file and
    be lost. Other databases pass (their failures surface as write errors)."""
    if _opened_file is None:
        return
    path, device, inode = _opened_file
    try:
        status = os.stat(path)
    except FileNotFoundError:
        raise DatabaseUnavailable(
            f"the SQLite database {path} was deleted during the run; "
            "rows this run wrote since it opened are lost") from None
    if (status.st_dev, status.st_ino) != (device, inode):
        raise DatabaseUnavailable(
            f"the SQLite database {path} was replaced by another file during the run; "
            "rows this run wrote since it opened are not in it") from None


def reopen():
    """Connect again to the database ``open_database`` opened, never creating it: raises
    ``DatabaseUnavailable`` when its SQLite file is gone or replaced (``check_database``)."""
    check_database()
    database.connect(reuse_if_open=True)
    return database


def is_conflict(error):
    """Whether ``error`` means another writer got in the way, so the transaction is worth
    running again: SQLite's ``database is locked`` (a busy timeout ran out, or a snapshot
    another job's commit made stale), PostgreSQL aborting one side of a deadlock or a
    serialization conflict (40P01, 40001), or a slot another job committed meanwhile
    (the rerun's release_slots frees it)."""
    # peewee wraps the driver's exception and keeps it as the first argument.
    original = error.args[0] if error.args and isinstance(error.args[0], Exception) else error
    if isinstance(error, IntegrityError) or isinstance(original, TransactionRollbackError):
        return True
    message = str(error).lower()
    return isinstance(error, OperationalError) and ("locked" in message or "busy" in message)


def hidden_by_rollback(error):
    """The error a failed rollback hides: SQLite ends the transaction itself on some errors
    (``database or disk is full``), and peewee's rollback then fails with ``cannot
    rollback - no transaction is active``."""
    if "no transaction is active" not in str(error):
        return error
    context = error.__context__
    while context is not None and (not isinstance(context, PeeweeException)
                                   or "no transaction is active" in str(context)):
        context = context.__context__
    return context or error


def in_transaction(work):
    """Run ``work()`` in one transaction and return its result; when a concurrent writer got
    in the way (``is_conflict``: several jobs writing one database) it is rolled back and
    run again from the start, up to ``TRANSACTION_ATTEMPTS`` times."""
    for attempt in range(1, TRANSACTION_ATTEMPTS + 1):
        try:
            with database.atomic():
                return work()
        except (PeeweeException, TransactionRollbackError) as raised:
            error = hidden_by_rollback(raised)
            if attempt == TRANSACTION_ATTEMPTS or not is_conflict(error):
                if error is raised:
                    raise
                raise error from None
            logger.info("A concurrent writer got in the way (%s); writing the batch again",
                        type(error).__name__)
            time.sleep(random.uniform(0.05, 0.2) * attempt)
