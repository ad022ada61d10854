"""What the database holds of the listing, as plain data for the planner."""

import itertools
from dataclasses import dataclass, field

from matter_certis.listing.positions import page_slots, physical_page, slot_of


def unfilled_slots(filled, total):
    """Slots of a listing of ``total`` products that none of ``filled`` fills (marked in a
    byte a slot: a set of every slot was a large crawl's end-of-run peak)."""
    missing = bytearray(b"\x01") * total
    for slot in filled:
        if 0 <= slot < total:
            missing[slot] = 0
    return set(itertools.compress(range(total), missing))


@dataclass(frozen=True)
class StoredListing:
    """The listed products when asked: ``slots`` (url -> slot, from the oldest) of those
    that have one, ``listed`` (every listed url: a sized iterable, a frozenset or
    ``analysis.ListedUrls``), and ``lacking_details``: product refs
    (dicts with ``url``, ``manufacturer``, ``model``, ``certificate_id``, ``page_id``,
    ``index_in_page``) of those whose detail page was never stored; ``verified`` (url ->
    when a run last saw the card at its slot, ``None`` for never), ``detail_refs`` (url ->
    ref of those with details) and ``detail_verified`` (url -> when a run last read the
    detail page) tell what is due to be verified again (read only for that: empty in the
    ``StoredListing`` of ``analysis.stored_listing()`` without ``ages``)."""

    slots: dict
    listed: object
    lacking_details: tuple = ()
    verified: dict = field(default_factory=dict)
    detail_refs: dict = field(default_factory=dict)
    detail_verified: dict = field(default_factory=dict)

    @property
    def oldest(self):
        """The url at slot (0, 0), the oldest product, or ``None``."""
        return next((url for url, slot in self.slots.items() if slot == 0), None)

    @property
    def unplaced(self):
        """How many listed products have no slot: a run found it held by another product
        and did not see them elsewhere (they moved, or left the listing)."""
        return len(self.listed) - len(self.slots)

    def slot_rows(self):
        """``(url, slot)`` of each listed product that has a slot."""
        return self.slots.items()

    def missing_slots(self, total):
        return unfilled_slots(self.slots.values(), total)

    def pages_with_missing_slots(self, total):
        """Physical pages (1-based) holding a slot no listed product fills: none on a
        database that mirrors the site, the first ceil(N/12) after N new products."""
        return sorted({physical_page(total, slot) for slot in self.missing_slots(total)})

    def page_ages(self, total, pages):
        """Physical page -> when its card verified longest ago was verified (``None``: one
        never was), for ``pages`` holding stored slots."""
        verified_at = {slot: self.verified.get(url) for url, slot in self.slots.items()}
        ages = {}
        for page in pages:
            held = [verified_at[slot] for slot in page_slots(total, page) if slot in verified_at]
            if held:
                ages[page] = None if None in held else min(held)
        return ages

    def on_pages(self, refs, total, pages):
        """The refs whose card is on one of these physical pages of ``total`` products."""
        return [
            ref
            for ref in refs
            if ref["page_id"] is not None
            and physical_page(total, slot_of(ref["page_id"], ref["index_in_page"])) in pages
        ]

    def without_details(self, total=None, pages=None):
        """Refs of the listed products without details; with ``pages``, only those whose
        card is on one of these physical pages of ``total`` products (so that jobs over
        other page ranges, at the same time, do not fetch them too)."""
        if pages is None:
            return list(self.lacking_details)
        return self.on_pages(self.lacking_details, total, pages)
