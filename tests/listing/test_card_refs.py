"""What a run keeps of each card it read, for the whole run: a compact ref (``CardRef``) that
hands back the card's values when a status check finds the listing moved and the card is
stored again."""

import copyreg
import io
import pickle

from matter_certis.listing.movement import Listing
from matter_certis.listing.places import Read
from matter_certis.listing.planner import ListingPlanner
from matter_certis.listing.steps import Card, CardRef, PageRead
from matter_certis.listing.stored import StoredListing
from tests.listing.simulated import url

EMPTY = StoredListing({}, frozenset())


def described(product):
    """A card's values as the loader gives them: every string its own object."""
    return {
        "url": url(product),
        "manufacturer": "".join(["Vendor ", str(product % 3)]),
        "model": "".join(["Model ", str(product % 5)]),
        "certificate_id": f"CSA{product:05d}MAT",
    }


described_by_url = {url(n): described(n) for n in range(60)}


def page_of(size, page):
    """The cards of ``page`` of a listing of products ``0..size-1`` (0 the oldest)."""
    newest = size - 1 - (page - 1) * 12
    return [Card(described(n)) for n in range(newest, max(newest - 12, -1), -1)]


def checked(planner, size):
    last = -(-size // 12)
    step = planner.first_page(page_of(size, 1), last, lambda: EMPTY)
    while step.reads and step.reads[0].role == "last":
        step = planner.last_page(step.reads[0], page_of(size, last), lambda: EMPTY)
    return step


def test_a_read_keeps_its_cards_as_compact_refs_sharing_repeated_names():
    listing = Listing(24)
    first = listing.read(1, [described(23), described(20)])
    second = listing.read(2, [described(11), None])
    assert first.refs[0] == CardRef(url(23), "Vendor 2", "Model 3", "CSA00023MAT")
    assert first.refs[1].manufacturer is first.refs[0].manufacturer
    assert second.refs[0].manufacturer is first.refs[0].manufacturer
    assert second.refs[1] is None


def test_a_card_stored_again_after_growth_has_the_values_its_card_showed():
    planner = ListingPlanner("full")
    checked(planner, 50)
    planner.page(PageRead("listing", 3, total=50), page_of(53, 3))  # read after 3 new
    step = checked(planner, 53)
    moved = [placement.ref for placement in step.placements]
    assert url(20) in [ref["url"] for ref in moved]  # page 3 as read, 3 slots too low
    assert all(ref == described_by_url[ref["url"]] for ref in moved)


def test_a_cards_absent_values_stay_absent_when_handed_back():
    assert CardRef.of({"url": url(1)}).as_dict() == {"url": url(1)}


def test_a_read_saved_by_a_job_before_compact_refs_is_compacted_when_resumed():
    read = Read(2, [])
    read.refs = [described(7), None]  # as an older version pickled it
    resumed = pickle.loads(pickle.dumps(read))
    assert resumed.refs == [CardRef.of(described(7)), None]


class SavedWithSlot(pickle.Pickler):
    """Pickles refs as a JOBDIR state did when refs kept a page id and index too."""

    def reducer_override(self, obj):
        if type(obj) is CardRef:
            return copyreg.__newobj__, (CardRef, *obj, 40, 3)
        return NotImplemented


def test_a_ref_saved_with_its_slot_by_a_job_before_refs_left_it_out_loads_without_it():
    saved = io.BytesIO()
    SavedWithSlot(saved, protocol=4).dump([CardRef(url(7), "Vendor 1", None, "CSA7")])
    assert pickle.loads(saved.getvalue()) == [CardRef(url(7), "Vendor 1", None, "CSA7")]
    assert b"CardRef" in saved.getvalue()
