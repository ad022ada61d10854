"""Read-only questions about the local database, asked by the ``db*`` commands and the
report: one home for their SQL (peewee, so SQLite and PostgreSQL alike)."""

import json
import operator
from collections import Counter
from dataclasses import dataclass
from functools import reduce

from peewee import JOIN, fn

from matter_certis.db import analysis
from matter_certis.db.models import (
    CrawlingResult,
    DclChange,
    DclModel,
    FailedRequest,
    Product,
    ProductChange,
    ProductDetail,
    Vendor,
)
from matter_certis.parsing import normalize

NO_VALUE = "(none)"
EXAMPLES = 5


def _with_details(query):
    """Listed products joined with their details (if any) and their vendor (if known)."""
    return (
        query.where(Product.listed())
        .join_from(Product, ProductDetail, JOIN.LEFT_OUTER, on=(ProductDetail.url == Product.url))
        .join_from(
            ProductDetail, Vendor, JOIN.LEFT_OUTER, on=(Vendor.vendor_id == ProductDetail.vid)
        )
    )


def vendor_condition(vendor):
    """``--vendor``: ``0x1552`` or ``5458`` is a Vendor ID, anything else a case-insensitive
    part of the vendor's or manufacturer's name."""
    text = vendor.strip()
    if text.lower().startswith("0x") or text.isdigit():
        return ProductDetail.vid == normalize.parse_hex_id(text)
    return (
        Vendor.vendor_name.contains(text)
        | Vendor.company_legal_name.contains(text)
        | Vendor.company_preferred_name.contains(text)
        | ProductDetail.manufacturer.contains(text)
        | Product.manufacturer.contains(text)
    )


