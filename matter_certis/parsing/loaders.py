"""Item loaders: every normalisation rule is applied here, as an input processor.

A value the site shows but that breaks its format (an out-of-range Vendor ID, an
unparseable date) becomes ``None`` with a warning naming the page, counted in the stats as
``matter/invalid/<field>``. Two labelled values of one field that disagree keep the first,
with a warning showing both, counted as ``matter/conflict/<field>``.
"""

import functools
import logging

from itemloaders.processors import Identity, MapCompose
from lxml import etree
from parsel.csstranslator import css2xpath
from scrapy.loader import ItemLoader

from matter_certis.exceptions import InvalidValue
from matter_certis.items import DclCompliance, DclModel, ProductDetail, ProductRef, Vendor
from matter_certis.parsing import normalize
from matter_certis.run import stat_keys

logger = logging.getLogger(__name__)

# Detail-page labels (lower-cased, trimmed, no trailing colon) and the field each fills.
# Matched whole, never as substrings: "Family Variant SKU" is not "Family SKU".
DETAIL_LABELS = {
    "manufacturer": "manufacturer",
    "company": "manufacturer",
    "vendor id": "vid",
    "vid": "vid",
    "product id": "pid",
    "pid": "pid",
    "family sku": "family_sku",
    "family variant sku": "family_variant_sku",
    "firmware version": "firmware_version",
    "hardware version": "hardware_version",
    "software version": "software_version",
    "certificate id": "certificate_id",
    "certification id": "certificate_id",
    "certified date": "certification_date",
    "certification date": "certification_date",
    "family id": "family_id",
    "tis/trp tested": "tis_trp_tested",
    "specification version": "specification_version",
    "transport interface": "transport_interface",
    "primary device type id": "primary_device_type_id",
    "device type": "device_type",
    "product type": "device_type",
    "category": "device_type",
    "compliance document": "compliance_document_url",
}


# Script and style content is never page text, wherever it sits.
_PAGE_TEXT = etree.XPath(".//text()[not(parent::script or parent::style)]")


def page_text(node):
    """The text of an element (a parsel ``Selector`` or an lxml element) as a reader sees
    it: links and markup inside it included, script and style content left out."""
    return "".join(_PAGE_TEXT(getattr(node, "root", node)))


def detail_field_for(label):
    """The item field a detail-page label fills, or ``None`` for labels we do not store."""
    key = " ".join(label.split()).rstrip(":").strip().lower()
    return DETAIL_LABELS.get(key)


def lenient(rule, field):
    """Wrap a rule so that an ``InvalidValue`` is warned about and counted, never stored."""

    def apply(value, loader_context):
        try:
            return rule(value)
        except InvalidValue as error:
            response = loader_context.get("response")
            logger.warning("Invalid %s on %s: %s", field, getattr(response, "url", "?"), error)
            spider = loader_context.get("spider")
            if spider is not None:
                spider.crawler.stats.inc_value(stat_keys.invalid(field))
            return None

    return apply


def absolute_url(href, loader_context):
    """Resolve a possibly relative link against the page it was found on."""
    return loader_context["response"].urljoin(href)


