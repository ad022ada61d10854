"""A site that moves during a run, in process (``simulated.Run``): products certified (or
delisted) while a full, an incremental, a paused-and-resumed or a page-range run reads the
listing. Every run ends with every slot exact and no false delisting: in that run
(``completed``), or after it (``partial``) plus one incremental run. The crawls that prove the
spider does the same are in tests/e2e/test_moving_site.py."""

import random

import pytest

from tests.listing.simulated import Database, Run, Site

FULL_SIZE = 600
SMALL_SIZE = 240
CHURN_SIZE = 120
GROWTHS = (1, 5, 12, 30)
# Moments of a full run of 600 products on a fresh database, in listing requests: 1 is
# between page 1 and the last page of the status check, 10 and 45 while the pages are read,
# 52 during the second status check.
FULL_RUN_MOMENTS = (1, 10, 45, 52)
CONCURRENCY = (1, 4, 16)


def synced(size):
    site, database = Site(size), Database()
    assert Run(site, database).run() == "completed"
    site.requests = {"list": 0, "detail": 0}
    return site, database


def assert_exact_now_or_after_one_incremental_run(site, database, status):
    assert status in ("completed", "partial")
    if status == "partial":
        assert Run(site, database, mode="incremental").run() == "completed"
    assert database.mirrors(site)


@pytest.mark.parametrize("concurrency", CONCURRENCY)
@pytest.mark.parametrize("moment", FULL_RUN_MOMENTS)
@pytest.mark.parametrize("growth", GROWTHS)
def test_growth_during_a_full_run_of_a_fresh_database(growth, moment, concurrency):
    site, database = Site(FULL_SIZE), Database()
    site.change_after(moment, lambda: site.grow(growth))
    status = Run(site, database, concurrency=concurrency).run()
    assert_exact_now_or_after_one_incremental_run(site, database, status)


@pytest.mark.parametrize(("growth", "moment"), [(5, 10), (30, 20), (12, 1)])
def test_growth_during_an_incremental_run_of_a_fresh_database(growth, moment):
    site, database = Site(FULL_SIZE), Database()
    site.change_after(moment, lambda: site.grow(growth))
    status = Run(site, database, mode="incremental").run()
    assert_exact_now_or_after_one_incremental_run(site, database, status)


@pytest.mark.parametrize("growth", GROWTHS)
def test_growth_while_a_full_run_reads_the_details_costs_no_listing_request(growth):
    """No page read again: the second status check reads page 1 and the last page (and,
    past a page of growth, the pages between: they place page 1)."""
    site, database = Site(FULL_SIZE), Database()
    site.change_after(300, lambda: site.grow(growth), kind="detail")
    assert Run(site, database).run() == "completed"
    assert database.mirrors(site)
    assert site.requests["list"] == 53 + growth // 12


@pytest.mark.parametrize("moment", (1, 3, 8))
@pytest.mark.parametrize("growth", GROWTHS)
def test_growth_during_a_full_run_of_a_complete_database_delists_nothing(growth, moment):
    site, database = synced(SMALL_SIZE)
    site.change_after(moment, lambda: site.grow(growth))
    status = Run(site, database).run()
    assert_exact_now_or_after_one_incremental_run(site, database, status)


@pytest.mark.parametrize("moment", (1, 2, 4))
@pytest.mark.parametrize("growth", GROWTHS)
def test_growth_during_an_incremental_run(growth, moment):
    """30 products new since the last run (3 pages to read), and more during this one."""
    site, database = synced(SMALL_SIZE)
    site.grow(30)
    site.change_after(moment, lambda: site.grow(growth))
    status = Run(site, database, mode="incremental").run()
    assert_exact_now_or_after_one_incremental_run(site, database, status)


@pytest.mark.parametrize("growth", GROWTHS)
def test_growth_while_a_run_is_paused_then_resumed(growth):
    """Ctrl-C part-way through the listing, new products, then the same job directory: the
    saved queue's slots are stale and are corrected like any move."""
    site, database = Site(SMALL_SIZE), Database()
    paused = Run(site, database, concurrency=2, stop_after=8)
    assert paused.run() == "stopped"
    site.grow(growth)
    status = paused.resumed().run()
    assert_exact_now_or_after_one_incremental_run(site, database, status)


