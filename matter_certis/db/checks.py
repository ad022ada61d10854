"""The integrity checks of ``dbcheck``: what is wrong in the database, where, and what to do
about it."""

from dataclasses import dataclass

from peewee import JOIN, fn

from matter_certis.db import analysis
from matter_certis.db.models import FailedRequest, Product, ProductDetail


@dataclass
class Problem:
    """One integrity check of ``dbcheck``: what is wrong (``count``: 0 when nothing), where,
    and what to do about it. ``figure`` is the number its line shows when that is not the
    count (``products stored: 60``, a check that fails at 0)."""

    name: str
    count: int
    examples: list
    advice: str
    figure: int | None = None

    @property
    def shown(self):
        return self.count if self.figure is None else self.figure


def stale(verifications):
    """The freshness check: stored facts last verified more than two max ages ago (every
    incremental run verifies the oldest first, so the schedule has stopped or falls short)."""
    examples = [
        f"{kind.long_past} {kind.name} last verified more than {2 * kind.max_age} ago "
        f"(the oldest: {kind.oldest:%Y-%m-%d %H:%M} UTC)"
        for kind in verifications
        if kind.long_past
    ]
    return Problem(
        "verified more than two max ages ago",
        sum(kind.long_past for kind in verifications),
        examples,
        "run `scrapy crawl matter_products` (incremental runs verify the oldest first) and "
        "check that the scheduled syncs run; MATTER_LISTING_MAX_AGE and "
        "MATTER_DETAIL_MAX_AGE set the ages",
    )


def problems():
    """Every integrity check, whether it found something (``count``) or not."""
    duplicate_slots = list(
        analysis.listed_products()
        .select(Product.page_id, Product.index_in_page, fn.COUNT(Product.url))
        .where(Product.page_id.is_null(False) & Product.index_in_page.is_null(False))
        .group_by(Product.page_id, Product.index_in_page)
        .having(fn.COUNT(Product.url) > 1)
        .tuples()
    )
    orphans = [
        url
        for (url,) in ProductDetail.select(ProductDetail.url)
        .join(Product, JOIN.LEFT_OUTER, on=(Product.url == ProductDetail.url))
        .where(Product.url.is_null())
        .tuples()
    ]
    lacking = [ref["url"] for ref in analysis.products_without_details()]
    letters = FailedRequest.select(
        FailedRequest.url, FailedRequest.kind, FailedRequest.error_type, FailedRequest.error_message
    ).tuples()
    failed, refused = [], []
    for url, kind, error, message in letters:
        if kind in ("list", "detail"):
            failed.append(f"{url} ({kind}: {error})")
        else:
            refused.append(f"{url} ({kind}: {message})")
    stale = [
        url
        for (url,) in Product.select(Product.url)
        .where(
            Product.delisted_at.is_null(False)
            & (Product.page_id.is_null(False) | Product.index_in_page.is_null(False))
        )
        .tuples()
    ]
    stored = Product.select().count()
    return [
        Problem(
            "products stored",
            0 if stored else 1,
            [] if stored else ["the products table is empty"],
            "check that DATABASE_URL names your database, or run "
            "`scrapy crawl matter_products` to fill it",
            figure=stored,
        ),
        Problem(
            "duplicate slots",
            len(duplicate_slots),
            [f"page_id {p}, index_in_page {i}: {n} products" for p, i, n in duplicate_slots],
            "the unique slot index is missing: set page_id and index_in_page to NULL for "
            "the products holding these slots, then run `scrapy crawl matter_products "
            "-a mode=full`, which gives each its slot back and restores the index",
        ),
        Problem(
            "details without products",
            len(orphans),
            orphans,
            "run `scrapy crawl matter_products -a mode=full` to store their listing cards; "
            "delete the rows still orphaned afterwards (the site no longer lists them)",
        ),
        Problem(
            "listed products without details",
            len(lacking),
            lacking,
            "run `scrapy crawl matter_products`: an incremental run fetches them",
        ),
        Problem(
            "failed requests",
            len(failed),
            failed,
            "run `scrapy crawl matter_products` again (it retries them first); if they "
            "keep failing, read `error_message` in the failed_requests table",
        ),
        Problem(
            "refused ledger records",
            len(refused),
            refused,
            "the ledger answered these records with values of the wrong type (or a key twice); "
            "what was stored for them is kept: run the named `scrapy crawl dcl_...` again "
            "later, a complete walk settles them",
        ),
        Problem(
            "stale delisted rows",
            len(stale),
            stale,
            "delisted products must give up their slot: run `scrapy crawl matter_products "
            "-a mode=full`, or set their page_id and index_in_page to NULL",
        ),
    ]
