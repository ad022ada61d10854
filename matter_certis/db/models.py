"""The database tables (docs/database.md), as peewee models bound late to ``DATABASE_URL``
(``db.connection`` binds them)."""

import logging
from datetime import UTC, datetime

from peewee import (
    BooleanField,
    CompositeKey,
    DatabaseProxy,
    DateTimeField,
    FloatField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)

from matter_certis.items import COMPLIANCE_KEY, VERSION_KEY

database = DatabaseProxy()
# peewee logs every query at DEBUG; a crawl's log is no place for thousands of them.
logging.getLogger("peewee").setLevel(logging.INFO)


# Columns that say when a row was written or verified, not what the site shows.
TIMESTAMP_COLUMNS = frozenset({"created_at", "updated_at", "verified_at", "versions_verified_at"})


def utc_now():
    """Naive UTC time: what every timestamp column holds."""
    return datetime.now(UTC).replace(tzinfo=None)


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
    # When a run last saw its card at this slot (listing freshness, MATTER_LISTING_MAX_AGE).
    verified_at = DateTimeField(null=True)

    @classmethod
    def listed(cls):
        """The condition of a product the site lists now (``delisted_at`` unset)."""
        return cls.delisted_at.is_null()

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
    # When a run last read its detail page (detail freshness, MATTER_DETAIL_MAX_AGE).
    verified_at = DateTimeField(null=True)

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
    # When dcl_versions last read this model's versions whole (MATTER_VERSIONS_MAX_AGE).
    versions_verified_at = DateTimeField(null=True)

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
        primary_key = CompositeKey(*COMPLIANCE_KEY)


class DclModelVersion(BaseModel):
    """A DCL model version: one firmware of one model and its OTA image; ``removed_at`` as
    for models, ``verified_at`` when a walk last read it."""

    vid = IntegerField()
    pid = IntegerField()
    software_version = IntegerField()
    software_version_string = TextField(null=True)
    cd_version_number = IntegerField(null=True)
    firmware_information = TextField(null=True)
    software_version_valid = BooleanField(null=True)
    ota_url = TextField(null=True)
    ota_file_size = IntegerField(null=True)
    ota_checksum = TextField(null=True)
    ota_checksum_type = IntegerField(null=True)
    min_applicable_software_version = IntegerField(null=True)
    max_applicable_software_version = IntegerField(null=True)
    release_notes_url = TextField(null=True)
    schema_version = IntegerField(null=True)
    created_at = DateTimeField(default=utc_now)
    updated_at = DateTimeField(default=utc_now)
    removed_at = DateTimeField(null=True)
    verified_at = DateTimeField(null=True)

    class Meta:
        table_name = "dcl_model_versions"
        primary_key = CompositeKey(*VERSION_KEY)


class DclChange(BaseModel):
    """One value of a ledger record that changed between two walks (``status`` from
    ``certified`` to ``revoked``, a new date, ``removed_at`` when it left the ledger);
    ``record`` is ``model``, ``compliance`` or ``version``, the key columns those of the
    record (``certification_type`` NULL for a version, it and ``software_version`` for a
    model)."""

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


TABLES = [
    Product,
    ProductDetail,
    Vendor,
    CrawlingResult,
    ProductChange,
    FailedRequest,
    DclModel,
    DclCompliance,
    DclModelVersion,
    DclChange,
]