@pytest.mark.parametrize("growth", (5, 30))
def test_growth_while_a_resumed_run_reads_its_saved_queue(growth):
    site, database = Site(SMALL_SIZE), Database()
    paused = Run(site, database, concurrency=2, stop_after=8)
    assert paused.run() == "stopped"
    site.change_after(site.requests["list"] + 3, lambda: site.grow(growth))
    status = paused.resumed().run()
    assert_exact_now_or_after_one_incremental_run(site, database, status)


@pytest.mark.parametrize("mode", ("full", "incremental"))
def test_a_delisting_during_a_run_delists_that_product_alone(mode):
    site, database = synced(SMALL_SIZE)
    site.grow(30)  # pages for an incremental run to read
    site.change_after(4, lambda: site.delist(150))
    status = Run(site, database, mode=mode).run()
    assert_exact_now_or_after_one_incremental_run(site, database, status)


def test_growth_during_a_page_range_run():
    site, database = synced(SMALL_SIZE)
    site.grow(3)
    site.change_after(4, lambda: site.grow(5))
    assert Run(site, database, start_page=2, end_page=10).run() in ("completed", "partial")
    assert Run(site, database, mode="incremental").run() == "completed"
    assert database.mirrors(site)


def test_a_page_range_run_never_delists():
    site, database = synced(SMALL_SIZE)
    site.delist(40)
    assert Run(site, database, start_page=3, end_page=7).run() in ("completed", "partial")
    assert len(database.listed) == SMALL_SIZE


def test_a_listing_that_keeps_moving_ends_partial_and_the_next_run_finishes_the_job():
    site, database = Site(FULL_SIZE), Database()
    site.change_after(10, lambda: site.grow(5))
    site.change_after(30, lambda: site.grow(7))  # two moves while the pages are read
    assert Run(site, database, max_moves=1).run() == "partial"
    assert Run(site, database, mode="incremental").run() == "completed"
    assert database.mirrors(site)


def test_a_full_run_of_600_products_costs_53_listing_requests():
    """3 for the status check (its last page twice: the database cannot confirm it), 48
    pages, 2 for the second check."""
    site, database = Site(FULL_SIZE), Database()
    assert Run(site, database).run() == "completed"
    assert site.requests == {"list": 53, "detail": FULL_SIZE}


def test_growth_by_5_while_the_pages_are_read_costs_a_few_listing_requests():
    site, database = Site(FULL_SIZE), Database()
    site.change_after(10, lambda: site.grow(5))
    assert Run(site, database).run() == "completed"
    assert 53 < site.requests["list"] <= 63
    assert site.requests["detail"] == FULL_SIZE + 5


def test_a_rerun_with_no_change_reads_the_status_check_alone():
    site, database = synced(SMALL_SIZE)
    assert Run(site, database, mode="incremental").run() == "completed"
    assert site.requests == {"list": 2, "detail": 0}


def test_an_incremental_run_notices_products_stored_at_the_wrong_slots():
    """The two newest swapped: every slot is filled, but the status check sees page 1
    disagree, so the run reads every page."""
    site, database = synced(SMALL_SIZE)
    newest, second = site.urls()[:2]
    database.slots[newest], database.slots[second] = database.slots[second], database.slots[newest]
    assert Run(site, database, mode="incremental").run() == "completed"
    assert site.requests["list"] > SMALL_SIZE // 12
    assert database.mirrors(site)


# --- products leaving the listing and coming back ---------------------------------------


def churned(back=(), gone=()):
    """A complete database that knows the products at positions ``back`` as delisted; then
    they are listed again and those at ``gone`` leave the listing."""
    site, database = synced(CHURN_SIZE)
    products = site.products()
    site.delist(*back)
    assert Run(site, database).run() == "completed"
    assert len(database.listed) == CHURN_SIZE - len(back)
    site.relist(*(products[position] for position in back))
    site.delist(*gone)
    site.requests = {"list": 0, "detail": 0}
    return site, database


def test_a_product_back_while_another_leaves_between_full_runs():
    """Both in the middle: the status check's first and last page show what the database
    holds, the pages between do not."""
    site, database = churned(back=[60], gone=[40])
    assert Run(site, database).run() == "completed"
    assert database.mirrors(site)


