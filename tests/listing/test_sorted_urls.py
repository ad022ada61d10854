"""SortedUrls: the urls a run saw listed, asked as a set is, held as a sorted list."""

import pytest

from matter_certis.listing.places import SortedUrls

SEEN = ["https://a/p2/", "https://a/p9/", "https://a/p2/", "https://a/p5/"]


@pytest.mark.parametrize("url", ["https://a/p2/", "https://a/p5/", "https://a/p9/"])
def test_each_url_seen_is_in_it(url):
    assert url in SortedUrls(SEEN)


@pytest.mark.parametrize("url", ["https://a/p1/", "https://a/p3/", "https://a/pz/", ""])
def test_a_url_not_seen_is_not_in_it_whether_before_between_or_after_those_seen(url):
    assert url not in SortedUrls(SEEN)


def test_a_url_seen_twice_is_held_once():
    assert list(SortedUrls(SEEN)) == ["https://a/p2/", "https://a/p5/", "https://a/p9/"]
    assert len(SortedUrls(SEEN)) == 3


def test_none_seen_is_empty():
    assert not SortedUrls([]) and "https://a/p1/" not in SortedUrls([])
