"""How fresh the database's word is: when the listing's slots and the detail pages were last
verified against the site (``verified_at``), for ``dbstats`` and ``dbcheck``."""

from dataclasses import dataclass
from datetime import timedelta

from matter_certis.db import analysis
from matter_certis.db.models import Product, ProductDetail


@dataclass(frozen=True)
class Freshness:
    """One kind of stored fact: how many there are, the oldest verification, how many are
    past their max age (``past``), past it by more than one max age (``long_past``), and
    never verified (stored before ``verified_at`` existed)."""

    name: str
    max_age: timedelta
    count: int
    oldest: object
    past: int
    long_past: int
    never: int


def freshness(now, listing_max_age, detail_max_age):
    """The listed products' slots and their detail pages, each against its max age."""
    listed = analysis.listed_products()
    slots = listed.where(Product.page_id.is_null(False))
    details = (
        ProductDetail.select()
        .join(Product, on=(Product.url == ProductDetail.url))
        .where(Product.listed())
    )
    return [
        _judge("listing slots", slots, Product.verified_at, now, listing_max_age),
        _judge("detail pages", details, ProductDetail.verified_at, now, detail_max_age),
    ]


def _oldest(query, verified_at):
    first = (
        query.select(verified_at)
        .where(verified_at.is_null(False))
        .order_by(verified_at)
        .limit(1)
        .tuples()
        .first()
    )
    return first and first[0]


def _judge(name, query, verified_at, now, max_age):
    max_age = timedelta(seconds=max_age)

    def before(moment):
        return query.where(verified_at < moment).count()

    return Freshness(
        name,
        max_age,
        query.count(),
        _oldest(query, verified_at),
        before(now - max_age),
        before(now - 2 * max_age),
        query.where(verified_at.is_null()).count(),
    )
