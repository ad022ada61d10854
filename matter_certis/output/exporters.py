"""Feed exporters for people who open files in a spreadsheet, and the addon that makes every
feed hold one row per product (or vendor).

The CSV and XLSX exporters neutralise formula injection: a product page is written by
whoever certifies the product, and a cell such as ``=HYPERLINK(...)`` must reach Excel as
text, not as a formula. XLSX cells and XML elements hold only what XML can
(``characters.xml_text``).
"""

import io
import logging
from collections.abc import Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import urlparse

from scrapy import signals
from scrapy.exporters import (
    BaseItemExporter,
    CsvItemExporter,
    JsonItemExporter,
    XmlItemExporter,
)
from scrapy.utils.misc import load_object

from matter_certis.output.characters import xml_text

logger = logging.getLogger(__name__)

# OWASP "CSV Injection": cells starting with these are run as formulas by spreadsheets.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
LIST_SEPARATOR = "; "
# The items that are rows of a feed; the spiders' other items (product refs, request
# failures) only feed the database.
ROW_ITEMS = ("matter_certis.items.ProductDetail", "matter_certis.items.Vendor")
# The formats the db commands write (README): Scrapy's others (xml, pickle, marshal, and
# jsonl's other names) stay for feeds only.
EXPORT_FORMATS = ("csv", "json", "jsonl", "xlsx")


def neutralise_formula(value):
    """A text cell that a spreadsheet would run as a formula, prefixed with ``'`` so it is
    shown as text (OWASP's advice); every other value unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def join_list(value):
    """A list (application categories) as one readable cell."""
    if isinstance(value, (list, tuple)):
        return LIST_SEPARATOR.join(map(str, value))
    return value


class CsvExporter(CsvItemExporter):
    """Scrapy's CSV exporter, with lists joined by ``; `` and formulas neutralised; the header
    is written even when no row is (given the fields to export)."""

    def __init__(self, file, join_multivalued=LIST_SEPARATOR, **kwargs):
        super().__init__(file, join_multivalued=join_multivalued, **kwargs)
        self.rows_exported = False  # Scrapy's CSV exporter writes the header with a first row

    def serialize_field(self, field, name, value):
        return neutralise_formula(super().serialize_field(field, name, value))

    def export_item(self, item):
        self.rows_exported = True
        super().export_item(item)

    def finish_exporting(self):
        if not self.rows_exported and self.include_headers_line and self.fields_to_export:
            self.csv_writer.writerow(column_names(self.fields_to_export))
        super().finish_exporting()


class JsonExporter(JsonItemExporter):
    """Scrapy's JSON exporter, an empty list written ``[]`` (Scrapy's, indented, is
    ``[`` and ``]`` two lines apart)."""

    def start_exporting(self):
        self.file.write(b"[")

    def export_item(self, item):
        if self.first_item and self.indent is not None:
            self.file.write(b"\n")
        super().export_item(item)

    def finish_exporting(self):
        if not self.first_item and self.indent is not None:
            self.file.write(b"\n")
        self.file.write(b"]")


class XmlExporter(XmlItemExporter):
    """Scrapy's XML exporter (``-O products.xml``), its text holding only what XML can."""

    def serialize_field(self, field, name, value):
        return xml_values(super().serialize_field(field, name, value))


def xml_values(value):
    """``xml_text`` of a value, and of the values of a list or mapping in it."""
    if isinstance(value, Mapping):
        return {name: xml_values(inner) for name, inner in value.items()}
    if isinstance(value, (list, tuple)):
        return [xml_values(inner) for inner in value]
    return xml_text(value)


class XlsxExporter(BaseItemExporter):
    """One worksheet (openpyxl) people can work in: a bold header frozen above the rows, with
    an auto-filter; columns as wide as their content (at most ``XLSX_MAX_WIDTH``); ISO dates
    of ``*_date`` fields as date cells, timestamps as date-time cells (UTC); links clickable;
    numbers and booleans typed; lists joined by ``; ``; formulas neutralised. Rows are kept
    until the end, when the column widths are known; the header is written even when no row
    is (given the fields to export)."""

    def __init__(self, file, **kwargs):
        super().__init__(dont_fail=True, **kwargs)
        self.file = file
        self.header = column_names(self.fields_to_export) if self.fields_to_export else None
        self.rows = []

    def serialize_field(self, field, name, value):
        value = super().serialize_field(field, name, value)
        return xml_text(neutralise_formula(join_list(spreadsheet_value(name, value))))

    def export_item(self, item):
        cells = list(self.get_serialized_fields(item, include_empty=True))
        if self.header is None:
            self.header = [name for name, _ in cells]
        self.rows.append([value for _, value in cells])

    def finish_exporting(self):
        from openpyxl import Workbook  # here: every crawl loads this module, few write XLSX
        from openpyxl.styles import Font
        from openpyxl.utils import get_column_letter

        workbook = Workbook()
        sheet = workbook.active
        sheet.title = "matter-certis"
        header = self.header or []
        sheet.append(header)
        for row in self.rows:
            sheet.append(row)
        for column, name in enumerate(header, start=1):
            cells = [sheet.cell(row, column) for row in range(1, len(self.rows) + 2)]
            cells[0].font = Font(bold=True)
            for cell in cells[1:]:
                style_cell(cell, name)
            # The header's filter button takes about two characters.
            width = max([len(name) + 2, *(len(shown_text(cell.value)) for cell in cells[1:])])
            sheet.column_dimensions[get_column_letter(column)].width = min(
                width + 1, XLSX_MAX_WIDTH
            )
        if header:
            sheet.freeze_panes = "A2"
            sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{len(self.rows) + 1}"
        # Zipped in memory, then written: openpyxl leaves a zip that failed to write (a full
        # disk) unclosed, and its finaliser prints a traceback at exit.
        zipped = io.BytesIO()
        workbook.save(zipped)
        self.file.write(zipped.getvalue())


