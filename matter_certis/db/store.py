"""Writing rows: upserts that keep ``created_at``, detect what changed, and free stable slots."""

import json
from dataclasses import dataclass, field

import peewee
from peewee import EXCLUDED, CompositeKey, Tuple, chunked

from matter_certis.db.models import (
    TIMESTAMP_COLUMNS,
    DclChange,
    Product,
    ProductChange,
    ProductDetail,
    utc_now,
)
from matter_certis.items import COMPLIANCE_KEY

# Columns that move without the product changing: not reported in product_changes.
POSITION_COLUMNS = frozenset({"page_id", "index_in_page", "delisted_at"})
ROWS_PER_STATEMENT = 100


@dataclass
class SaveOutcome:
    """What one ``save_rows`` call did."""

    added: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    moved: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    changes: list = field(default_factory=list)


def row_for(model, values):
    """A database row for ``model`` from item values: every column but the timestamps (a
    field the item lacks is NULL, so all rows of a batch share one column list), lists as
    JSON."""
    row = {}
    for name in model._meta.fields:
        if name not in TIMESTAMP_COLUMNS:
            value = values.get(name)
            row[name] = json.dumps(value) if isinstance(value, (list, tuple)) else value
    return row


def key_fields(model):
    """The fields of a model's primary key (several for a composite key)."""
    key = model._meta.primary_key
    if isinstance(key, CompositeKey):
        return [model._meta.fields[name] for name in key.field_names]
    return [key]


def key_of(model):
    """A function giving a row's key: its primary key value, or a tuple for a composite key."""
    names = [field.name for field in key_fields(model)]
    if len(names) == 1:
        return lambda row: row[names[0]]
    return lambda row: tuple(row[name] for name in names)


def _key_in(model, keys):
    fields = key_fields(model)
    return fields[0].in_(keys) if len(fields) == 1 else Tuple(*fields).in_(keys)


def save_rows(
    model,
    rows,
    *,
    session_id=None,
    track_changes=False,
    keep=(),
    change_model=ProductChange,
    change_row=None,
):
    """Upsert ``rows`` keyed by the model's primary key, writing only new or changed rows.

    A row whose values changed is ``updated``; one whose slot alone changed (a delisting
    moved it) is ``moved``. With ``track_changes`` every changed value (positions aside) is
    recorded in ``change_model`` (``product_changes``; ``change_row`` makes its rows). A
    product back on the listing (``delisted_at`` cleared) is recorded there always.
    Columns in ``keep`` (markup drift) keep their stored value where the row has none.
    Every row saved, changed or not, is marked verified now where the model has
    ``verified_at`` (the site showed it). Call inside a transaction.
    """
    outcome = SaveOutcome()
    change_row = change_row or _change
    key = key_of(model)
    by_key = {key(row): row for row in rows}
    existing = {}
    for keys in chunked(list(by_key), ROWS_PER_STATEMENT):
        for old in model.select().where(_key_in(model, keys)).dicts():
            existing[key(old)] = old
    now = utc_now()
    to_write = []
    for row_key, row in by_key.items():
        old = existing.get(row_key)
        if old is None:
            outcome.added.append(row_key)
        else:
            for name in keep:
                if row[name] is None:
                    row[name] = old[name]
            changed = [name for name, value in row.items() if old.get(name) != value]
            if not changed:
                outcome.unchanged.append(row_key)
                continue
            changed_values = [name for name in changed if name not in POSITION_COLUMNS]
            (outcome.updated if changed_values else outcome.moved).append(row_key)
            if track_changes:
                outcome.changes.extend(
                    change_row(row_key, name, old[name], row[name], session_id, now)
                    for name in changed_values
                )
            if old.get("delisted_at") is not None and row["delisted_at"] is None:
                # The record of a relisting, which dbchanges reports.
                outcome.changes.append(
                    change_row(row_key, "delisted_at", old["delisted_at"], None, session_id, now)
                )
        to_write.append({**row, "created_at": now, "updated_at": now})
    verifies = "verified_at" in model._meta.fields
    if verifies:
        for row in to_write:
            row["verified_at"] = now
        for keys in chunked(outcome.unchanged, ROWS_PER_STATEMENT):
            model.update(verified_at=now).where(_key_in(model, keys)).execute()
    _upsert(model, to_write)
    for changes in chunked(outcome.changes, ROWS_PER_STATEMENT):
        change_model.insert_many(changes).execute()
    return outcome


def ledger_change(record):
    """``change_row`` for ledger records (``record``: ``model`` or ``compliance``): their
    changes go to ``dcl_changes`` under the record's key."""

    def change_row(key, name, old, new, session_id, now):
        # A model is keyed by (vid, pid) alone: the last two stay NULL.
        key_columns = dict.fromkeys(COMPLIANCE_KEY)
        key_columns.update(zip(COMPLIANCE_KEY, key))
        return {
            "record": record,
            **key_columns,
            "field": name,
            "old_value": _as_text(old),
            "new_value": _as_text(new),
            "session_id": session_id,
            "detected_at": now,
        }

    return change_row


