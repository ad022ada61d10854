"""A detail page answered from another address: another product's page never lends its
values (the product is dead-lettered, saying where it was sent), and a stored product's page
moved for good to a page showing its own certificate id is the product renamed."""

import pytest

from matter_certis.items import ProductDetail, ProductMove, RequestFailure
from matter_certis.spiders.matter_products import MatterProductsSpider
from tests.helpers import response_from

URL = "https://csa-iot.org/csa_product/hue-smart-plug/"
OTHER_URL = "https://csa-iot.org/csa_product/wi-fi-plug-27/"
# The certificate id the saved page shows.
SHOWN_CERTIFICATE = "CSA22059MAT40059-24"


@pytest.fixture
def spider(make_spider):
    return make_spider(MatterProductsSpider)


def ref(certificate_id=SHOWN_CERTIFICATE, url=URL):
    return {
        "url": url,
        "manufacturer": "Signify",
        "model": "Hue smart plug",
        "certificate_id": certificate_id,
        "page_id": 7,
        "index_in_page": 5,
    }


def answer(spider, ref, answered_from=OTHER_URL, redirects=(301,), from_database=True):
    """The items of the detail callback for ``ref``, whose page was answered from
    ``answered_from`` after ``redirects``."""
    meta = {
        "kind": "detail",
        "deltafetch_key": ref["url"],
        "from_database": from_database,
        "redirect_reasons": list(redirects),
    }
    response = response_from("matter_products_detail_spans.html", answered_from, meta=meta)
    return list(spider.parse_detail(response, ref=ref))


def test_another_products_page_is_dead_lettered_with_where_it_was_sent(spider):
    (failure,) = answer(spider, ref(certificate_id="CSA99999MAT00001-00"))
    assert isinstance(failure, RequestFailure)
    assert (failure["url"], failure["kind"]) == (URL, "detail")
    assert failure["error_message"] == f"redirected to {OTHER_URL}"
    assert spider.crawler.stats.get_value("matter/unusable/detail") == 1


def test_a_product_without_a_certificate_id_is_never_taken_for_the_page_it_was_sent_to(spider):
    (failure,) = answer(spider, ref(certificate_id=None))
    assert isinstance(failure, RequestFailure)


def test_a_stored_product_moved_for_good_to_a_page_with_its_certificate_id_was_renamed(spider):
    move, detail = answer(spider, ref(certificate_id=f" {SHOWN_CERTIFICATE.lower()}"))
    assert move == ProductMove(url=URL, new_url=OTHER_URL)
    assert isinstance(detail, ProductDetail)
    assert (detail["url"], detail["page_id"]) == (OTHER_URL, 7)


@pytest.mark.parametrize("redirects", [(302,), (301, 307)])
def test_a_temporary_redirect_is_no_rename(spider, redirects):
    (failure,) = answer(spider, ref(), redirects=redirects)
    assert isinstance(failure, RequestFailure)


def test_a_card_the_listing_shows_now_is_no_rename_even_with_the_same_certificate_id(spider):
    (failure,) = answer(spider, ref(), from_database=False)
    assert isinstance(failure, RequestFailure)


@pytest.mark.parametrize("answered_from", [URL, URL.rstrip("/"), f"{URL}?utm_source=x#details"])
def test_the_page_at_its_own_address_is_the_products(spider, answered_from):
    (detail,) = answer(spider, ref(certificate_id=None), answered_from=answered_from)
    assert isinstance(detail, ProductDetail) and detail["url"] == URL
