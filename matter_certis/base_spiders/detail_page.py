"""The detail side of ``matter_products``: a product page's fields, read with compiled XPath
on the lxml tree (the crawl's hot loop)."""

import re

from lxml import etree
from parsel.csstranslator import css2xpath

from matter_certis.items import ProductMove
from matter_certis.parsing import normalize, pages
from matter_certis.parsing.loaders import ProductDetailLoader, page_text

# Unicode spaces count as spaces wherever text is matched (the site pads text with them);
# XPath's normalize-space() alone only knows the ASCII ones.
UNICODE_SPACES = (
    "\u00a0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000"
)
UPPER_CASE = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def has_class(name):
    """XPath predicate: the element has class ``name``."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def first(results):
    """The first result of a compiled XPath, or ``None``."""
    return results[0] if results else None


def label_and_value(item):
    """The first ``span.label`` and the first ``span.value`` below a field's list item
    (either ``None`` when absent), found in one walk of its spans in lxml: a detail page
    asks it of every field (three XPath calls per field once cost a sixth of a page's
    parsing)."""
    label = value = None
    for span in item.iterdescendants("span"):
        classes = CLASS_SEPARATORS.split(span.get("class", ""))
        if label is None and "label" in classes:
            label = span
        if value is None and "value" in classes:
            value = span
        if label is not None and value is not None:
            break
    return label, value


def first_link(element):
    """The address of the first link below ``element`` (XPath ``.//a/@href``), or ``None``."""
    for link in element.iterdescendants("a"):
        href = link.get("href")
        if href is not None:
            return href
    return None


def text_as_matched(expression):
    """XPath: the text of ``expression``, whitespace collapsed and lower-cased."""
    return (
        f"normalize-space(translate({expression}, '{UPPER_CASE}{UNICODE_SPACES}', "
        f"'{UPPER_CASE.lower()}{' ' * len(UNICODE_SPACES)}'))"
    )


# Fields are list items anywhere below the details block, whatever the nesting.
DETAIL_FIELDS = etree.XPath(css2xpath("div.entry-product-details li"))
# What separates the names of an HTML class attribute (XPath's normalize-space: ASCII only).
CLASS_SEPARATORS = re.compile("[ \t\r\n]+")
# CSS ".product-certificates-table tr", asked from the rows: css2xpath's form tests the class
# of every element of the page first, four times the cost on a page without the table.
CERTIFICATES_TABLE_ROWS = etree.XPath(
    f"descendant-or-self::tr[ancestor::*[{has_class('product-certificates-table')}]]"
)
ROW_CELLS = etree.XPath("td")
APPLICATION_CATEGORIES = etree.XPath(
    f"//h3[{text_as_matched('.')}='application categories']/following-sibling::ul[1]/li"
)
COMPLIANCE_DOCUMENTS = etree.XPath(css2xpath("a[href$='.zip']") + "/@href")
# The live markup: the "By <company>" line after the title, then the description, then a
# "View All Products" link (the company's other products) that ends it. The first
# predicate only spares the costly match (a translate per element after the title, once a
# fifth of a detail page's parsing) on elements whose first text has no "b" at all.
VIEW_ALL_PRODUCTS = (
    f"a[contains(translate(., 'AL', 'al'), 'all')][{text_as_matched('.')}='view all products']"
)
# The company line needs the link after it: a page without one (the older markups) has none,
# and BY_LINE's walk of every element after the title (a sixth of such a page's reading) is
# spared. The link's first predicate spares the costly match on links without "all".
HAS_VIEW_ALL_PRODUCTS = etree.XPath(f"boolean(//{VIEW_ALL_PRODUCTS})")
BY_LINE = etree.XPath(
    "(//h1)[1]/following::*[contains(text()[1], 'b') or contains(text()[1], 'B')]"
    f"[starts-with(concat({text_as_matched('text()[1]')}, ' '), 'by ')]"
    f"[following::{VIEW_ALL_PRODUCTS}][1]"
)
ENDS_DESCRIPTION = etree.XPath(
    f"boolean(descendant-or-self::{VIEW_ALL_PRODUCTS} "
    f"or descendant-or-self::*[{has_class('entry-product-details')}])"
)
NOT_DESCRIPTION = etree.XPath(
    f"boolean(self::script or self::style or self::*[{has_class('entry-category')}])"
)
ENTRY_CONTENT_PARAGRAPHS = etree.XPath(css2xpath("div.entry-content p"))


class DetailPage:
    """Mixed into the spider: ``parse_detail``, the callback of every detail request; a
    page read makes room for the pending ones (``DetailRequests.released_details``)."""

    def parse_detail(self, response, ref):
        """A product page: labelled fields (spans or colon text), the certificates table,
        the categories, the description and the company line; the card fills what the page
        lacks. Labelled fields come first: a later one that disagrees is a warned conflict.
        A page answered from another product's address is dead-lettered, never stored under
        this product, unless it is this product renamed (``moved_address``)."""
        # The page check's selector: without it the loader parses the page a second time.
        page = pages.page_selector(response)
        loader = ProductDetailLoader(selector=page, response=response, spider=self)
        root = page.root
        loader.add_value("url", ref["url"])
        loader.add_value("page_id", ref["page_id"])
        loader.add_value("index_in_page", ref["index_in_page"])
        loader.add_text("model", "h1.entry-title", "h1")
        for item in DETAIL_FIELDS(root):
            label, value = label_and_value(item)
            if label is not None:  # <span class="label">Vendor ID</span><span class="value">...
                if value is not None:
                    loader.add_labelled(page_text(label), page_text(value), first_link(value))
            else:  # older markup: "Vendor ID: 0x1552"
                label, _, text = page_text(item).partition(":")
                loader.add_labelled(label, text, first_link(item))
        for row in CERTIFICATES_TABLE_ROWS(root):
            cells = ROW_CELLS(row)
            if len(cells) == 2:
                label, value = cells
                loader.add_labelled(page_text(label), page_text(value), first_link(value))
        loader.add_value(
            "application_categories", list(map(page_text, APPLICATION_CATEGORIES(root)))
        )
        by_line = first(BY_LINE(root)) if HAS_VIEW_ALL_PRODUCTS(root) else None
        if by_line is not None:
            loader.add_value("manufacturer", normalize.company_of_by_line(page_text(by_line)))
            loader.add_value("description", list(self.description_after(by_line)))
        else:
            loader.add_value("description", list(map(page_text, ENTRY_CONTENT_PARAGRAPHS(root))))
        loader.add_value("compliance_document_url", COMPLIANCE_DOCUMENTS(root))
        loader.add_missing("manufacturer", ref.get("manufacturer"))
        loader.add_missing("model", ref.get("model"))
        item = loader.load_item()
        moved_to = pages.redirected_to(ref["url"], response)
        if moved_to is None:
            yield item
        elif self.moved_address(ref, item, response):
            yield ProductMove(url=ref["url"], new_url=moved_to)
            item["url"] = moved_to
            yield item
        else:  # another product's page: its values are not this product's
            yield self.give_up(response, "detail", f"redirected to {moved_to}")
        yield from self.released_details()

    @staticmethod
    def moved_address(ref, item, response):
        """A stored product's page answered, for good (301 or 308), from another address
        that shows its own certificate id: the product was renamed, the page is its own."""
        stored_id, shown_id = (
            (value or "").strip().lower()
            for value in (ref.get("certificate_id"), item.get("certificate_id"))
        )
        return (
            response.meta.get("from_database", False)
            and pages.permanently_redirected(response)
            and stored_id != ""
            and stored_id == shown_id
        )

    @staticmethod
    def description_after(by_line):
        """The live markup's description: the text after the company line, a paragraph per
        element, up to the "View All Products" link (neither belongs to it)."""
        yield by_line.tail
        for sibling in by_line.itersiblings():
            if ENDS_DESCRIPTION(sibling):
                return
            if isinstance(sibling.tag, str) and not NOT_DESCRIPTION(sibling):
                yield page_text(sibling)
            yield sibling.tail
