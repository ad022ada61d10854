"""The one place that opens, configures, retries and closes database connections: the
crawl's pipeline and run record, and every db command, come here.

``DATABASE_URL`` is a peewee ``playhouse.db_url`` URL; a relative SQLite path lies beside
``scrapy.cfg`` (``resolve``), so a run from any folder of the project uses one file.
"""

import logging
import os
import random
import sqlite3
import time
from contextlib import contextmanager
from pathlib import Path

from peewee import (
    IntegrityError,
    OperationalError,
    PeeweeException,
    PostgresqlDatabase,
    SqliteDatabase,
)
from playhouse.db_url import connect
from playhouse.migrate import SchemaMigrator, migrate
from psycopg2.errors import TransactionRollbackError
from scrapy.utils.conf import closest_scrapy_cfg

from matter_certis.db import ledger_views
from matter_certis.db.models import TABLES, database
from matter_certis.exceptions import DatabaseUnavailable, NotOurDatabase

logger = logging.getLogger(__name__)

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "synchronous": "normal",
    "foreign_keys": 1,
    "busy_timeout": 10_000,
}
TRANSACTION_ATTEMPTS = 5
# Key of the PostgreSQL advisory lock that lets one job at a time create the tables.
SCHEMA_LOCK = 0x6D617474  # "matt"


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
    """Connect ``database`` to ``url`` (a playhouse.db_url URL), create missing tables and
    columns, and make the ledger views (``ledger_views``) anew.

    Checks up front that the database can be written (SQLite: takes the write lock once),
    so a bad URL, an unwritable path, a corrupt file or a database locked by another
    process stops a run before its first request, with ``DatabaseUnavailable``.
    """
    try:
        opened = connected(url)
        if isinstance(opened, SqliteDatabase) and opened.database == ":memory:":
            # sqlite:/// or sqlite:///:memory:: a crawl would store into memory and lose it.
            raise ValueError(
                "names no SQLite file (a database in memory is lost when the run ends): "
                "give its path, e.g. sqlite:///matter_certis.db"
            )
        database.initialize(opened)
        database.connect(reuse_if_open=True)
        with database.atomic():
            if isinstance(database.obj, PostgresqlDatabase):
                # Jobs started together would race on CREATE TABLE IF NOT EXISTS (it is not
                # atomic in PostgreSQL): one at a time.
                database.execute_sql("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
            database.create_tables(TABLES, safe=True)
            add_missing_columns()
            ledger_views.create()
        if url.startswith("sqlite"):
            database.execute_sql("BEGIN IMMEDIATE")
            database.execute_sql("ROLLBACK")
        _remember_file()
    except (PeeweeException, RuntimeError, ValueError, TypeError, KeyError) as error:
        close()
        message = " ".join(str(error).split()) or type(error).__name__
        raise DatabaseUnavailable(f"DATABASE_URL {without_password(url)!r}: {message}") from None
    return database


def connected(url):
    """The peewee database for ``url``, not connected yet: SQLite with ``SQLITE_PRAGMAS`` and
    ``casefold()`` (Python's ``str.casefold``: SQLite's own ``lower()`` and ``LIKE`` fold
    ASCII letters only; ``products.contains`` uses it)."""
    if not url.startswith("sqlite"):
        return connect(url)
    opened = connect(url, pragmas=SQLITE_PRAGMAS)
    opened.register_function(casefold, "casefold", 1, deterministic=True)
    return opened


def casefold(text):
    return text.casefold() if isinstance(text, str) else text


def add_missing_columns():
    """Columns a newer version added to a table an older one created (``verified_at``):
    added, NULL for the rows already there. Call inside the schema transaction."""
    migrator = SchemaMigrator.from_database(database.obj)
    for model in TABLES:
        table = model._meta.table_name
        present = {column.name for column in database.get_columns(table)}
        missing = [field for field in model._meta.sorted_fields if field.column_name not in present]
        if missing:
            migrate(*(migrator.add_column(table, field.column_name, field) for field in missing))


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
            "rows this run wrote since it opened are lost"
        ) from None
    if (status.st_dev, status.st_ino) != (device, inode):
        raise DatabaseUnavailable(
            f"the SQLite database {path} was replaced by another file during the run; "
            "rows this run wrote since it opened are not in it"
        ) from None


