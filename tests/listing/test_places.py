"""places.Places: the positions of the products placed so far."""

from matter_certis.listing.places import Places, Read
from tests.listing.simulated import url


def placed(*pages):
    """Places holding ``pages`` (page -> the product numbers its cards show), shift 0."""
    places = Places()
    for page, products in pages:
        places.add(Read(page, [{"url": url(n)} for n in products], shift=0))
    return places


def test_a_position_before_the_first_or_past_the_last_placed_holds_nothing():
    """A database slot past the listing's end is a negative position: it must not read
    the last position placed (a list's index from the end)."""
    places = placed((1, range(12)))
    assert [places.held(position) for position in (-1, 0, 11, 12)] == [None, url(0), url(11), None]


def test_a_page_placed_after_a_gap_leaves_the_gap_unheld():
    places = placed((1, range(12)), (3, range(24, 36)))
    assert places.held(12) is None and places.held(24) == url(24)
    assert places.position(url(24)) == 24


def test_a_product_the_database_places_past_the_end_repeats_nowhere():
    places = placed((1, range(12)))
    places.anchor(url(99), -1)
    read = Read(2, [{"url": url(n)} for n in range(12, 24)])
    assert places.fits(read, 0)
    assert places.repeats(read, 0) == []