def text_condition(text):
    """``--text``: every word a case-insensitive part of the model, the manufacturer or the
    vendor's name."""
    return reduce(
        operator.and_,
        (
            fn.COALESCE(ProductDetail.model, Product.model).contains(word)
            | fn.COALESCE(ProductDetail.manufacturer, Product.manufacturer).contains(word)
            | Vendor.vendor_name.contains(word)
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
        conditions.append(ProductDetail.device_type.contains(device_type))
    if text and text.strip():
        conditions.append(text_condition(text))
    if certificate:
        conditions.append(
            fn.COALESCE(ProductDetail.certificate_id, Product.certificate_id).contains(certificate)
        )
    return conditions


def product_rows(**filters):
    """Every listed product with its details and vendor name, newest slot first, as dicts of
    ``StoredProduct`` fields; ``filters`` those of ``product_conditions``."""
    detail_columns = [
        getattr(ProductDetail, name)
        for name in ProductDetail._meta.sorted_field_names
        if name
        not in {
            "url",
            "page_id",
            "index_in_page",
            "manufacturer",
            "model",
            "certificate_id",
            "created_at",
            "updated_at",
        }
    ]
    query = _with_details(
        Product.select(
            Product.url,
            Product.page_id,
            Product.index_in_page,
            fn.COALESCE(ProductDetail.manufacturer, Product.manufacturer).alias("manufacturer"),
            fn.COALESCE(ProductDetail.model, Product.model).alias("model"),
            fn.COALESCE(ProductDetail.certificate_id, Product.certificate_id).alias(
                "certificate_id"
            ),
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


def totals():
    """How many rows of each kind the database holds."""
    listed = analysis.listed_products()
    return {
        "listed products": listed.count(),
        "delisted products": Product.select().where(Product.delisted_at.is_null(False)).count(),
        "product details": ProductDetail.select().count(),
        "listed products without details": len(analysis.products_without_details()),
        "vendors": Vendor.select().count(),
        "failed requests": FailedRequest.select().count(),
        "recorded changes": ProductChange.select().count(),
    }


RUN_COLUMNS = (
    "spider",
    "status",
    "mode",
    "started_at",
    "completed_at",
    "execution_time_seconds",
    "errors_count",
    "products_added",
    "products_updated",
    "details_fetched",
)


def last_runs():
    """The latest ``crawling_results`` row of each spider, as dicts of ``RUN_COLUMNS`` (only
    what is shown, so a database from an older version with fewer columns reads too)."""
    spiders = [s for (s,) in CrawlingResult.select(CrawlingResult.spider).distinct().tuples()]
    columns = [getattr(CrawlingResult, name) for name in RUN_COLUMNS]
    return [
        CrawlingResult.select(*columns)
        .where(CrawlingResult.spider == spider)
        .order_by(CrawlingResult.started_at.desc())
        .dicts()
        .first()
        for spider in sorted(spiders)
    ]


def added_during(run, limit=EXAMPLES):
    """Products first stored while ``run`` was going, newest first (what it added)."""
    query = Product.select(Product.url, Product.manufacturer, Product.model).where(
        (Product.created_at >= run["started_at"])
        & (Product.created_at <= (run["completed_at"] or run["started_at"]))
    )
    return list(query.order_by(Product.page_id.desc(nulls="LAST")).limit(limit).dicts())


def _listed_details(*columns):
    return (
        ProductDetail.select(*columns)
        .join(Product, on=(Product.url == ProductDetail.url))
        .where(Product.listed())
    )


def counts_by(column):
    """``[(value, products)]`` for a detail column, most common first; NULL as ``(none)``."""
    query = _listed_details(column, fn.COUNT(ProductDetail.url)).group_by(column).tuples()
    return _most_common_first((value or NO_VALUE, n) for value, n in query)


def counts_by_transport():
    """``[(interface, products)]``: a product on ``Thread, Bluetooth`` counts for both."""
    counter = Counter()
    for (text,) in _listed_details(ProductDetail.transport_interface).tuples():
        parts = [part.strip() for part in (text or "").split(",") if part.strip()]
        counter.update(parts or [NO_VALUE])
    return _most_common_first(counter.items())


def _most_common_first(pairs):
    return sorted(pairs, key=lambda pair: (-pair[1], pair[0]))


def certifications_per_month():
    """``[("YYYY-MM", products)]`` in time order; products without a date are left out."""
    month = fn.SUBSTR(ProductDetail.certification_date, 1, 7)
    query = (
        _listed_details(month.alias("month"), fn.COUNT(ProductDetail.url))
        .where(ProductDetail.certification_date.is_null(False))
        .group_by(month)
        .order_by(month)
        .tuples()
    )
    return list(query)


def top_vendors(limit=15):
    """``[(vendor, products)]``: the DCL vendor name, or the manufacturer shown on the site
    for a Vendor ID the vendors table lacks."""
    label = fn.COALESCE(Vendor.vendor_name, ProductDetail.manufacturer, Product.manufacturer)
    query = (
        _with_details(Product.select(label.alias("vendor"), fn.COUNT(Product.url)))
        .group_by(label)
        .order_by(fn.COUNT(Product.url).desc(), label)
        .limit(limit)
        .tuples()
    )
    return [(name or NO_VALUE, n) for name, n in query]


def newest_products(limit=20):
    """The most recently certified listed products, as ``product_rows`` rows."""
    rows = [row for row in product_rows() if row["certification_date"]]
    rows.sort(key=lambda row: row["certification_date"], reverse=True)
    return rows[:limit]


@dataclass
class Problem:
    """One integrity check of ``dbcheck``: what is wrong, where, and what to do about it."""

    name: str
    count: int
    examples: list
    advice: str


def problems():
    """Every integrity check, whether it found something (``count``) or not."""
    duplicate_slots = list(
        analysis.listed_products()
        .select(Product.page_id, Product.index_in_page, fn.COUNT(Product.url))
        .where(Product.page_id.is_null(False) & Product.index_in_page.is_null(False))
        .group_by(Product.page_id, Product.index_in_page)
        .having(fn.COUNT(Product.url) > 1)
        .tuples()
    )
    orphans = [
        url
        for (url,) in ProductDetail.select(ProductDetail.url)
        .join(Product, JOIN.LEFT_OUTER, on=(Product.url == ProductDetail.url))
        .where(Product.url.is_null())
        .tuples()
    ]
    lacking = [ref["url"] for ref in analysis.products_without_details()]
    failed = [
        f"{url} ({kind}: {error})"
        for url, kind, error in FailedRequest.select(
            FailedRequest.url, FailedRequest.kind, FailedRequest.error_type
        ).tuples()
    ]
    stale = [
        url
        for (url,) in Product.select(Product.url)
        .where(
            Product.delisted_at.is_null(False)
            & (Product.page_id.is_null(False) | Product.index_in_page.is_null(False))
        )
        .tuples()
    ]
    empty = [] if Product.select().exists() else ["the products table is empty"]
    return [
        Problem(
            "no products",
            len(empty),
            empty,
            "check that DATABASE_URL names your database, or run "
            "`scrapy crawl matter_products` to fill it",
        ),
        Problem(
            "duplicate slots",
            len(duplicate_slots),
            [f"page_id {p}, index_in_page {i}: {n} products" for p, i, n in duplicate_slots],
            "the unique slot index is missing: set page_id and index_in_page to NULL for "
            "the products holding these slots, then run `scrapy crawl matter_products "
            "-a mode=full`, which gives each its slot back and restores the index",
        ),
        Problem(
            "details without products",
            len(orphans),
            orphans,
            "run `scrapy crawl matter_products -a mode=full` to store their listing cards; "
            "delete the rows still orphaned afterwards (the site no longer lists them)",
        ),
        Problem(
            "listed products without details",
            len(lacking),
            lacking,
            "run `scrapy crawl matter_products`: an incremental run fetches them",
        ),
        Problem(
            "failed requests",
            len(failed),
            failed,
            "run `scrapy crawl matter_products` again (it retries them first); if they "
            "keep failing, read `error_message` in the failed_requests table",
        ),
        Problem(
            "stale delisted rows",
            len(stale),
            stale,
            "delisted products must give up their slot: run `scrapy crawl matter_products "
            "-a mode=full`, or set their page_id and index_in_page to NULL",
        ),
    ]


def last_completed_sync():
    """The latest ``completed`` run of ``matter_products`` (``session_id``, ``started_at``),
    or ``None``: where ``dbchanges --since last`` starts."""
    return (
        CrawlingResult.select(CrawlingResult.session_id, CrawlingResult.started_at)
        .where(
            (CrawlingResult.spider == "matter_products") & (CrawlingResult.status == "completed")
        )
        .order_by(CrawlingResult.started_at.desc())
        .dicts()
        .first()
    )


def _product_names(query):
    """``query`` on products with the name columns a change digest shows."""
    return query.select_extend(
        Product.url,
        fn.COALESCE(ProductDetail.model, Product.model).alias("model"),
        fn.COALESCE(ProductDetail.manufacturer, Product.manufacturer).alias("manufacturer"),
    ).join_from(Product, ProductDetail, JOIN.LEFT_OUTER, on=(ProductDetail.url == Product.url))


def products_added(since):
    """Products first stored at or after ``since`` (a naive UTC datetime), oldest first."""
    query = _product_names(
        Product.select(
            ProductDetail.device_type,
            ProductDetail.certification_date,
            Product.created_at,
            Product.delisted_at,
        )
    )
    return list(
        query.where(Product.created_at >= since)
        .order_by(Product.created_at, Product.page_id)
        .dicts()
    )


def field_changes(since):
    """Changed fields recorded at or after ``since`` (``product_changes``; the relisting
    record aside), by product, oldest first."""
    query = _product_names(
        ProductChange.select(
            ProductChange.field,
            ProductChange.old_value,
            ProductChange.new_value,
            ProductChange.detected_at,
        ).join(Product, on=(Product.url == ProductChange.url))
    )
    return list(
        query.where((ProductChange.detected_at >= since) & (ProductChange.field != "delisted_at"))
        .order_by(ProductChange.url, ProductChange.detected_at, ProductChange.id)
        .dicts()
    )


def products_delisted(since):
    """Products still delisted whose delisting was judged at or after ``since``."""
    query = _product_names(Product.select(Product.delisted_at))
    return list(
        query.where(Product.delisted_at.is_null(False) & (Product.delisted_at >= since))
        .order_by(Product.delisted_at, Product.url)
        .dicts()
    )


def products_relisted(since):
    """Listed products that came back to the listing at or after ``since``: a
    ``product_changes`` row on ``delisted_at`` to NULL is the record of a relisting."""
    query = _product_names(
        ProductChange.select(
            ProductChange.old_value.alias("delisted_at"),
            ProductChange.detected_at.alias("relisted_at"),
        ).join(Product, on=(Product.url == ProductChange.url))
    )
    return list(
        query.where(
            (ProductChange.field == "delisted_at")
            & ProductChange.new_value.is_null()
            & Product.listed()
            & (ProductChange.detected_at >= since)
        )
        .order_by(ProductChange.detected_at, ProductChange.url)
        .dicts()
    )


def ledger_changes(since):
    """Values of DCL records that changed at or after ``since`` (``dcl_changes``: a status
    from ``certified`` to ``revoked``, a record gone from the ledger), with the model's name."""
    query = (
        DclChange.select(
            DclChange.record,
            DclChange.vid,
            DclChange.pid,
            DclChange.software_version,
            DclChange.certification_type,
            DclChange.field,
            DclChange.old_value,
            DclChange.new_value,
            DclChange.detected_at,
            DclModel.product_name,
        )
        .join(
            DclModel,
            JOIN.LEFT_OUTER,
            on=((DclModel.vid == DclChange.vid) & (DclModel.pid == DclChange.pid)),
        )
        .where(DclChange.detected_at >= since)
        .order_by(DclChange.detected_at, DclChange.vid, DclChange.pid, DclChange.id)
    )
    return list(query.dicts())
