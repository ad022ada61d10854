"""The duplicate filter lets redirect hops through: a hop back to an address already fetched is
how the site sends a detail page to its canonical URL. A detail the database lacks is asked
once a run, even when a resumed job's seen file remembers it."""

from scrapy import Request, Spider
from scrapy.utils.test import get_crawler

from matter_certis.dupefilter import RedirectHopsPassDupeFilter
from matter_certis.run.url_tally import UrlTally, url_tally
from tests.helpers import DETAIL_URL

OTHER_URL = "https://csa-iot.org/csa_product/other/"


def test_a_redirect_hop_back_to_a_fetched_address_is_not_a_duplicate():
    dupefilter = RedirectHopsPassDupeFilter()
    assert not dupefilter.request_seen(Request(DETAIL_URL))
    assert not dupefilter.request_seen(Request(DETAIL_URL, meta={"redirect_times": 2}))


def test_a_request_made_twice_is_still_a_duplicate():
    dupefilter = RedirectHopsPassDupeFilter()
    dupefilter.request_seen(Request(DETAIL_URL))
    assert dupefilter.request_seen(Request(DETAIL_URL))


def lacking(url=DETAIL_URL):
    """A detail request for a product the database holds without details."""
    return Request(url, meta={"from_database": True})


def test_a_detail_the_database_lacks_is_asked_once_a_run():
    dupefilter = RedirectHopsPassDupeFilter()
    assert not dupefilter.request_seen(lacking())
    assert dupefilter.request_seen(lacking())


def test_a_card_s_detail_after_the_database_s_request_of_it_is_a_duplicate():
    dupefilter = RedirectHopsPassDupeFilter()
    dupefilter.request_seen(lacking())
    assert dupefilter.request_seen(Request(DETAIL_URL))


def test_a_resumed_job_s_seen_file_does_not_hide_a_detail_the_database_lacks(tmp_path):
    interrupted = RedirectHopsPassDupeFilter(path=str(tmp_path))
    interrupted.request_seen(Request(DETAIL_URL))
    interrupted.close("shutdown")
    resumed = RedirectHopsPassDupeFilter(path=str(tmp_path))
    assert not resumed.request_seen(lacking())
    assert resumed.request_seen(Request("https://csa-iot.org/csa_product/other/")) is False
    interrupted_card = Request(DETAIL_URL)
    assert resumed.request_seen(interrupted_card)
    resumed.close("finished")


def test_each_fingerprint_of_the_run_is_held_once(tmp_path):
    dupefilter = RedirectHopsPassDupeFilter(path=str(tmp_path))
    for request in (Request(DETAIL_URL), lacking("https://csa-iot.org/csa_product/other/")):
        dupefilter.request_seen(request)
        fingerprint = dupefilter.fingerprinter.fingerprint(request)
        holders = [value for value in vars(dupefilter).values() if isinstance(value, set)]
        assert sum(fingerprint in holder for holder in holders) == 1
    dupefilter.close("finished")


def test_a_resumed_job_records_only_its_new_requests(tmp_path):
    interrupted = RedirectHopsPassDupeFilter(path=str(tmp_path))
    interrupted.request_seen(Request(DETAIL_URL))
    interrupted.close("shutdown")
    written = (tmp_path / "requests.seen").stat().st_size
    resumed = RedirectHopsPassDupeFilter(path=str(tmp_path))
    resumed.request_seen(Request(DETAIL_URL))
    resumed.request_seen(lacking("https://csa-iot.org/csa_product/lacking/"))
    resumed.request_seen(Request("https://csa-iot.org/csa_product/other/"))
    resumed.close("finished")
    again = RedirectHopsPassDupeFilter(path=str(tmp_path))
    assert (tmp_path / "requests.seen").stat().st_size == 2 * written
    assert again.earlier_runs == {
        again.fingerprinter.fingerprint(Request(url))
        for url in (DETAIL_URL, "https://csa-iot.org/csa_product/other/")
    }
    again.close("finished")


def detail(url=DETAIL_URL, **meta):
    """A detail request as the spider makes it: keyed by its product's url."""
    return Request(url, meta={"kind": "detail", "deltafetch_key": url, **meta})


def test_a_detail_page_is_asked_once_a_run():
    dupefilter = RedirectHopsPassDupeFilter()
    assert not dupefilter.request_seen(detail())
    assert dupefilter.request_seen(detail())


def test_the_run_s_details_are_marked_in_its_url_tally_not_held_as_fingerprints():
    dupefilter = RedirectHopsPassDupeFilter()
    dupefilter.request_seen(detail())
    assert dupefilter.tally.has(DETAIL_URL, UrlTally.ASKED)
    assert not [value for value in vars(dupefilter).values() if isinstance(value, set) and value]


def test_the_filter_of_a_crawl_marks_the_spider_s_tally():
    crawler = get_crawler(Spider)
    crawler.spider = Spider("plain")
    dupefilter = RedirectHopsPassDupeFilter.from_crawler(crawler)
    dupefilter.request_seen(detail())
    assert url_tally(crawler.spider).has(DETAIL_URL, UrlTally.ASKED)


def test_a_resumed_job_s_seen_file_hides_a_detail_asked_before_it_stopped(tmp_path):
    interrupted = RedirectHopsPassDupeFilter(path=str(tmp_path))
    interrupted.request_seen(detail())
    interrupted.close("shutdown")
    resumed = RedirectHopsPassDupeFilter(path=str(tmp_path))
    assert resumed.request_seen(detail())
    resumed.close("finished")


def test_a_resumed_job_s_seen_file_does_not_hide_a_detail_page_the_database_lacks(tmp_path):
    interrupted = RedirectHopsPassDupeFilter(path=str(tmp_path))
    interrupted.request_seen(detail())
    interrupted.close("shutdown")
    resumed = RedirectHopsPassDupeFilter(path=str(tmp_path))
    assert not resumed.request_seen(detail(from_database=True))
    resumed.close("finished")


def test_a_detail_the_database_lacks_is_not_written_to_the_seen_file(tmp_path):
    dupefilter = RedirectHopsPassDupeFilter(path=str(tmp_path))
    dupefilter.request_seen(detail(from_database=True))
    dupefilter.close("finished")
    assert (tmp_path / "requests.seen").stat().st_size == 0


def test_a_product_s_own_detail_after_another_s_page_redirected_to_it_is_a_duplicate():
    dupefilter = RedirectHopsPassDupeFilter()
    dupefilter.request_seen(detail())
    hop = Request(OTHER_URL, meta={"kind": "detail", "deltafetch_key": DETAIL_URL})
    hop.meta["redirect_times"] = 1
    assert not dupefilter.request_seen(hop)
    assert dupefilter.request_seen(detail(OTHER_URL))