class ResolvedOnceLoader(ItemLoader):
    """An ItemLoader that looks each field's input and output processor up once per loader
    class, not on every value added: the lookup (the ``<field>_in`` attribute, else the
    item field's metadata through a new ``ItemAdapter``) cost as much as the processing
    itself on a detail page. Processors are class attributes here, so the answer is the
    same for every loader of a class."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._resolved = {}

    def get_input_processor(self, field_name):
        key = (field_name, "in")
        if key not in self._resolved:
            self._resolved[key] = super().get_input_processor(field_name)
        return self._resolved[key]

    def get_output_processor(self, field_name):
        key = (field_name, "out")
        if key not in self._resolved:
            self._resolved[key] = super().get_output_processor(field_name)
        return self._resolved[key]


class TextLoader(ResolvedOnceLoader):
    """An ItemLoader that can add the whole text of an element (``page_text``: ``::text``
    would miss a company name wrapped in a link)."""

    def add_text(self, field, css):
        """The page text of the first element ``css`` matches (for the loader's selector)."""
        for node in compiled_css(css)(self.selector.root)[:1]:
            self.add_value(field, page_text(node))


@functools.cache
def compiled_css(css):
    """``css`` as a compiled XPath, the expression parsel would evaluate for it, built once
    per expression (parsel also wraps every node found in a new Selector)."""
    return etree.XPath(css2xpath(css))


class ProductRefLoader(TextLoader):
    """Loads a listing card."""

    default_item_class = ProductRef
    default_input_processor = MapCompose(normalize.clean_text)
    url_in = MapCompose(normalize.clean_text, absolute_url, normalize.canonical_url)
    page_id_in = Identity()
    index_in_page_in = Identity()
    certificate_id_in = MapCompose(
        normalize.clean_text, normalize.strip_certificate_label, normalize.clean_text
    )


class ProductDetailLoader(TextLoader):
    """Loads a detail page; ``add_labelled`` routes a label/value pair to its field."""

    default_item_class = ProductDetail
    default_input_processor = MapCompose(normalize.clean_text)
    page_id_in = Identity()
    index_in_page_in = Identity()
    vid_in = MapCompose(normalize.clean_text, lenient(normalize.parse_hex_id, "vid"))
    pid_in = MapCompose(normalize.clean_text, lenient(normalize.parse_hex_id, "pid"))
    certification_date_in = MapCompose(
        normalize.clean_text, lenient(normalize.parse_date, "certification_date")
    )
    tis_trp_tested_in = MapCompose(
        normalize.clean_text, lenient(normalize.parse_yes_no, "tis_trp_tested")
    )
    primary_device_type_id_in = MapCompose(
        normalize.clean_text,
        lenient(normalize.parse_device_type_ids, "primary_device_type_id"),
    )
    compliance_document_url_in = MapCompose(normalize.clean_text, absolute_url)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.shown = {}  # field -> the text of its first labelled value, for conflict warnings

    def add_labelled(self, label, text, link=None):
        """Add the value shown under ``label`` (its link, for the compliance document).

        Labels we do not store are ignored. A field already filled by an earlier label (the
        spans, then the certificates table) keeps its first value; a later one that differs
        is a conflict: warned about with both values and counted, never silently dropped.
        """
        field = detail_field_for(label)
        if field is None:
            return None
        shown = link if field == "compliance_document_url" else text
        had = len(self.get_collected_values(field))
        self.add_value(field, shown)
        collected = self.get_collected_values(field)
        if not had:
            self.shown[field] = shown
        elif len(collected) > had and collected[had] != collected[0]:
            self.warn_conflict(field, self.shown[field], shown)
        return field

    def warn_conflict(self, field, kept, other):
        response = self.context.get("response")
        logger.warning(
            "Conflicting %s on %s: kept %r, the page also shows %r",
            field,
            getattr(response, "url", "?"),
            normalize.clean_text(kept),
            normalize.clean_text(other),
        )
        spider = self.context.get("spider")
        if spider is not None:
            spider.crawler.stats.inc_value(stat_keys.conflict(field))


# DCL vendor record keys and the column each fills; ``creator`` is not stored.
DCL_VENDOR_KEYS = {
    "vendorID": "vendor_id",
    "vendorName": "vendor_name",
    "companyLegalName": "company_legal_name",
    "companyPreferredName": "company_preferred_name",
    "vendorLandingPageURL": "vendor_landing_page_url",
}


def json_value_in(rule, field):
    """Input processor for one JSON value: a value of the wrong type is warned about,
    counted and left out, never coerced."""
    return MapCompose(lenient(rule, field))


class JsonRecordLoader(ResolvedOnceLoader):
    """Loads one DCL JSON record; ``add_record`` maps the ledger's names (``record_keys``)
    to ours.

    JSON values keep their JSON meaning: only ``null``, ``""`` or a missing key is missing
    (the site's HTML markers such as ``None`` are names here), and a value of the wrong
    type (a string where an integer belongs, a number for a name) is refused. A record
    left without its key cannot be stored: the spider refuses it.
    """

    record_keys = {}

    def __init__(self, response=None, spider=None):
        # The response only names the page in warnings: giving it to ItemLoader would parse
        # the whole page again for every record (a JSON selector).
        super().__init__(spider=spider)
        self.context["response"] = response

    def add_record(self, record):
        for key, field in self.record_keys.items():
            # Wrapped: a JSON list is one value (history, or a refused name), not several.
            self.add_value(field, [record.get(key)])


class VendorLoader(JsonRecordLoader):
    """Loads one DCL ``vendorInfo`` record."""

    default_item_class = Vendor
    record_keys = DCL_VENDOR_KEYS
    vendor_id_in = json_value_in(normalize.json_id, "vendor_id")
    vendor_name_in = json_value_in(normalize.json_text, "vendor_name")
    company_legal_name_in = json_value_in(normalize.json_text, "company_legal_name")
    company_preferred_name_in = json_value_in(normalize.json_text, "company_preferred_name")
    vendor_landing_page_url_in = json_value_in(normalize.json_text, "vendor_landing_page_url")


# DCL model record keys (``/dcl/model/models``) and the column each fills; the commissioning hints
# and instructions, lsf and maintenance URLs and ``creator`` are not stored.
DCL_MODEL_KEYS = {
    "vid": "vid",
    "pid": "pid",
    "deviceTypeId": "device_type_id",
    "productName": "product_name",
    "productLabel": "product_label",
    "partNumber": "part_number",
    "productUrl": "product_url",
    "supportUrl": "support_url",
    "userManualUrl": "user_manual_url",
    "commissioningCustomFlow": "commissioning_custom_flow",
    "commissioningCustomFlowUrl": "commissioning_custom_flow_url",
    "schemaVersion": "schema_version",
}


class DclModelLoader(JsonRecordLoader):
    """Loads one DCL ``model`` record: ids and counts JSON integers, text trimmed."""

    default_item_class = DclModel
    record_keys = DCL_MODEL_KEYS
    vid_in = json_value_in(normalize.json_id, "vid")
    pid_in = json_value_in(normalize.json_id, "pid")
    device_type_id_in = json_value_in(normalize.json_integer, "device_type_id")
    commissioning_custom_flow_in = json_value_in(
        normalize.json_integer, "commissioning_custom_flow"
    )
    schema_version_in = json_value_in(normalize.json_integer, "schema_version")
    product_name_in = json_value_in(normalize.json_text, "product_name")
    product_label_in = json_value_in(normalize.json_text, "product_label")
    part_number_in = json_value_in(normalize.json_text, "part_number")
    product_url_in = json_value_in(normalize.json_text, "product_url")
    support_url_in = json_value_in(normalize.json_text, "support_url")
    user_manual_url_in = json_value_in(normalize.json_text, "user_manual_url")
    commissioning_custom_flow_url_in = json_value_in(
        normalize.json_text, "commissioning_custom_flow_url"
    )


# DCL compliance record keys and the column each fills; the platform, transport and
# program details are not stored.
DCL_COMPLIANCE_KEYS = {
    "vid": "vid",
    "pid": "pid",
    "softwareVersion": "software_version",
    "softwareVersionString": "software_version_string",
    "certificationType": "certification_type",
    "cDCertificateId": "certificate_id",
    "cDVersionNumber": "cd_version_number",
    "softwareVersionCertificationStatus": "status",
    "date": "certification_date",
    "reason": "reason",
    "history": "history",
}


class DclComplianceLoader(JsonRecordLoader):
    """Loads one DCL ``complianceInfo`` record: the status code as its name, the date as
    an ISO date, the history as JSON text."""

    default_item_class = DclCompliance
    record_keys = DCL_COMPLIANCE_KEYS
    vid_in = json_value_in(normalize.json_id, "vid")
    pid_in = json_value_in(normalize.json_id, "pid")
    software_version_in = json_value_in(normalize.json_integer, "software_version")
    cd_version_number_in = json_value_in(normalize.json_integer, "cd_version_number")
    status_in = json_value_in(normalize.json_status, "status")
    certification_date_in = json_value_in(normalize.json_date, "certification_date")
    history_in = json_value_in(normalize.json_list, "history")
    software_version_string_in = json_value_in(normalize.json_text, "software_version_string")
    certification_type_in = json_value_in(normalize.json_text, "certification_type")
    certificate_id_in = json_value_in(normalize.json_text, "certificate_id")
    reason_in = json_value_in(normalize.json_text, "reason")