@pytest.mark.parametrize("mode", ("full", "incremental"))
@pytest.mark.parametrize(
    ("back", "gone"),
    [
        ([50], []),
        ([], [50]),
        ([0, 30, 31, 90], [5, 44, 45, 70, CHURN_SIZE - 1]),  # the newest, the oldest, neighbours
    ],
)
def test_products_back_and_gone_between_runs(mode, back, gone):
    site, database = churned(back=back, gone=gone)
    status = Run(site, database, mode=mode).run()
    assert_exact_now_or_after_one_incremental_run(site, database, status)


@pytest.mark.parametrize("mode", ("full", "incremental"))
def test_a_product_back_and_one_on_page_1_gone_during_a_run(mode):
    site, database = churned(back=[60])
    back = site.products()[60]
    site.listed.discard(back)  # off the listing until the run is under way
    site.grow(30)  # pages for an incremental run to read
    site.change_after(3, lambda: (site.relist(back), site.delist(3)))
    status = Run(site, database, mode=mode).run()
    assert_exact_now_or_after_one_incremental_run(site, database, status)


def test_a_product_back_and_another_gone_during_a_full_runs_status_check():
    """Between the check's page 1 and its last page: the pages read after it all disagree
    with the database, which the check found right."""
    site, database = churned(back=[60])
    back = site.products()[60]
    site.listed.discard(back)
    site.change_after(1, lambda: (site.relist(back), site.delist(40)))
    status = Run(site, database).run()
    assert_exact_now_or_after_one_incremental_run(site, database, status)


def test_a_product_missed_between_two_pages_read_across_a_move_is_not_delisted():
    """Pages read one at a time; between pages 5 and 6 a product on page 4 leaves and one
    further on comes back. Page 6 then starts one card later: the product that was first on
    it is on no page read, and the first and last page look as before. Only reading its
    place again shows the move."""
    site, database = churned(back=[90])
    back = site.products()[90]
    site.listed.discard(back)
    site.change_after(6, lambda: (site.relist(back), site.delist(40)))
    status = Run(site, database, concurrency=1).run()
    assert site.requests["list"] > 13  # the pages around the missing product, read again
    assert_exact_now_or_after_one_incremental_run(site, database, status)


def test_products_back_and_gone_before_a_page_range_run_are_judged_by_the_next_run():
    site, database = churned(back=[60], gone=[40])
    assert Run(site, database, start_page=3, end_page=7).run() in ("completed", "partial")
    assert Run(site, database, mode="incremental").run() == "completed"
    assert database.mirrors(site)


@pytest.mark.parametrize("concurrency", CONCURRENCY)
def test_a_product_that_leaves_and_comes_back_at_every_listing_request_ends_the_run(
    concurrency,
):
    """Pages read one after another show different listings of the same size: the run
    ends (after ``max_moves`` checks that found it moved, at the latest)."""
    site, database = synced(CHURN_SIZE)
    flicker = site.products()[50]

    def toggle():
        site.listed ^= {flicker}

    for requests in range(1, 1000):
        site.change_after(requests, toggle)
    assert Run(site, database, concurrency=concurrency).run() in ("completed", "partial")
    assert site.requests["list"] < 300


@pytest.mark.parametrize("seed", range(100))
def test_any_growth_and_delisting_at_any_moment_ends_exact(seed):
    """The class behind the cases above: products certified and delisted at random moments
    of a run, pages answered in a random order. A run says completed or partial, never
    fails; what it left inexact (partial, or a change after its last look at those pages)
    the next incremental run makes exact, and nothing listed is ever delisted."""
    chance = random.Random(seed)
    site, database = synced(chance.choice((CHURN_SIZE, SMALL_SIZE)))
    for _ in range(chance.randint(1, 3)):
        moment = chance.randint(1, 30)
        if chance.random() < 0.6:
            growth = chance.choice(GROWTHS)
            site.change_after(moment, lambda growth=growth: site.grow(growth))
        else:
            position = chance.randrange(len(site.listed) - 5)
            site.change_after(moment, lambda position=position: site.delist(position))
    mode = chance.choice(("full", "incremental"))
    concurrency = chance.choice(CONCURRENCY)
    status = Run(site, database, mode=mode, concurrency=concurrency, seed=seed).run()
    assert status in ("completed", "partial")
    if status == "partial" or not database.mirrors(site):
        assert Run(site, database, mode="incremental").run() == "completed"
    assert database.mirrors(site)


# --- a detail page that fails, then its product leaves the listing -----------------------


