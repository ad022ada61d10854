"""Markup drift: a field the database has for most products comes back empty on most pages
of a run (the site changed its theme). The run then says ``degraded`` and names the field,
and stored values are kept rather than overwritten with NULL.

Spidermon's field coverage counts only what this run scraped; the judgement needs the
database's coverage before the run as the baseline, so it lives here.
"""

from peewee import fn

from matter_certis.db.models import TIMESTAMP_COLUMNS, Product, ProductDetail

#: Detail columns whose coverage is watched (keys and positions are always there).
WATCHED = tuple(
    name
    for name in ProductDetail._meta.sorted_field_names
    if name not in {"url", "page_id", "index_in_page", *TIMESTAMP_COLUMNS}
)
#: The database has the field for at least this share of its products...
USUAL_SHARE = 0.8
#: ...and this run found it on at most this share of the pages it read...
DRIFT_SHARE = 0.2
#: ...out of at least this many pages (fewer say nothing).
MIN_PAGES = 20


class FieldCoverage:
    """How often each watched field has a value: in the database before the run (the
    baseline), and in the detail rows this run has written so far."""

    def __init__(self, baseline):
        self.baseline = baseline  # {field: share of stored listed products with a value}
        self.pages = 0
        self.filled = dict.fromkeys(WATCHED, 0)

    @classmethod
    def from_database(cls):
        """The baseline: one query over the listed products' stored details."""
        columns = [fn.COUNT(getattr(ProductDetail, name)) for name in WATCHED]
        query = (
            ProductDetail.select(fn.COUNT(ProductDetail.url), *columns)
            .join(Product, on=(Product.url == ProductDetail.url))
            .where(Product.listed())
        )
        total, *counts = query.tuples().get()
        if total < MIN_PAGES:
            return cls({})
        return cls({name: count / total for name, count in zip(WATCHED, counts)})

    def observe(self, rows):
        for row in rows:
            self.pages += 1
            for name in WATCHED:
                if row.get(name) is not None:
                    self.filled[name] += 1

    def drifting(self):
        """Fields usually there that this run has found empty on most pages so far."""
        if self.pages < MIN_PAGES:
            return []
        return [
            name
            for name, share in self.baseline.items()
            if share >= USUAL_SHARE and self.filled[name] / self.pages <= DRIFT_SHARE
        ]

    def describe(self, name):
        return (
            f"{name} (found on {self.filled[name]} of {self.pages} pages, the database "
            f"has it for {self.baseline[name]:.0%} of its products)"
        )
