"""The duplicate filter lets redirect hops through: a hop back to an address already fetched is
how the site sends a detail page to its canonical URL."""

from scrapy import Request

from matter_certis.dupefilter import RedirectHopsPassDupeFilter
from tests.helpers import DETAIL_URL


def test_a_redirect_hop_back_to_a_fetched_address_is_not_a_duplicate():
    dupefilter = RedirectHopsPassDupeFilter()
    assert not dupefilter.request_seen(Request(DETAIL_URL))
    assert not dupefilter.request_seen(Request(DETAIL_URL, meta={"redirect_times": 2}))


def test_a_request_made_twice_is_still_a_duplicate():
    dupefilter = RedirectHopsPassDupeFilter()
    dupefilter.request_seen(Request(DETAIL_URL))
    assert dupefilter.request_seen(Request(DETAIL_URL))