def mark_removed(model, seen, record, session_id):
    """After a complete walk of the ledger: rows of ``model`` whose keys the walk did not
    ``see`` are ``remove``d. Returns how many. Call inside a transaction."""
    key = key_of(model)
    gone = [
        key(row)
        for row in model.select(*key_fields(model)).where(model.removed_at.is_null()).dicts()
        if key(row) not in seen
    ]
    return remove(model, gone, record, session_id)


def remove(model, keys, record, session_id):
    """Rows of ``model`` with these keys left the ledger: ``removed_at`` set (kept, not
    deleted) and a ``dcl_changes`` row each. Returns how many. In a transaction."""
    now = utc_now()
    change_row = ledger_change(record)
    for batch in chunked(keys, ROWS_PER_STATEMENT):
        model.update(removed_at=now, updated_at=now).where(_key_in(model, batch)).execute()
        DclChange.insert_many(
            [change_row(row_key, "removed_at", None, now, session_id, now) for row_key in batch]
        ).execute()
    return len(keys)


def _as_text(value):
    return None if value is None else str(value)


def _change(url, name, old, new, session_id, now):
    return {
        "url": url,
        "field": name,
        "old_value": _as_text(old),
        "new_value": _as_text(new),
        "session_id": session_id,
        "detected_at": now,
    }


def _upsert(model, rows):
    """One INSERT ... ON CONFLICT DO UPDATE statement, run for every row (executemany).

    peewee builds the statement once, for one row; building it for every row of a batch
    (as ``insert_many`` does) cost more CPU than SQLite's work (benchmarks/storage.py).
    Every row has the same columns (``row_for``), created_at is kept on conflict.
    """
    if not rows:
        return
    keys = key_fields(model)
    not_updated = {field.name for field in keys} | {"created_at"}
    fields = [model._meta.fields[name] for name in rows[0]]
    update = {
        field: getattr(EXCLUDED, field.column_name)
        for field in fields
        if field.name not in not_updated
    }
    query = model.insert_many([[None] * len(fields)], fields=fields).on_conflict(
        conflict_target=keys, update=update
    )
    sql, placeholders = query.sql()
    if len(placeholders) != len(fields):  # peewee added a column default: rows lack a column
        raise ValueError(f"rows for {model.__name__} lack columns: {sql}")
    values = [[field.db_value(row[field.name]) for field in fields] for row in rows]
    # peewee's own wrapper, as its execute_sql uses: driver errors become peewee's.
    with peewee.__exception_wrapper__:
        model._meta.database.cursor().executemany(sql, values)


def release_slots(rows):
    """Free the (page_id, index_in_page) slots that these product rows take.

    When a product is delisted the ones after it move down a slot: whoever held a slot
    before gives it up here (in the database, or earlier in the same batch) and gets its own
    new slot when its card is stored.
    """
    holders = {}
    for row in rows:
        slot = (row.get("page_id"), row.get("index_in_page"))
        if None in slot:
            continue
        previous = holders.pop(slot, None)
        if previous is not None:
            previous["page_id"] = previous["index_in_page"] = None
        holders[slot] = row
    for slots in chunked(list(holders), ROWS_PER_STATEMENT):
        # The plain IN terms let SQLite find the slots by the slot index; on the row value
        # alone it scanned every product, a batch at a time (quadratic over a crawl).
        pages = sorted({page for page, _ in slots})
        indexes = sorted({index for _, index in slots})
        (
            Product.update(page_id=None, index_in_page=None)
            .where(
                Product.page_id.in_(pages)
                & Product.index_in_page.in_(indexes)
                & Tuple(Product.page_id, Product.index_in_page).in_(slots)
                & Tuple(Product.page_id, Product.index_in_page, Product.url).not_in(
                    [(*slot, holders[slot]["url"]) for slot in slots]
                )
            )
            .execute()
        )


def align_detail_slots(urls):
    """Give these products' detail rows the slot their product row has now: a detail fetched
    before the run placed its card (the site moved) carries the slot first assumed."""
    for batch in chunked(sorted(set(urls)), ROWS_PER_STATEMENT):
        ProductDetail.update(
            {
                getattr(ProductDetail, name): Product.select(getattr(Product, name)).where(
                    Product.url == ProductDetail.url
                )
                for name in ("page_id", "index_in_page")
            }
        ).where(ProductDetail.url.in_(batch)).execute()


def mark_delisted(listed_urls):
    """Products the listing no longer shows (all but ``listed_urls``) get ``delisted_at`` and
    give up their slot; returns how many. ``listed_urls`` is a set; stored urls are read one
    at a time and only those gone kept (a set of every stored url was a large crawl's peak)."""
    query = Product.select(Product.url).where(Product.listed()).tuples()
    gone = sorted(url for (url,) in query.iterator() if url not in listed_urls)
    now = utc_now()
    for urls in chunked(gone, ROWS_PER_STATEMENT):
        Product.update(delisted_at=now, updated_at=now, page_id=None, index_in_page=None).where(
            Product.url.in_(urls)
        ).execute()
    return len(gone)
