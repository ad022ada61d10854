"""Database analysis: what the local database lacks, so a sync fetches only that."""

from peewee import JOIN

from matter_certis.db.models import FailedRequest, Product, ProductDetail
from matter_certis.listing.positions import PAGE_SIZE, physical_page


def listed_products():
    return Product.select().where(Product.listed())


def listed_urls():
    return {url for (url,) in listed_products().select(Product.url).tuples()}


def listed_slots():
    """url -> slot (counted from the oldest) of every listed product that has one."""
    return {
        url: page_id * PAGE_SIZE + index_in_page
        for url, page_id, index_in_page in listed_products()
        .select(Product.url, Product.page_id, Product.index_in_page)
        .where(Product.page_id.is_null(False) & Product.index_in_page.is_null(False))
        .tuples()
    }


def products_without_slots():
    """Listed products the database cannot place: a run found their slot held by another
    product and did not see them elsewhere (they moved, or left the listing)."""
    return (
        listed_products().where(Product.page_id.is_null() | Product.index_in_page.is_null()).count()
    )


def missing_slots(total):
    """Slots (from the oldest) of a listing of ``total`` products that no listed product fills."""
    return set(range(total)) - set(listed_slots().values())


def pages_with_missing_slots(total):
    """Physical listing pages (1-based) holding a slot that no stored, listed product fills.

    Slots are counted from the oldest product, so on a database that mirrors the site
    nothing is missing, and N new products make the first ceil(N/12) pages missing.
    """
    return sorted({physical_page(total, slot) for slot in missing_slots(total)})


def oldest_product_url():
    """The url of the listed product at slot (0, 0), the oldest, or ``None``."""
    return (
        listed_products()
        .select(Product.url)
        .where((Product.page_id == 0) & (Product.index_in_page == 0))
        .scalar()
    )


def _refs(query):
    return list(
        query.select(
            Product.url,
            Product.manufacturer,
            Product.model,
            Product.certificate_id,
            Product.page_id,
            Product.index_in_page,
        ).dicts()
    )


def products_without_details(total=None, pages=None):
    """Listed products whose detail page has never been stored, as product-ref dicts; with
    ``pages``, only those whose card is on one of these physical pages of ``total`` products
    (so that jobs over other page ranges, running at the same time, do not fetch them too)."""
    refs = _refs(
        listed_products()
        .join(ProductDetail, on=(ProductDetail.url == Product.url), join_type=JOIN.LEFT_OUTER)
        .where(ProductDetail.url.is_null())
    )
    if pages is None:
        return refs
    return [
        ref
        for ref in refs
        if ref["page_id"] is not None
        and physical_page(total, ref["page_id"] * PAGE_SIZE + ref["index_in_page"]) in pages
    ]


def failed_details():
    """Products whose detail request failed in an earlier run (the dead-letter list)."""
    return _refs(
        listed_products()
        .join(FailedRequest, on=(FailedRequest.url == Product.url))
        .where(FailedRequest.kind == "detail")
    )
