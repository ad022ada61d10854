"""Item loaders: every normalisation rule is applied here, as an input processor. This
module holds the loaders of the site's pages (listing cards, detail pages) and what every
loader shares (``lenient``, ``ResolvedOnceLoader``); ``dcl_loaders`` those of the DCL
ledger's JSON records.

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
from matter_certis.items import ProductDetail, ProductRef
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
NOT_PAGE_TEXT = ("script", "style")
_PAGE_TEXT = etree.XPath(".//text()[not(parent::script or parent::style)]")


def page_text(node):
    """The text of an element (a parsel ``Selector`` or an lxml element) as a reader sees
    it: links and markup inside it included, script and style content left out. An element
    with nothing inside but text (most of a page's labels and values) is its own text."""
    element = getattr(node, "root", node)
    if len(element) == 0 and isinstance(element.tag, str) and element.tag not in NOT_PAGE_TEXT:
        return element.text or ""
    return "".join(_PAGE_TEXT(element))


@functools.lru_cache(maxsize=1024)
def detail_field_for(label):
    """The item field a detail-page label fills, or ``None`` for labels we do not store.
    Remembered: every detail page shows the same few labels."""
    key = " ".join(label.split()).rstrip(":").strip().lower()
    return DETAIL_LABELS.get(key)


def lenient(rule, field):
    """Wrap a rule so that an ``InvalidValue`` is warned about and counted, never stored;
    once a page (its loader), though the page shows it twice (spans and table)."""

    def apply(value, loader_context):
        try:
            return rule(value)
        except InvalidValue as error:
            warned = loader_context.setdefault("warned", set())
            if (field, value) in warned:
                return None
            warned.add((field, value))
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

    def add_text(self, field, *css):
        """The page text of the first element each of ``css`` matches (for the loader's
        selector), tried in turn until the field has a value (it keeps its first)."""
        for expression in css:
            if self.get_collected_values(field):
                return
            for node in compiled_css(expression)(self.selector.root)[:1]:
                self.add_value(field, page_text(node))

    def add_missing(self, field, value):
        """``value`` for a field that has none yet (a single-valued field keeps its first)."""
        if not self.get_collected_values(field):
            self.add_value(field, value)


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
