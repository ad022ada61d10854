"""Products that moved to a new address (a renamed slug, which WordPress answers with a 301
from the old one): the product's row follows it, with its ``created_at``, its details and its
dead letter, and a ``product_changes`` row (field ``url``) says where it went, instead of a
new product and a delisted orphan."""

from collections import defaultdict

from peewee import JOIN

from matter_certis.db.models import (
    TIMESTAMP_COLUMNS,
    FailedRequest,
    Product,
    ProductChange,
    ProductDetail,
    utc_now,
)
from matter_certis.db.products import shown
from matter_certis.db.store import POSITION_COLUMNS, align_detail_slots

# What a moved product's two detail rows may differ in without the product changing.
UNCOMPARED = POSITION_COLUMNS | TIMESTAMP_COLUMNS | {"url"}


def renamed_products(listed_urls):
    """``(old url, new url)`` of each stored product the listing no longer shows whose
    certificate id (non-empty, as shown) the card of one product stored after it now has.
    A certificate id that two products left, or two listed products share, proves nothing
    (a family's products may share one) and is left alone. ``listed_urls`` is a set.

    Rows are read one at a time and only the products that left are kept, then those
    listed that share their ids (a second read, when any left): holding every stored
    product to group them was the peak of a large crawl's memory."""
    gone = defaultdict(list)
    for created_at, url, key in _shown_certificate_ids():
        if url not in listed_urls:
            gone[key].append((created_at, url))
    shown_now = defaultdict(list)
    if gone:
        for created_at, url, key in _shown_certificate_ids():
            if key in gone and url in listed_urls:
                shown_now[key].append((created_at, url))
    pairs = []
    for key, left in gone.items():
        now = shown_now.get(key, [])
        if len(left) == 1 and len(now) == 1 and now[0][0] > left[0][0]:
            pairs.append((left[0][1], now[0][1]))
    return sorted(pairs)


def _shown_certificate_ids():
    """``(created_at, url, certificate id as matched)`` of each stored listed product that
    shows a certificate id."""
    query = (
        Product.select(Product.url, Product.created_at, shown("certificate_id"))
        .join(ProductDetail, JOIN.LEFT_OUTER, on=(ProductDetail.url == Product.url))
        .where(Product.listed())
        .tuples()
    )
    for url, created_at, certificate_id in query.iterator():
        key = (certificate_id or "").strip().lower()
        if key:
            yield created_at, url, key


def move_product(old_url, new_url, session_id):
    """The product stored at ``old_url`` is the one at ``new_url``: one row at ``new_url``
    keeps the older ``created_at``, the newer card's values (else the old row's) and the
    details (the new address's, each value that differs from the old one's recorded, else
    the old one's); the dead letter follows unless the new address has its own. Returns
    False when nothing is stored at ``old_url``. Call inside a transaction."""
    old = Product.select().where(Product.url == old_url).dicts().first()
    if old is None:
        return False
    now = utc_now()
    new = Product.select().where(Product.url == new_url).dicts().first()
    if new is None:
        Product.insert(
            {**old, "url": new_url, "page_id": None, "index_in_page": None, "updated_at": now}
        ).execute()
        new = {**old, "page_id": None, "index_in_page": None}
    old_details, new_details = (
        ProductDetail.select().where(ProductDetail.url == url).dicts().first()
        for url in (old_url, new_url)
    )
    changes = [("url", old_url, new_url)]
    if new_details is not None:
        if old_details is not None:
            changes += [
                (name, value, new_details[name])
                for name, value in old_details.items()
                if name not in UNCOMPARED and value != new_details[name]
            ]
        ProductDetail.delete().where(ProductDetail.url == old_url).execute()
    else:
        ProductDetail.update(url=new_url).where(ProductDetail.url == old_url).execute()
    if FailedRequest.select().where(FailedRequest.url == new_url).exists():
        FailedRequest.delete().where(FailedRequest.url == old_url).execute()
    else:
        FailedRequest.update(url=new_url).where(FailedRequest.url == old_url).execute()
    Product.delete().where(Product.url == old_url).execute()
    slot = {"page_id": new["page_id"], "index_in_page": new["index_in_page"]}
    if None in slot.values():
        slot = {"page_id": old["page_id"], "index_in_page": old["index_in_page"]}
    Product.update(
        created_at=min(old["created_at"], new["created_at"]),
        updated_at=now,
        delisted_at=None,
        **slot,
    ).where(Product.url == new_url).execute()
    align_detail_slots([new_url])
    ProductChange.update(url=new_url).where(ProductChange.url == old_url).execute()
    ProductChange.insert_many(
        [
            {
                "url": new_url,
                "field": name,
                "old_value": None if before is None else str(before),
                "new_value": None if after is None else str(after),
                "session_id": session_id,
                "detected_at": now,
            }
            for name, before, after in changes
        ]
    ).execute()
    return True
