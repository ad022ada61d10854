"""Database analysis: what the local database holds of the listing and lacks of it, so a
sync fetches only that (the planner, ``listing/planner.py``, decides from it)."""

import json

from peewee import JOIN, fn

from matter_certis.db.models import CrawlingResult, FailedRequest, Product, ProductDetail
from matter_certis.listing.positions import slot_of
from matter_certis.listing.stored import StoredListing, unfilled_slots


def listed_products():
    return Product.select().where(Product.listed())


def stored_listing(ages=False, every_slot=True):
    """The listed products' slots and urls, and those without details, as plain data; with
    ``ages``, also when each card was last seen at its slot, and the refs of those with
    details and when each detail was last read (for the first status check of an
    incremental run: which pages and details are due). Those are the largest part, a run's
    closing check and audit need none of them. Without ``every_slot``, only the oldest
    product's slot: all a status check after the first asks of them (its last page either
    ends with that product or is read twice). Every listed url is read again only when
    asked (``ListedUrls``)."""
    slots, verified = {}, {}
    for url, page_id, index_in_page, verified_at in (
        listed_products()
        .select(Product.url, Product.page_id, Product.index_in_page, Product.verified_at)
        .tuples()
        .iterator()  # peewee would also keep every row it returned
    ):
        if page_id is not None and index_in_page is not None:
            slot = slot_of(page_id, index_in_page)
            if every_slot or slot == 0:
                slots[url] = slot
            if ages:
                verified[url] = verified_at
    detail_refs, detail_verified = {}, {}
    with_details = listed_products().join(ProductDetail, on=(ProductDetail.url == Product.url))
    for ref in _refs(with_details, ProductDetail.verified_at) if ages else ():
        detail_verified[ref["url"]] = ref.pop("verified_at")
        detail_refs[ref["url"]] = ref
    return StoredListing(
        slots,
        ListedUrls(),
        tuple(products_without_details()),
        verified,
        detail_refs,
        detail_verified,
    )


class ListedUrls:
    """Every listed product's url, read from the database row by row each time it is
    iterated; its length is a count. What a status check asks of them is how many there
    are and, at the closing check, which the listing did not show: a frozenset of every
    url, read anew, was a large crawl's peak (8 MB RSS at 30,000 products)."""

    def __iter__(self):
        for (url,) in listed_products().select(Product.url).tuples().iterator():
            yield url

    def __len__(self):
        return listed_products().count()


class StoredSlots:
    """What a run's audit asks of the database (``listing.audit``), read row by row when
    asked: with a ``StoredListing``, holding every listed url anew, the audit's traced
    peak was 8 MB at 30,000 products, at the run's close (0.7 MB this way)."""

    def slot_rows(self):
        """``(url, slot)`` of each listed product that has a slot."""
        for url, page_id, index_in_page in (
            listed_products()
            .select(Product.url, Product.page_id, Product.index_in_page)
            .where(Product.page_id.is_null(False) & Product.index_in_page.is_null(False))
            .tuples()
            .iterator()
        ):
            yield url, slot_of(page_id, index_in_page)

    def missing_slots(self, total):
        return unfilled_slots((slot for _, slot in self.slot_rows()), total)

    def without_details(self):
        return products_without_details()


def on_ledger(model):
    """Rows of a ledger table still on the ledger: not ``removed_at`` (vendors: all)."""
    removed_at = getattr(model, "removed_at", None)
    query = model.select()
    return query if removed_at is None else query.where(removed_at.is_null())


def on_ledger_count(model):
    """How many rows of a ledger table are still on the ledger (``on_ledger``)."""
    return on_ledger(model).count()


def never_completed(spiders):
    """Those of ``spiders`` without a ``completed`` run over their whole source (for
    ``matter_products``, no page range): what the database holds of them is no complete
    picture."""
    completed = CrawlingResult.select(CrawlingResult.spider, CrawlingResult.config_snapshot).where(
        CrawlingResult.spider.in_(list(spiders)) & (CrawlingResult.status == "completed")
    )
    whole = {spider for spider, snapshot in completed.tuples() if not _page_range(snapshot)}
    return [spider for spider in spiders if spider not in whole]


def _page_range(snapshot):
    arguments = json.loads(snapshot or "{}").get("arguments") or {}
    return arguments.get("start_page") is not None or arguments.get("end_page") is not None


def last_run_start(spider):
    """When the latest earlier run of ``spider`` started, or ``None``."""
    return (
        CrawlingResult.select(fn.MAX(CrawlingResult.started_at))
        .where(CrawlingResult.spider == spider)
        .scalar()
    )


def _refs(query, *more):
    """Product-ref dicts of ``query``'s products (and ``more`` columns), read row by row:
    peewee would also keep every row it returned."""
    return list(
        query.select(
            Product.url,
            Product.manufacturer,
            Product.model,
            Product.certificate_id,
            Product.page_id,
            Product.index_in_page,
            *more,
        )
        .dicts()
        .iterator()
    )


def products_without_details():
    """Listed products whose detail page has never been stored, as product-ref dicts."""
    return _refs(
        listed_products()
        .join(ProductDetail, on=(ProductDetail.url == Product.url), join_type=JOIN.LEFT_OUTER)
        .where(ProductDetail.url.is_null())
    )


def failed_details():
    """Products whose detail request failed in an earlier run (the dead-letter list)."""
    return _refs(
        listed_products()
        .join(FailedRequest, on=(FailedRequest.url == Product.url))
        .where(FailedRequest.kind == "detail")
    )
