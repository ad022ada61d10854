"""What the database holds of the listing, as plain data for the planner."""

from dataclasses import dataclass

from matter_certis.listing.positions import physical_page, slot_of


@dataclass(frozen=True)
class StoredListing:
    """The listed products when asked: ``slots`` (url -> slot, from the oldest) of those
    that have one, ``listed`` (every listed url), and ``lacking_details``: product refs
    (dicts with ``url``, ``manufacturer``, ``model``, ``certificate_id``, ``page_id``,
    ``index_in_page``) of those whose detail page was never stored."""

    slots: dict
    listed: frozenset
    lacking_details: tuple = ()

    @property
    def oldest(self):
        """The url at slot (0, 0), the oldest product, or ``None``."""
        return next((url for url, slot in self.slots.items() if slot == 0), None)

    @property
    def unplaced(self):
        """How many listed products have no slot: a run found it held by another product
        and did not see them elsewhere (they moved, or left the listing)."""
        return len(self.listed) - len(self.slots)

    def missing_slots(self, total):
        """Slots of a listing of ``total`` products that no listed product fills."""
        return set(range(total)) - set(self.slots.values())

    def pages_with_missing_slots(self, total):
        """Physical pages (1-based) holding a slot no listed product fills: none on a
        database that mirrors the site, the first ceil(N/12) after N new products."""
        return sorted({physical_page(total, slot) for slot in self.missing_slots(total)})

    def without_details(self, total=None, pages=None):
        """Refs of the listed products without details; with ``pages``, only those whose
        card is on one of these physical pages of ``total`` products (so that jobs over
        other page ranges, at the same time, do not fetch them too)."""
        if pages is None:
            return list(self.lacking_details)
        return [
            ref
            for ref in self.lacking_details
            if ref["page_id"] is not None
            and physical_page(total, slot_of(ref["page_id"], ref["index_in_page"])) in pages
        ]
