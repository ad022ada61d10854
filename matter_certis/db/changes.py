"""What changed since a time, as ``dbchanges`` reports it: products added, changed,
delisted and relisted, ledger records that changed, new firmware and its changes (peewee,
so SQLite and PostgreSQL alike)."""

from peewee import JOIN

from matter_certis.db.models import (
    CrawlingResult,
    DclChange,
    DclModel,
    DclModelVersion,
    Product,
    ProductChange,
    ProductDetail,
)
from matter_certis.db.products import shown


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
        shown("model").alias("model"),
        shown("manufacturer").alias("manufacturer"),
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


def ledger_changes(since, versions=False):
    """Values of DCL records that changed at or after ``since`` (``dcl_changes``: a status
    from ``certified`` to ``revoked``, a record gone from the ledger), with the model's name:
    of model and compliance records, or with ``versions`` of model versions (firmware: an
    OTA URL, a validity, an applicable range), with the version's string."""
    is_version = DclChange.record == "version"
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
            DclModelVersion.software_version_string,
        )
        .join(
            DclModel,
            JOIN.LEFT_OUTER,
            on=((DclModel.vid == DclChange.vid) & (DclModel.pid == DclChange.pid)),
        )
        .join_from(
            DclChange,
            DclModelVersion,
            JOIN.LEFT_OUTER,
            on=(
                is_version
                & (DclModelVersion.vid == DclChange.vid)
                & (DclModelVersion.pid == DclChange.pid)
                & (DclModelVersion.software_version == DclChange.software_version)
            ),
        )
        .where((DclChange.detected_at >= since) & (is_version if versions else ~is_version))
        .order_by(DclChange.detected_at, DclChange.vid, DclChange.pid, DclChange.id)
    )
    return list(query.dicts())


def versions_added(since):
    """Model versions (firmware) first stored at or after ``since`` and still on the
    ledger, with the model's name, oldest first."""
    query = (
        DclModelVersion.select(
            DclModelVersion.vid,
            DclModelVersion.pid,
            DclModelVersion.software_version,
            DclModelVersion.software_version_string,
            DclModelVersion.software_version_valid,
            DclModelVersion.ota_url,
            DclModelVersion.created_at,
            DclModel.product_name,
        )
        .join(
            DclModel,
            JOIN.LEFT_OUTER,
            on=((DclModel.vid == DclModelVersion.vid) & (DclModel.pid == DclModelVersion.pid)),
        )
        .where((DclModelVersion.created_at >= since) & DclModelVersion.removed_at.is_null())
        .order_by(
            DclModelVersion.created_at,
            DclModelVersion.vid,
            DclModelVersion.pid,
            DclModelVersion.software_version,
        )
    )
    return list(query.dicts())
