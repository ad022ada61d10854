"""movement.Listing: where the pages a run read sit once the listing has moved."""

import copy

from matter_certis.listing.movement import Listing
from matter_certis.listing.places import trusted

PAGE = 12


def listing_of(size):
    """A site's listing, newest first: product n is the n-th certified (0 the oldest)."""
    return [f"https://csa-iot.org/csa_product/p{n}/" for n in range(size)][::-1]


def cards(site, page):
    return [{"url": url} for url in site[(page - 1) * PAGE : page * PAGE]]


def opened(site):
    """A listing after its first status check: page 1 and the last page."""
    last = -(-len(site) // PAGE)
    listing = Listing(len(site))
    listing.opened(
        [
            listing.read(1, cards(site, 1), known=True),
            listing.read(last, cards(site, last), known=True),
        ]
    )
    return listing


def check_pages(site):
    last = -(-len(site) // PAGE)
    return {1: cards(site, 1), last: cards(site, last)}


def slot_of(listing, url):
    return {shown: place for shown, place, _ in listing.placed_products()}[url]


def test_a_listing_that_did_not_move_places_every_page_as_read():
    site = listing_of(60)
    listing = opened(site)
    for page in (2, 3, 4):
        listing.read(page, cards(site, page))
    assert listing.check(60, check_pages(site)) == 0
    assert listing.unplaced() == []
    assert listing.covered() == set(range(60))
    assert listing.covers_all()
    assert slot_of(listing, site[0]) == (4, 11)


def test_each_placed_product_is_given_once_at_its_slot():
    """Page 1 read before five products were added and again after: the seven products
    both reads show are given once; page 2's, read before, at their slots now."""
    before, after = listing_of(60), listing_of(65)
    listing = opened(before)
    listing.read(2, cards(before, 2))
    listing.check(65, check_pages(after))
    placed = [(url, place) for url, place, _ in listing.placed_products()]
    assert len(placed) == len({url for url, _ in placed}) == 41  # p64-p36 and p11-p0
    assert dict(placed)[before[12]] == divmod(64 - 17, PAGE)


def test_pages_read_after_growth_are_placed_by_the_cards_they_show_again():
    before, after = listing_of(60), listing_of(65)
    listing = opened(before)
    listing.read(2, cards(before, 2))
    listing.read(3, cards(after, 3))  # five products pushed on: five cards of page 2 again
    assert listing.check(65, check_pages(after)) == 5
    assert [(read.page, read.shift) for read in listing.reads[2:4]] == [(2, 5), (3, 0)]
    assert all(
        slot_of(listing, url) == divmod(64 - position, PAGE)
        for position, url in enumerate(after[:36])
    )


def test_a_page_between_a_placed_one_and_slots_not_read_is_placed_once_they_are_read():
    before, after = listing_of(60), listing_of(65)
    listing = opened(before)
    listing.read(3, cards(after, 3))
    listing.read(4, cards(after, 4))  # cards 48-52 of the grown listing: nobody read them
    listing.check(65, check_pages(after))
    assert [read.page for read in listing.unplaced()] == [3, 4]
    assert listing.pages_for(listing.ends_of_unplaced()) == [5]
    listing.check(65, {**check_pages(after), 5: cards(after, 5)})
    assert listing.unplaced() == []
    assert listing.covered() == set(range(65)) - set(range(41, 48))  # the rest of page 2


def test_a_page_read_later_than_one_placed_after_the_growth_shows_no_older_listing():
    before, after = listing_of(120), listing_of(125)
    listing = opened(before)
    for page in range(2, 5):
        listing.read(page, cards(before, page))
    first_after = listing.read(5, cards(after, 5))
    listing.read(7, cards(after, 7), sent_after=first_after.seq)  # shares no card with another
    listing.check(125, check_pages(after))
    assert [read.shift for read in listing.reads if read.page == 7] == [0]


def test_a_page_no_single_shift_explains_is_left_to_read_again():
    before, after = listing_of(120), listing_of(125)
    listing = opened(before)
    listing.read(2, cards(before, 2))
    listing.read(6, cards(after, 6))  # after the growth, next to no page read: 0 to 5 fit
    listing.check(125, check_pages(after))
    (unplaced,) = listing.unplaced()
    assert unplaced.page == 6
    wanted = set(range(125)) - listing.covered()
    assert 6 in listing.pages_for(wanted)


def test_growth_past_page_1_is_confirmed_where_the_newest_product_was():
    before, after = listing_of(60), listing_of(90)
    listing = opened(before)
    assert listing.check(90, check_pages(after)) is None  # page 1 alone cannot show it
    pages = {**check_pages(after), 2: cards(after, 2), 3: cards(after, 3)}
    assert listing.check(90, pages) == 30


def test_a_shrunk_listing_is_not_explained_by_growth_and_changes_nothing():
    site = listing_of(60)
    listing = opened(site)
    listing.read(2, cards(site, 2))
    shrunk = site[:30] + site[31:]
    assert listing.check(59, check_pages(shrunk)) is None
    assert (listing.total, len(listing.reads)) == (60, 3)


def test_restart_forgets_every_page_read_before():
    site = listing_of(60)
    listing = opened(site)
    listing.read(2, cards(site, 2))
    shrunk = site[:30] + site[31:]
    listing.restart(59, check_pages(shrunk))
    assert [read.page for read in listing.reads] == [1, 5]
    assert listing.covered() == set(range(59)) - set(range(11, 47))
    assert not listing.covers_all()


def test_growth_and_a_delisting_that_keep_the_count_are_not_taken_for_no_change():
    site = listing_of(60)
    listing = opened(site)
    moved = ["https://csa-iot.org/csa_product/new/"] + site[:30] + site[31:]
    assert listing.check(60, check_pages(moved)) is None


def test_database_slots_are_trusted_only_when_the_status_check_agrees():
    site = listing_of(30)
    listing = opened(site)
    right = {url: 29 - position for position, url in enumerate(site)}
    assert trusted(right, 30, listing.reads)
    shifted = {**right, site[0]: 28}
    assert not trusted(shifted, 30, listing.reads)
    held_by_another = {**right, "https://csa-iot.org/csa_product/gone/": 0}
    del held_by_another[site[-1]]
    assert not trusted(held_by_another, 30, listing.reads)


def anchored(site, database):
    """A listing after its first status check, with the database's listing (newest first)
    as its anchors."""
    listing = opened(site)
    listing.anchors = {url: len(database) - 1 - position for position, url in enumerate(database)}
    return listing


def test_a_page_the_databases_slots_misplace_sets_them_aside_and_is_placed():
    """One product back in the middle and another gone: page 1 and the last page are as the
    database has them, page 3 is not."""
    database = listing_of(60)
    site = (
        database[:26] + database[27:40] + ["https://csa-iot.org/csa_product/back/"] + database[40:]
    )
    listing = anchored(site, database)
    listing.read(3, cards(site, 3))
    assert listing.check(60, check_pages(site)) == 0
    assert listing.anchors == {}
    assert listing.unplaced() == []
    assert slot_of(listing, site[24]) == divmod(60 - 1 - 24, PAGE)


def test_a_page_no_place_explains_without_the_databases_slots_is_a_change_growth_does_not_explain():
    site = listing_of(60)
    listing = opened(site)
    listing.read(2, cards(site, 2))
    listing.check(60, check_pages(site))
    swapped = site[:14] + [site[15], site[14]] + site[16:]
    listing.read(2, cards(swapped, 2))
    assert listing.check(60, check_pages(swapped)) is None


def test_a_restart_forgets_a_check_page_that_disagrees_with_the_pages_before_it():
    """The listing moved while the check read its pages: page 1 before five new products,
    page 2 after. Page 2 is forgotten (read again later), never placed against page 1."""
    before, after = listing_of(60), listing_of(65)
    listing = opened(before)
    listing.restart(65, {1: cards(before, 1), 2: cards(after, 2)[:4] + cards(before, 1)[:8]})
    assert [read.page for read in listing.reads] == [1]
    assert listing.places().url_at[0] == before[0]


def test_a_checks_trial_copies_the_reads_and_shares_their_cards_until_it_leaves_one_out():
    """A status check tries its placement on a copy of the listing (kept only if growth
    explains it): the reads are copied, their lists of cards shared; a trial that leaves a
    card out (it repeats a product) gives its copy a list of its own."""
    site = listing_of(3 * PAGE)
    listing = opened(site)
    trial = copy.deepcopy(listing)
    original, copied = listing.reads[0], trial.reads[0]
    assert copied is not original and copied.refs is original.refs
    copied.without_card(0)
    assert (copied.refs[0], copied.repeated) == (None, (0,))
    assert (original.refs[0].url, original.repeated) == (site[0], ())


def test_covers_all_is_every_slot_covered_and_no_other():
    """``covers_all`` answers ``covered() == set(range(total))`` without building the sets."""
    site, grown = listing_of(60), listing_of(65)
    listing = opened(site)
    answers = []

    def answer():
        assert listing.covers_all() == (listing.covered() == set(range(listing.total)))
        answers.append(listing.covers_all())

    answer()
    for page in (2, 4):
        listing.read(page, cards(site, page))
    listing.check(60, check_pages(site))
    answer()  # page 3 unread
    listing.read(3, cards(site, 3))
    listing.check(60, check_pages(site))
    answer()
    listing.check(65, check_pages(grown))  # five more, shown by the new last page
    answer()
    listing.read(6, cards(grown, 6))
    listing.check(65, check_pages(grown))
    answer()
    assert answers == [False, False, True, True, True]
