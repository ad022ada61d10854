"""The listing planner's decisions, answer by answer: what a status check plans, what a page
read stores, what is read again, what the run's audit finds. Whole runs while the site
moves: test_moving_site.py."""

import pickle
from dataclasses import replace

import pytest

from matter_certis.listing.audit import audit
from matter_certis.listing.planner import ListingPlanner
from matter_certis.listing.steps import Card, PageRead
from matter_certis.listing.stored import StoredListing
from tests.listing.simulated import Database, Run, Site, url

EMPTY = StoredListing({}, frozenset())


def cards(*products):
    return [Card({"url": url(product)}) for product in products]


def newest_first(size, page):
    """The cards of ``page`` of a listing of products ``0..size-1`` (0 the oldest)."""
    return cards(*range(size - 1 - (page - 1) * 12, max(size - 1 - page * 12, -1), -1))


def mirror(size, without_details=()):
    """A database that holds every product of the listing at its slot."""
    lacking = tuple(
        {"url": url(n), "page_id": n // 12, "index_in_page": n % 12} for n in without_details
    )
    slots = {url(n): n for n in range(size)}
    return StoredListing(slots, frozenset(slots), lacking)


def checked(planner, size, stored=EMPTY):
    """A status check of a listing of ``size`` products: page 1, then its last page (read
    twice unless the database confirms it)."""
    last = -(-size // 12)
    step = planner.first_page(newest_first(size, 1), last, lambda: stored)
    while step.reads and step.reads[0].role == "last":
        step = planner.last_page(step.reads[0], newest_first(size, last), lambda: stored)
    return step


def pages(step):
    return [read.page for read in step.reads if read.role == "listing"]


def test_a_run_opens_with_a_status_check():
    assert ListingPlanner().start().reads == [PageRead("status", 1)]


def test_a_resumed_run_asks_nothing_and_checks_once_its_saved_queue_is_read():
    planner = ListingPlanner("full")
    checked(planner, 60)
    assert planner.start().reads == []
    assert planner.idle().reads == [PageRead("status", 1)]
    assert planner.idle() is None


def test_a_last_page_the_database_cannot_confirm_is_read_twice():
    planner = ListingPlanner("full")
    step = planner.first_page(newest_first(30, 1), 3, lambda: EMPTY)
    step = planner.last_page(step.reads[0], newest_first(30, 3), lambda: EMPTY)
    assert step.reads == [PageRead("last", 3, 3, earlier_count=6)]


def test_a_last_page_whose_last_card_is_the_oldest_stored_product_is_read_once():
    planner = ListingPlanner("full")
    step = planner.first_page(newest_first(30, 1), 3, lambda: mirror(30))
    step = planner.last_page(step.reads[0], newest_first(30, 3), lambda: mirror(30))
    assert planner.total == 30
    assert pages(step) == [2]


def test_a_last_page_cut_short_on_one_reading_counts_the_longer_one():
    planner = ListingPlanner("full")
    planner.first_page(newest_first(30, 1), 3, lambda: EMPTY)
    planner.last_page(PageRead("last", 3, 3, earlier_count=6), cards(1, 0), lambda: EMPTY)
    assert planner.total == 30


def test_a_status_check_far_below_the_database_is_given_up():
    planner = ListingPlanner()
    step = planner.first_page(newest_first(24, 1), 2, lambda: mirror(60))
    step = planner.last_page(PageRead("last", 2, 2, earlier_count=12), [], lambda: mirror(60))
    assert step.give_up.startswith("implausible status check: 12 cards on page 2, 24 products")
    assert planner.listing is None


def test_a_full_run_reads_every_page_and_stores_the_check_pages_it_read():
    step = checked(ListingPlanner("full"), 50)
    assert pages(step) == [2, 3, 4]
    assert step.pages_read == 2
    assert step.planned_pages == 5
    assert [(p.page_id, p.index_in_page) for p in step.placements[:2]] == [(4, 1), (4, 0)]


def test_an_incremental_run_of_a_database_that_mirrors_the_listing_reads_no_page():
    step = checked(ListingPlanner(), 50, mirror(50))
    assert pages(step) == []
    assert step.planned_pages == 0


def test_an_incremental_run_reads_the_pages_of_the_new_products():
    step = checked(
        ListingPlanner(),
        50,
        StoredListing({url(n): n for n in range(30)}, frozenset(url(n) for n in range(30))),
    )
    assert sorted(pages(step) + [1]) == [1, 2]


def test_an_incremental_run_fetches_the_details_the_database_lacks():
    step = checked(ListingPlanner(), 50, mirror(50, without_details=[3]))
    assert [ref["url"] for ref in step.details] == [url(3)]


def test_an_incremental_run_reads_every_page_when_the_database_disagrees_with_the_check():
    stored = mirror(50)
    swapped = dict(stored.slots, **{url(49): 48, url(48): 49})
    step = checked(ListingPlanner(), 50, StoredListing(swapped, stored.listed))
    assert pages(step) == [2, 3, 4]


def test_an_incremental_run_reads_every_page_when_listed_products_have_no_slot():
    stored = mirror(50)
    slots = {u: slot for u, slot in stored.slots.items() if u != url(20)}
    step = checked(ListingPlanner(), 50, StoredListing(slots, stored.listed))
    assert pages(step) == [2, 3, 4]


def test_a_page_range_run_reads_its_pages_only_and_judges_no_delisting():
    planner = ListingPlanner("full", start_page=2, end_page=3)
    step = checked(planner, 50)
    assert pages(step) == [2, 3]
    for page in (2, 3):
        planner.page(PageRead("listing", page, total=50), newest_first(50, page))
    assert planner.listed_urls() is None


def test_a_page_range_past_the_listing_plans_nothing_and_says_so():
    step = checked(ListingPlanner("incremental", start_page=999), 50, mirror(50))
    assert step.past_listing == "start_page 999 is past the listing's 5 pages"
    assert (step.reads, step.placements, step.details) == ([], [], [])


def test_a_page_range_that_ends_past_the_listing_reads_to_its_last_page():
    step = checked(ListingPlanner("full", start_page=4, end_page=999), 50)
    assert (pages(step), step.past_listing) == ([4], None)
    assert step.pages_read == 1  # page 5, read by the status check, stored with it


def test_a_page_read_stores_its_cards_at_their_slots_and_names_its_bad_cards():
    planner = ListingPlanner("full")
    checked(planner, 50)
    page = newest_first(50, 2)
    page[3] = Card(None, "no /csa_product/ link")
    step = planner.page(PageRead("listing", 2, total=50), page)
    assert step.bad_cards == [(2, 3, "no /csa_product/ link")]
    assert [(p.page_id, p.index_in_page) for p in step.placements[:3]] == [(3, 1), (3, 0), (2, 11)]
    assert all(placement.detail for placement in step.placements)


@pytest.mark.parametrize(("shown", "fewer"), [(11, True), (12, False)])
def test_a_page_that_shows_another_number_of_cards_than_its_place_is_not_stored(shown, fewer):
    planner = ListingPlanner("full")
    checked(planner, 50)
    page = newest_first(50, 2)[:shown] + (cards(99) if not fewer else [])
    step = planner.page(PageRead("listing", 3, total=50), page[:shown] if fewer else page)
    assert (step.fewer, step.placements) == (fewer, [])
    assert step.short == f"page 3 shows {shown if fewer else 13} cards, expected 12"


def test_the_last_page_may_show_another_number_of_cards_the_next_check_places_it():
    planner = ListingPlanner("full")
    checked(planner, 50)
    step = planner.page(PageRead("listing", 5, total=50), newest_first(51, 5))
    assert step.short is None


def test_a_run_whose_pages_all_agree_places_every_product_and_lists_them():
    planner = ListingPlanner("full")
    checked(planner, 50)
    for page in (2, 3, 4):
        planner.page(PageRead("listing", page, total=50), newest_first(50, page))
    step = checked(planner, 50)
    assert step.reads == []
    assert step.placements == []  # every product is stored where the listing shows it
    assert set(planner.listed_urls()) == {url(n) for n in range(50)}
    assert audit(planner, mirror(50)) == []


def test_a_check_after_growth_stores_the_shifted_pages_again_at_their_true_slots():
    planner = ListingPlanner("full")
    checked(planner, 50)
    planner.page(PageRead("listing", 2, total=50), newest_first(50, 2))
    planner.page(PageRead("listing", 3, total=50), newest_first(53, 3))  # 3 new products
    planner.page(PageRead("listing", 4, total=50), newest_first(53, 4))
    step = checked(planner, 53)
    slots = {p.ref["url"]: (p.page_id, p.index_in_page) for p in step.placements}
    # Pages 3 and 4 as read were stored 3 slots too low, products 2-4 were stored by no
    # read and 50-52 are new; page 2 (read before the growth) and the first check's pages
    # were stored where they are.
    assert slots == {url(n): divmod(n, 12) for n in [*range(2, 29), 50, 51, 52]}
    assert pages(step) == []  # the check's last page shows the slots the shift left unread


def test_a_page_given_up_is_not_read_again_nor_reported_unread():
    planner = ListingPlanner("full")
    checked(planner, 50)
    planner.page_failed(PageRead("listing", 3, total=50))
    for page in (2, 4):
        planner.page(PageRead("listing", page, total=50), newest_first(50, page))
    assert pages(checked(planner, 50)) == []
    assert planner.listed_urls() is None  # not placed whole: nothing is delisted
    assert not any("not confirmed" in reason for _, reason in audit(planner, mirror(50)))


def test_the_audit_of_a_run_without_a_status_check_fails_it():
    ((status, reason),) = audit(ListingPlanner(), EMPTY)
    assert status == "failed"
    assert reason.startswith("the status check did not complete")


def test_the_audit_names_empty_slots_and_products_without_details():
    planner = ListingPlanner("full")
    checked(planner, 24)
    planner.page(PageRead("listing", 2, total=24), newest_first(24, 2))
    checked(planner, 24)
    slots = {url(n): n for n in range(1, 24)}
    lacking = ({"url": url(5), "page_id": 0, "index_in_page": 5},)
    reasons = [
        reason for _, reason in audit(planner, StoredListing(slots, frozenset(slots), lacking))
    ]
    assert reasons[0] == "1 slots the database lacks (first: page 2)"
    assert reasons[-1] == f"1 listed products have no stored details (first: {url(5)})"


def test_the_planner_is_kept_whole_in_a_job_directory():
    planner = ListingPlanner("full")
    checked(planner, 50)
    planner.page(PageRead("listing", 2, total=50), newest_first(50, 2))
    kept = pickle.loads(pickle.dumps(planner))
    assert replace(kept, listing=None) == replace(planner, listing=None)
    assert kept.listing.reads == planner.listing.reads
    assert kept.listing.arrived == planner.listing.arrived == 3


def test_an_incremental_run_verifies_again_its_share_of_the_pages_checked_longest_ago():
    stored = mirror(60)
    verified = {url(n): 100 + n // 12 for n in range(60)}  # page 5 (the oldest) first
    planner = ListingPlanner(listing_share=0.4)
    step = checked(planner, 60, replace(stored, verified=verified))
    assert pages(step) == [4]  # 2 of 5 pages: page 5 (the check read it: no request) and 4
    assert step.reverified_pages == 2


def test_an_incremental_run_verifies_again_the_pages_overdue():
    verified = {url(n): 100 if n < 12 else 300 for n in range(60)}
    planner = ListingPlanner(listing_overdue_before=200)
    step = checked(planner, 60, replace(mirror(60), verified=verified))
    assert step.reverified_pages == 1  # page 5 holds slots 0-11; the check read it already


def test_an_incremental_run_asks_again_for_the_details_checked_longest_ago():
    stored = mirror(24)
    refs = {url(n): {"url": url(n), "page_id": n // 12, "index_in_page": n % 12} for n in range(24)}
    ages = {url(n): 1000 - n for n in range(24)}  # the newest product's detail is the oldest
    planner = ListingPlanner(detail_share=0.1)
    step = checked(planner, 24, replace(stored, detail_refs=refs, detail_verified=ages))
    assert [ref["url"] for ref in step.details] == [url(23), url(22)]
    assert step.reverified_details == 2


def test_a_full_run_verifies_everything_and_counts_nothing_again():
    step = checked(ListingPlanner("full", listing_share=1.0), 60, mirror(60))
    assert step.reverified_pages == 0


# --- the run's listing figures (its summary line) ----------------------------------------


def test_a_full_run_counts_each_page_once_though_its_status_check_reads_one_twice():
    run = Run(Site(600), Database())
    assert run.run() == "completed"
    assert (run.planner.pages_read, run.planner.pages_planned) == (50, 50)


def test_pages_read_again_after_the_listing_grew_count_in_the_plan_and_the_pages_read():
    site = Site(600)
    site.change_after(10, lambda: site.grow(5))
    run = Run(site, Database())
    assert run.run() == "completed"
    assert run.planner.pages_read == run.planner.pages_planned > 50


def test_a_page_range_run_plans_the_pages_of_its_range():
    site, database = Site(240), Database()
    assert Run(site, database).run() == "completed"
    run = Run(site, database, start_page=3, end_page=7)
    assert run.run() == "completed"
    assert (run.planner.pages_read, run.planner.pages_planned) == (5, 5)


def test_a_resumed_run_goes_on_counting_from_where_it_stopped():
    site, database = Site(600), Database()
    stopped = Run(site, database, stop_after=20)
    assert stopped.run() == "stopped"
    resumed = stopped.resumed()
    assert resumed.run() == "completed"
    assert (resumed.planner.pages_read, resumed.planner.pages_planned) == (50, 50)


def test_a_full_run_keeps_no_set_of_the_slots_it_stored_a_page_range_run_does():
    """Only a run with a target (incremental, or a page range) re-targets the slots it
    stored when the listing moves: a full run would hold a set of every slot for nothing."""
    full = ListingPlanner("full")
    checked(full, 50)
    assert full.stored == set()
    ranged = ListingPlanner("full", 1, 2)
    checked(ranged, 50)
    assert ranged.stored == set(range(38, 50))


def test_the_audit_names_products_stored_at_another_slot_than_the_listing_shows():
    planner = ListingPlanner("full")
    checked(planner, 50)
    for page in (2, 3, 4):
        planner.page(PageRead("listing", page, total=50), newest_first(50, page))
    checked(planner, 50)
    slots = {url(n): n for n in range(50)} | {url(10): 11, url(11): 10}
    reasons = [reason for _, reason in audit(planner, StoredListing(slots, frozenset(slots)))]
    assert reasons == [
        f"2 products stored at another slot than the listing shows (first: {url(10)})"
    ]
