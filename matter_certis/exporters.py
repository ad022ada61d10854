"""Feed exporters for people who open files in a spreadsheet, and the addon that makes every
feed hold one row per product (or vendor).

The CSV and XLSX exporters neutralise formula injection: a product page is written by
whoever certifies the product, and a cell such as ``=HYPERLINK(...)`` must reach Excel as
text, not as a formula.
"""

from scrapy.exporters import BaseItemExporter, CsvItemExporter
from scrapy.utils.misc import load_object

# OWASP "CSV Injection": cells starting with these are run as formulas by spreadsheets.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
LIST_SEPARATOR = "; "
# The items that are rows of a feed; the spiders' other items (product refs, request
# failures) only feed the database.
ROW_ITEMS = ("matter_certis.items.ProductDetail", "matter_certis.items.Vendor")


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
    """Scrapy's CSV exporter, with lists joined by ``; `` and formulas neutralised."""

    def __init__(self, file, join_multivalued=LIST_SEPARATOR, **kwargs):
        super().__init__(file, join_multivalued=join_multivalued, **kwargs)

    def serialize_field(self, field, name, value):
        return neutralise_formula(super().serialize_field(field, name, value))


class XlsxExporter(BaseItemExporter):
    """One worksheet (openpyxl, write-only): a header row, then a row per item; numbers and
    booleans stay typed, lists are joined by ``; ``, formulas neutralised."""

    def __init__(self, file, **kwargs):
        super().__init__(dont_fail=True, **kwargs)
        self.file = file
        from openpyxl import Workbook  # here: every crawl loads this module, few write XLSX

        self.workbook = Workbook(write_only=True)
        self.sheet = self.workbook.create_sheet("matter-certis")
        self.header_written = False

    def serialize_field(self, field, name, value):
        return neutralise_formula(join_list(super().serialize_field(field, name, value)))

    def export_item(self, item):
        cells = list(self.get_serialized_fields(item, include_empty=True))
        if not self.header_written:
            self.sheet.append([name for name, _ in cells])
            self.header_written = True
        self.sheet.append([value for _, value in cells])

    def finish_exporting(self):
        self.workbook.save(self.file)


class FeedRows:
    """Scrapy addon: a feed given with ``-o``/``-O`` (or in ``FEEDS``) keeps only row items,
    so the refs and details of one product do not make two kinds of rows, and shows every
    field (``null`` in JSON when the page had no value). A feed's own options win."""

    def update_settings(self, settings):
        feeds = settings.getdict("FEEDS")
        if feeds:
            defaults = {
                "item_classes": list(ROW_ITEMS),
                "item_export_kwargs": {"export_empty_fields": True},
            }
            settings.set(
                "FEEDS",
                {uri: {**defaults, **dict(options)} for uri, options in feeds.items()},
                priority=settings.getpriority("FEEDS"),
            )


def exporter_for(settings, feed_format):
    """The exporter class the project uses for ``feed_format`` (``csv``, ``json``, ...)."""
    exporters = settings.getwithbase("FEED_EXPORTERS")
    if not exporters.get(feed_format):
        raise ValueError(f"unknown format {feed_format!r}: use one of {sorted(exporters)}")
    return load_object(exporters[feed_format])