@pytest.mark.parametrize("mode", ("full", "incremental"))
@pytest.mark.parametrize("position", (0, 5, 40, SMALL_SIZE - 1))
def test_a_product_whose_detail_failed_then_left_the_listing_is_delisted(mode, position):
    """Its detail page fails in the first run, and for good once it is delisted (a delisted
    product's page may be gone): within two runs of the site settling the product is
    delisted, its dead letter closed, and the run ``completed``."""
    site, database = Site(SMALL_SIZE), Database()
    product = site.urls()[position]
    site.failing.add(product)
    assert Run(site, database).run() == "partial"
    assert database.dead_letters == {product}
    site.delist(position)
    statuses = [Run(site, database, mode=mode).run() for _ in range(2)]
    assert statuses[-1] == "completed", statuses
    assert database.mirrors(site)
    assert product not in database.listed
    assert database.dead_letters == set()


def test_a_failed_detail_of_a_product_still_listed_keeps_the_run_partial():
    """Never settled by one bad answer: the product stays listed until its page answers."""
    site, database = synced(SMALL_SIZE)
    site.grow(3)
    product = site.urls()[1]
    site.failing.add(product)
    assert Run(site, database).run() == "partial"
    assert Run(site, database).run() == "partial"
    assert product in database.listed
    site.failing.clear()
    assert Run(site, database, mode="incremental").run() == "completed"
    assert database.mirrors(site)
    assert database.dead_letters == set()


# --- a card shown twice -----------------------------------------------------------------


@pytest.mark.parametrize("mode", ("full", "incremental"))
@pytest.mark.parametrize("position", (1, 30, SMALL_SIZE - 1))
def test_a_product_shown_on_two_cards_is_stored_once_at_the_first(mode, position):
    """The card at ``position`` shows the product of the card before it again: stored once,
    at the first (newer) card's slot, with no other product's values; the run completes and
    so does the next, at a bounded cost."""
    site, database = Site(SMALL_SIZE), Database()
    site.duplicate(position)
    assert Run(site, database).run() == "completed"
    assert site.requests["list"] <= 2 * SMALL_SIZE // 12
    assert database.mirrors(site)
    site.requests = {"list": 0, "detail": 0}
    assert Run(site, database, mode=mode).run() == "completed"
    assert database.mirrors(site)
    assert site.requests["list"] <= (2 * SMALL_SIZE // 12 if mode == "full" else 5)


@pytest.mark.parametrize("mode", ("full", "incremental"))
@pytest.mark.parametrize("growth", GROWTHS)
def test_a_card_shown_twice_while_the_listing_grows(mode, growth):
    site, database = Site(SMALL_SIZE), Database()
    site.duplicate(30)
    assert Run(site, database).run() == "completed"
    site.grow(30)  # pages for an incremental run to read
    site.change_after(3, lambda: site.grow(growth))
    status = Run(site, database, mode=mode).run()
    assert_exact_now_or_after_one_incremental_run(site, database, status)


# --- freshness: daily incremental runs verify the listing again, a share at a time -------


def daily_incremental_runs(site, database, days, max_age=7):
    """Incremental runs a day apart with a listing max age of ``max_age`` days; the listing
    requests each made."""
    costs = []
    for _ in range(days):
        database.day += 1
        site.requests = {"list": 0, "detail": 0}
        fresh = {"listing_share": 1 / max_age, "listing_overdue_before": database.day - max_age}
        assert Run(site, database, mode="incremental", fresh=fresh).run() == "completed"
        costs.append(site.requests["list"])
    return costs


def test_a_swap_in_the_middle_of_the_listing_is_repaired_by_daily_incremental_runs():
    """One product back, another gone, both in the middle: page 1 and the last page look
    as before, so only verifying the pages between finds it, within a max age."""
    site, database = churned(back=[60], gone=[40])
    costs = daily_incremental_runs(site, database, days=7)
    assert database.mirrors(site)
    assert costs[0] <= 2 + 1 + 2  # two status checks and a seventh of 10 pages, at first


def test_no_daily_run_verifies_more_than_its_share_while_nothing_changes():
    site, database = synced(SMALL_SIZE)  # 20 pages
    costs = daily_incremental_runs(site, database, days=14)
    assert max(costs) <= 2 + 3 + 2  # a status check, a seventh of 20 pages, a second check
    assert all(database.day - day <= 7 for day in database.verified.values())