def reopen():
    """Connect again to the database ``open_database`` opened, never creating it: raises
    ``DatabaseUnavailable`` when its SQLite file is gone or replaced (``check_database``)."""
    check_database()
    database.connect(reuse_if_open=True)
    return database


def close():
    """Close the connection ``open_database`` or ``reopen`` made, if one is open."""
    if database.obj is not None:
        database.close()


@contextmanager
def reopened():
    """The database ``open_database`` opened, connected again (``reopen``) for the block and
    closed after it."""
    reopen()
    try:
        yield database
    finally:
        close()


def check_usable(url):
    """Open ``DATABASE_URL``'s database as a crawl's pipeline will, then close it: an
    unusable one raises ``DatabaseUnavailable`` before the crawl starts."""
    open_database(resolve(url))
    close()


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
    while context is not None and (
        not isinstance(context, PeeweeException) or "no transaction is active" in str(context)
    ):
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
            logger.info(
                "A concurrent writer got in the way (%s); writing the batch again",
                type(error).__name__,
            )
            time.sleep(random.uniform(0.05, 0.2) * attempt)


def resolve(url, start="."):
    """``url`` with a relative SQLite path made absolute beside the project's ``scrapy.cfg``
    (the closest one above ``start``), as Scrapy places ``.scrapy/``: a run from any folder of
    the project uses the project's database, not a new one in that folder. Without a
    ``scrapy.cfg`` (Scrapyd runs from an egg) the path stays relative to the working
    directory. Other URLs are returned unchanged."""
    scheme, separator, rest = url.partition(":///")
    if not (separator and scheme.startswith("sqlite")):
        return url
    path, question, query = rest.partition("?")
    if not path or path == ":memory:" or Path(path).is_absolute():
        return url
    scrapy_cfg = closest_scrapy_cfg(start)
    if not scrapy_cfg:
        return url
    return f"{scheme}:///{Path(scrapy_cfg).parent / path}{question}{query}"


def describe(url):
    """The database for a log line: the SQLite file's absolute path, or the URL without its
    password."""
    scheme, separator, rest = url.partition(":///")
    if separator and scheme.startswith("sqlite"):
        path = rest.partition("?")[0]
        return f"SQLite file {Path(path).resolve() if path != ':memory:' else path}"
    return without_password(url)


@contextmanager
def reading(url):
    """``database`` bound to ``url`` for reading only. Unlike ``open_database`` it
    neither creates tables nor indexes (``dbcheck`` must open a database that lacks the
    unique slot index and breaks it) nor an empty SQLite file where none was."""
    url = resolve(url)
    opened = connected(url)
    if isinstance(opened, SqliteDatabase) and not Path(opened.database).exists():
        raise NotOurDatabase(
            f"no database file at {opened.database}: check DATABASE_URL, "
            "or run `scrapy crawl matter_products` to create it"
        )
    database.initialize(opened)
    with database:
        missing = [model._meta.table_name for model in TABLES if not model.table_exists()]
        if missing:
            raise NotOurDatabase(
                f"the database lacks the tables {', '.join(missing)}: check "
                "DATABASE_URL, or run `scrapy crawl matter_products` first"
            )
        yield database


@contextmanager
def plain_sqlite(path):
    """A plain ``sqlite3`` connection to the project's SQLite file at ``path`` (checked by
    ``reading`` first), for a library that takes one (sqlite-utils); closed on leaving."""
    plain = sqlite3.connect(path)
    try:
        plain.execute(f"PRAGMA busy_timeout = {SQLITE_PRAGMAS['busy_timeout']}")
        yield plain
    finally:
        plain.close()
