"""Listed products joined with their details and their vendor, filtered: the rows
``dbexport`` and ``dbsearch`` read, and the report's newest products (peewee, so SQLite and
PostgreSQL alike)."""

import json
import operator
from functools import reduce

from peewee import JOIN, SqliteDatabase, fn

from matter_certis.db.models import TIMESTAMP_COLUMNS, Product, ProductDetail, Vendor, database
from matter_certis.parsing import normalize

# What a listing card and a detail page both show: the detail page's value wins.
SHOWN_COLUMNS = ("manufacturer", "model", "certificate_id")


def shown(name):
    """A product's ``name`` (one of ``SHOWN_COLUMNS``) as shown: its detail page's value,
    else its listing card's (a product whose details are not stored yet)."""
    return fn.COALESCE(getattr(ProductDetail, name), getattr(Product, name))


def with_details(query):
    """Listed products joined with their details (if any) and their vendor (if known)."""
    return (
        query.where(Product.listed())
        .join_from(Product, ProductDetail, JOIN.LEFT_OUTER, on=(ProductDetail.url == Product.url))
        .join_from(
            ProductDetail, Vendor, JOIN.LEFT_OUTER, on=(Vendor.vendor_id == ProductDetail.vid)
        )
    )


def contains(column, text):
    """Whether ``column`` contains ``text``, ignoring case in every language's letters (the
    one definition of the filters' "case-insensitive"). SQLite's ``LIKE`` folds ASCII only,
    so there both sides are casefolded by Python (``connection.casefold``); PostgreSQL's
    ``ILIKE`` folds every letter by the database's ``LC_CTYPE`` (any UTF-8 locale)."""
    if isinstance(database.obj, SqliteDatabase):
        return fn.casefold(column).contains(text.casefold())
    return column.contains(text)


def vendor_condition(vendor):
    """``--vendor``: ``0x1552`` or ``5458`` is a Vendor ID, anything else a case-insensitive
    part of the vendor's or manufacturer's name."""
    text = vendor.strip()
    if text.lower().startswith("0x") or text.isdigit():
        return ProductDetail.vid == normalize.parse_hex_id(text)
    return (
        contains(Vendor.vendor_name, text)
        | contains(Vendor.company_legal_name, text)
        | contains(Vendor.company_preferred_name, text)
        | contains(ProductDetail.manufacturer, text)
        | contains(Product.manufacturer, text)
    )


def text_condition(text):
    """``--text``: every word a case-insensitive part of the model, the manufacturer or the
    vendor's name."""
    return reduce(
        operator.and_,
        (
            contains(shown("model"), word)
            | contains(shown("manufacturer"), word)
            | contains(Vendor.vendor_name, word)
            for word in text.split()
        ),
    )


def product_conditions(since=None, vendor=None, device_type=None, text=None, certificate=None):
    """The ``WHERE`` conditions of the product filters ``dbexport`` and ``dbsearch`` share.
    ``since``: an ISO date (certification date on or after it); ``device_type`` and
    ``certificate``: a case-insensitive part of it."""
    conditions = []
    if since:
        conditions.append(ProductDetail.certification_date >= since)
    if vendor:
        conditions.append(vendor_condition(vendor))
    if device_type:
        conditions.append(contains(ProductDetail.device_type, device_type))
    if text and text.strip():
        conditions.append(text_condition(text))
    if certificate:
        conditions.append(contains(shown("certificate_id"), certificate))
    return conditions


def product_rows(**filters):
    """Every listed product with its details and vendor name, newest slot first, as dicts of
    ``StoredProduct`` fields; ``filters`` those of ``product_conditions``."""
    detail_columns = [
        getattr(ProductDetail, name)
        for name in ProductDetail._meta.sorted_field_names
        if name not in {"url", "page_id", "index_in_page", *SHOWN_COLUMNS, *TIMESTAMP_COLUMNS}
    ]
    query = with_details(
        Product.select(
            Product.url,
            Product.page_id,
            Product.index_in_page,
            *(shown(name).alias(name) for name in SHOWN_COLUMNS),
            *detail_columns,
            Vendor.vendor_name,
        )
    )
    for condition in product_conditions(**filters):
        query = query.where(condition)
    query = query.order_by(Product.page_id.desc(nulls="LAST"), Product.index_in_page.desc())
    rows = list(query.dicts())
    for row in rows:
        if row["application_categories"] is not None:
            row["application_categories"] = json.loads(row["application_categories"])
    return rows


def newest_products(limit=20):
    """The most recently certified listed products, as ``product_rows`` rows."""
    rows = [row for row in product_rows() if row["certification_date"]]
    rows.sort(key=lambda row: row["certification_date"], reverse=True)
    return rows[:limit]
