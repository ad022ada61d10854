"""Markup drift: the site changes its theme and a field stops showing on the pages that had
it. The run then says ``degraded`` and names the field, and stored values are kept rather
than overwritten with NULL.

A field is judged against the products that had it: of the products whose detail pages
this run re-read and whose stored row had a value of the field, most came back without it.
So a field only some products have (Application Categories) is seen drifting as surely as
one every product has. Spidermon's field coverage counts only what this run scraped; the
judgement needs what the database held before the run, so it lives here.
"""

from matter_certis.db.models import TIMESTAMP_COLUMNS, ProductDetail

#: Detail columns that are watched (keys and positions are always there).
WATCHED = tuple(
    name
    for name in ProductDetail._meta.sorted_field_names
    if name not in {"url", "page_id", "index_in_page", *TIMESTAMP_COLUMNS}
)
#: At least this share of the re-read products that had the field came back without it...
LOST_SHARE = 0.8
#: ...out of at least this many such products (fewer say nothing).
MIN_PRODUCTS = 20


class FieldCoverage:
    """Which watched fields each stored product had before the run, and how many of the
    products this run re-read kept or lost each of them."""

    def __init__(self, stored):
        self.stored = stored  # {url: frozenset of the watched fields it has a value for}
        self.had = dict.fromkeys(WATCHED, 0)
        self.lost = dict.fromkeys(WATCHED, 0)
        self.seen = set()  # a product re-read twice counts once

    @classmethod
    def from_database(cls):
        """One query, which reads whether each value is there, never the values."""
        present = [getattr(ProductDetail, name).is_null(False) for name in WATCHED]
        shared = {}  # most products have one of a few sets of fields: keep each set once
        stored = {}
        for url, *flags in ProductDetail.select(ProductDetail.url, *present).tuples().iterator():
            fields = frozenset(name for name, flag in zip(WATCHED, flags) if flag)
            stored[url] = shared.setdefault(fields, fields)
        return cls(stored)

    def observe(self, rows):
        """Detail rows this run read (before they are written)."""
        for row in rows:
            had = self.stored.get(row["url"])
            if not had or row["url"] in self.seen:
                continue
            self.seen.add(row["url"])
            for name in had:
                self.had[name] += 1
                self.lost[name] += row.get(name) is None

    def undecided_loss(self, row):
        """Whether the row would overwrite a stored value with NULL in a field not judged
        yet (fewer than ``MIN_PRODUCTS`` re-read products had it): such a row waits until
        the field is judged, or the run ends, so no value is lost before its drift is seen."""
        return any(
            row.get(name) is None and self.had[name] < MIN_PRODUCTS
            for name in self.stored.get(row["url"], ())
        )

    def drifting(self):
        """Fields most re-read products that had them have lost so far."""
        return [
            name
            for name in WATCHED
            if self.had[name] >= MIN_PRODUCTS and self.lost[name] >= LOST_SHARE * self.had[name]
        ]

    def describe(self, name):
        return (
            f"{name} (missing on {self.lost[name]} of the {self.had[name]} products re-read "
            "that had it)"
        )
