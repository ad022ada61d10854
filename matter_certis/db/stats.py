"""What the database holds, counted: totals, the last runs, listed products by kind; read by
``dbstats`` and the report (peewee, so SQLite and PostgreSQL alike)."""

from collections import Counter

from peewee import fn

from matter_certis.db import analysis
from matter_certis.db.models import (
    CrawlingResult,
    FailedRequest,
    Product,
    ProductChange,
    ProductDetail,
    Vendor,
)
from matter_certis.db.products import with_details

NO_VALUE = "(none)"
EXAMPLES = 5


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
        with_details(Product.select(label.alias("vendor"), fn.COUNT(Product.url)))
        .group_by(label)
        .order_by(fn.COUNT(Product.url).desc(), label)
        .limit(limit)
        .tuples()
    )
    return [(name or NO_VALUE, n) for name, n in query]
