"""Items the spiders yield. Output processors live next to the fields, input processors on
the loaders (``parsing/loaders.py``); feeds show VID/PID as ``0xXXXX`` while the database keeps ints."""

import scrapy
from itemloaders.processors import Identity, Join, TakeFirst

from matter_certis.parsing.normalize import format_hex_id


def _field(**kwargs):
    return scrapy.Field(output_processor=TakeFirst(), **kwargs)


def _hex_id_field():
    return _field(serializer=format_hex_id)


class ProductRef(scrapy.Item):
    """One product card on a listing page, at its stable (page_id, index_in_page) slot."""

    url = _field()
    manufacturer = _field()
    model = _field()
    certificate_id = _field()
    page_id = _field()
    index_in_page = _field()


class ProductDetail(scrapy.Item):
    """One product's detail page."""

    url = _field()
    page_id = _field()
    index_in_page = _field()
    manufacturer = _field()
    model = _field()
    device_type = _field()
    certificate_id = _field()
    certification_date = _field()
    software_version = _field()
    hardware_version = _field()
    firmware_version = _field()
    specification_version = _field()
    vid = _hex_id_field()
    pid = _hex_id_field()
    family_sku = _field()
    family_variant_sku = _field()
    family_id = _field()
    tis_trp_tested = _field()
    transport_interface = _field()
    primary_device_type_id = _field()
    application_categories = scrapy.Field(output_processor=Identity())
    description = scrapy.Field(output_processor=Join("\n\n"))
    compliance_document_url = _field()


class ProductMove(scrapy.Item):
    """The product stored at ``url`` now lives at ``new_url`` (its old address answered a
    permanent redirect to a page with its certificate id): its row moves there."""

    url = _field()
    new_url = _field()


class RequestFailure(scrapy.Item):
    """A request that still failed after all retries: a row of the dead-letter list."""

    url = _field()
    kind = _field()
    error_type = _field()
    error_message = _field()
    attempts = _field()
    session_id = _field()


class Vendor(scrapy.Item):
    """One vendor of the DCL ledger; ``vendor_id`` is the Vendor ID of its products."""

    vendor_id = _hex_id_field()
    vendor_name = _field()
    company_legal_name = _field()
    company_preferred_name = _field()
    vendor_landing_page_url = _field()


class DclModel(scrapy.Item):
    """One DCL model record: a product model of a vendor, keyed by (vid, pid)."""

    vid = _hex_id_field()
    pid = _hex_id_field()
    device_type_id = _field()
    product_name = _field()
    product_label = _field()
    part_number = _field()
    product_url = _field()
    support_url = _field()
    user_manual_url = _field()
    commissioning_custom_flow = _field()
    commissioning_custom_flow_url = _field()
    schema_version = _field()


# The fields that identify a DCL compliance record (one firmware of one model): its key in
# the item, the dcl_compliance table and dcl_changes.
COMPLIANCE_KEY = ("vid", "pid", "software_version", "certification_type")


class DclCompliance(scrapy.Item):
    """One DCL compliance record: the certification of one firmware of one model, keyed by
    ``COMPLIANCE_KEY``."""

    vid = _hex_id_field()
    pid = _hex_id_field()
    software_version = _field()
    software_version_string = _field()
    certification_type = _field()
    certificate_id = _field()
    cd_version_number = _field()
    status = _field()
    certification_date = _field()
    reason = _field()
    history = _field()


# The fields that identify a DCL model version (one firmware of one model).
VERSION_KEY = ("vid", "pid", "software_version")


class DclModelVersion(scrapy.Item):
    """One DCL model version (``/dcl/model/versions/{vid}/{pid}/{softwareVersion}``): a
    firmware of a model and its OTA image, keyed by ``VERSION_KEY``."""

    vid = _hex_id_field()
    pid = _hex_id_field()
    software_version = _field()
    software_version_string = _field()
    cd_version_number = _field()
    firmware_information = _field()
    software_version_valid = _field()
    ota_url = _field()
    ota_file_size = _field()
    ota_checksum = _field()
    ota_checksum_type = _field()
    min_applicable_software_version = _field()
    max_applicable_software_version = _field()
    release_notes_url = _field()
    schema_version = _field()


class Finding(scrapy.Item):
    """One disagreement of the listing and the ledger (``scrapy dbreconcile``)."""

    finding = _field()
    url = _field()
    certificate_id = _field()
    vid = _hex_id_field()
    pid = _hex_id_field()
    detail = _field()


class Firmware(scrapy.Item):
    """One firmware of a model as ``scrapy dbfirmware`` writes it: the model version, the
    status of its compliance record, its findings (``ota_not_https``, ``ota_for_revoked``),
    and the listed product (``url``, ``model``) it was asked for, if any; the checksum type
    by name (``sha-256``)."""

    url = _field()
    model = _field()
    vid = _hex_id_field()
    pid = _hex_id_field()
    software_version = _field()
    software_version_string = _field()
    status = _field()
    software_version_valid = _field()
    findings = _field()
    ota_url = _field()
    ota_file_size = _field()
    ota_checksum_type = _field()
    ota_checksum = _field()
    min_applicable_software_version = _field()
    max_applicable_software_version = _field()
    release_notes_url = _field()


class StoredProduct(ProductDetail):
    """A listed product as ``scrapy dbexport`` writes it: its details, its vendor's name, and
    from the DCL ledger the status of its compliance record and its model's part number."""

    vendor_name = _field()
    ledger_status = _field()
    ledger_part_number = _field()
