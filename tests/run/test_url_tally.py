"""The run's UrlTally: one record of each url for the run record, Progress and the duplicate
filter, kept with a JOBDIR state but for what only this run's filter may know."""

import pickle

from scrapy import Spider

from matter_certis.run.url_tally import UrlTally, url_tally

URL = "https://csa-iot.org/csa_product/a/"


def test_what_befell_a_url_is_counted_once_whatever_else_befell_it():
    tally = UrlTally()
    for what in (UrlTally.FOUND, UrlTally.REQUESTED, UrlTally.FOUND, UrlTally.DONE):
        tally.mark(URL, what)
    tally.mark("https://csa-iot.org/csa_product/b/", UrlTally.FOUND)
    counts = [tally.count(what) for what in (UrlTally.FOUND, UrlTally.REQUESTED, UrlTally.DONE)]
    assert counts == [2, 1, 1]
    assert tally.has(URL, UrlTally.DONE) and not tally.has(URL, UrlTally.ASKED)


def test_a_pickled_tally_forgets_what_this_run_s_duplicate_filter_let_through():
    tally = UrlTally()
    tally.mark(URL, UrlTally.REQUESTED)
    tally.mark(URL, UrlTally.ASKED)
    tally.mark("https://csa-iot.org/csa_product/b/", UrlTally.ASKED)
    resumed = pickle.loads(pickle.dumps(tally))
    assert resumed.urls == {URL: UrlTally.REQUESTED}
    assert (resumed.count(UrlTally.REQUESTED), resumed.count(UrlTally.ASKED)) == (1, 0)


def test_a_spider_without_a_jobdir_state_keeps_one_tally():
    spider = Spider("plain")
    assert url_tally(spider) is url_tally(spider)


def test_a_jobdir_run_keeps_the_tally_in_the_spider_s_state():
    spider = Spider("jobdir")
    spider.state = {}
    tally = url_tally(spider)
    assert spider.state == {"url_tally": tally}


def test_a_state_saved_before_the_tally_was_shared_keeps_its_details_counted():
    """Such a state pickled Progress's ``DetailTally`` under ``detail_tally``."""
    old = UrlTally()
    old.mark(URL, UrlTally.DONE)
    saved = pickle.dumps({"detail_tally": old}, protocol=0).replace(
        b"cmatter_certis.run.url_tally\nUrlTally\n",
        b"cmatter_certis.extensions.progress\nDetailTally\n",
    )
    assert b"DetailTally" in saved
    spider = Spider("resumed")
    spider.state = pickle.loads(saved)
    assert url_tally(spider).count(UrlTally.DONE) == 1
    assert "detail_tally" not in spider.state