#: Column widths in characters: no wider, long descriptions wrap in the formula bar instead.
XLSX_MAX_WIDTH = 60
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"


def column_names(fields_to_export):
    """The header of ``fields_to_export`` (a list of fields, or fields mapped to names)."""
    if isinstance(fields_to_export, Mapping):
        return list(fields_to_export.values())
    return list(fields_to_export)


def spreadsheet_value(name, value):
    """A cell's value typed for a spreadsheet: an ISO date in a ``*_date`` field is a date;
    a timestamp is a date-time in UTC without a zone (spreadsheets have none)."""
    if isinstance(value, str) and name.endswith("_date"):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def style_cell(cell, name):
    """Dates shown as dates, links of ``url`` and ``*_url`` fields clickable."""
    if isinstance(cell.value, datetime):
        cell.number_format = DATETIME_FORMAT
    elif isinstance(cell.value, date):
        cell.number_format = DATE_FORMAT
    elif (
        (name == "url" or name.endswith("_url"))
        and isinstance(cell.value, str)
        and (cell.value.startswith(("https://", "http://")))
    ):
        cell.hyperlink = cell.value
        cell.style = "Hyperlink"


def shown_text(value):
    """About what a cell shows, to size its column."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return "0000-00-00 00:00:00"
    if isinstance(value, date):
        return "0000-00-00"
    return max(str(value).splitlines() or [""], key=len)


class FeedRows:
    """Scrapy addon: a feed given with ``-o``/``-O`` (or in ``FEEDS``) keeps only row items,
    so the refs and details of one product do not make two kinds of rows, and shows every
    field (``null`` in JSON when the page had no value). The rows are of the spider's
    ``item_class`` (a CSV or XLSX feed then has its header even when the run adds no row),
    else of ``ROW_ITEMS``. A feed's own options win.

    An incremental run's feed holds only the products it fetched: the log says how many,
    and that ``scrapy dbexport`` writes all of them."""

    def __init__(self, crawler):
        self.crawler = crawler
        crawler.signals.connect(self.feed_slot_closed, signal=signals.feed_slot_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def update_settings(self, settings):
        feeds = settings.getdict("FEEDS")
        if not feeds:
            return
        defaults = {
            "item_classes": list(ROW_ITEMS),
            "item_export_kwargs": {"export_empty_fields": True},
        }
        row_item = getattr(self.crawler.spidercls, "item_class", None)
        if row_item is not None:
            defaults["item_classes"] = [row_item]
            if not settings.get("FEED_EXPORT_FIELDS"):
                defaults["fields"] = list(row_item.fields)
        settings.set(
            "FEEDS",
            {uri: {**defaults, **dict(options)} for uri, options in feeds.items()},
            priority=settings.getpriority("FEEDS"),
        )

    def feed_slot_closed(self, slot):
        if getattr(self.crawler.spider, "mode", None) != "incremental":
            return
        logger.info(
            "The feed %s holds the %d products this incremental run fetched (new, or "
            "missing details); `scrapy dbexport %s` writes every listed product",
            slot.uri,
            slot.itemcount,
            slot.uri if "://" not in slot.uri else Path(urlparse(slot.uri).path).name,
        )


def exporter_for(settings, feed_format):
    """The exporter class the project uses for ``feed_format``, one of ``EXPORT_FORMATS``."""
    exporters = settings.getwithbase("FEED_EXPORTERS")
    if feed_format not in EXPORT_FORMATS or not exporters.get(feed_format):
        raise ValueError(f"unknown format {feed_format!r}: use one of {', '.join(EXPORT_FORMATS)}")
    return load_object(exporters[feed_format])
