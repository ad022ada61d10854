"""Listing cards, read one by one: the live site's markup, canonical product URLs, and a bad
card (no product link, a link to another site) that costs that card, not its page."""

import pytest
from scrapy import Request

from matter_certis.items import ProductRef, RequestFailure
from matter_certis.listing.steps import PageRead
from matter_certis.parsing import normalize
from matter_certis.spiders.matter_products import MatterProductsSpider
from tests.helpers import response_from

PAGE_5_URL = (
    "https://csa-iot.org/csa-iot_products/page/5/?p_keywords&p_type%5B0%5D=14"
    "&p_program_type%5B0%5D=1049&p_certificate&p_family&p_firmware_ver"
)
# The live fixture is page 5 of 498 (August 2025: 6 cards on the last page).
LIVE_TOTAL = 497 * 12 + 6
LAST_PAGE_URL = "https://csa-iot.org/csa-iot_products/?p_type%5B%5D=14&paged=498"


@pytest.fixture
def spider(make_spider):
    return make_spider(MatterProductsSpider)


def read(spider, fixture, url, page, total):
    request = Request(url, meta={"kind": "list", "page": page})
    response = response_from(fixture, url, meta=request.meta)
    results = list(spider.parse_listing(response, page=page, total=total))
    refs = [r for r in results if isinstance(r, ProductRef)]
    requests = [r for r in results if isinstance(r, Request)]
    failures = [r for r in results if isinstance(r, RequestFailure)]
    return refs, requests, failures


@pytest.fixture
def live(spider):
    return read(spider, "matter_products_list_live.html", PAGE_5_URL, page=5, total=LIVE_TOTAL)


# --- the live markup ----------------------------------------------------------------------


def test_live_cards_inside_one_link_give_twelve_products(live):
    refs, requests, failures = live
    assert len(refs) == 12 and failures == []
    assert refs[0]["url"] == "https://csa-iot.org/csa_product/wi-fi-plug-27/"
    assert [r.url for r in requests] == [ref["url"] for ref in refs]


def test_live_card_fields(live):
    refs, _, _ = live
    assert (refs[1]["manufacturer"], refs[1]["model"], refs[1]["certificate_id"]) == (
        "Signify Netherlands B.V.",
        "Hue White Ambiance",
        "CSA244D4MAT43911-00",
    )


def test_live_cards_keep_any_certificate_id_shape_or_none(live):
    refs, _, _ = live
    assert (refs[7]["certificate_id"], refs[5].get("certificate_id")) == (
        "CSA23066SWC60117-M3",
        None,
    )


def test_live_links_outside_the_cards_are_not_listed(live):
    refs, requests, _ = live
    assert "aqara-door-sensor-p2" not in " ".join(
        [ref["url"] for ref in refs] + [r.url for r in requests]
    )


def test_live_cards_take_the_slots_of_page_5(live):
    refs, _, _ = live
    assert (refs[0]["page_id"], refs[0]["index_in_page"]) == (493, 5)


def test_status_check_reads_the_live_page_count(spider):
    response = response_from("matter_products_list_live.html", PAGE_5_URL)
    (request,) = list(spider.parse_status(response))
    assert request.cb_kwargs == {"total_pages": 498}
    assert request.meta["page"] == 498


def test_a_link_around_the_whole_card_is_its_product_link(spider):
    refs, _, failures = read(
        spider,
        "matter_products_list_link_around_card.html",
        LAST_PAGE_URL,
        page=498,
        total=LIVE_TOTAL - 4,
    )
    assert failures == []
    assert [ref["url"] for ref in refs] == [
        "https://csa-iot.org/csa_product/wi-fi-plug-27/",
        "https://csa-iot.org/csa_product/eve-energy-eu/",
    ]


# --- bad cards, canonical URLs ------------------------------------------------------------

BAD_CARDS_TOTAL = 497 * 12 + 4  # the fixture's 4 cards as the last page, 498


@pytest.fixture
def bad_cards(spider):
    return read(
        spider,
        "matter_products_list_bad_cards.html",
        LAST_PAGE_URL,
        page=498,
        total=BAD_CARDS_TOTAL,
    )


def test_a_bad_card_costs_that_card_not_its_page(bad_cards):
    refs, requests, _ = bad_cards
    assert [(ref["url"], ref["index_in_page"]) for ref in refs] == [
        ("https://csa-iot.org/csa_product/wi-fi-plug-27/", 3),
        ("https://csa-iot.org/csa_product/nanoleaf-essentials-a19/", 0),
    ]
    assert [r.url for r in requests] == [ref["url"] for ref in refs]


def test_a_card_without_a_product_link_is_dead_lettered_with_its_page_and_place(bad_cards):
    _, _, failures = bad_cards
    assert (failures[0]["url"], failures[0]["kind"], failures[0]["error_type"]) == (
        f"{LAST_PAGE_URL}#card-2",
        "list",
        "bad card",
    )
    assert failures[0]["error_message"] == "no /csa_product/ link"


def test_a_card_linking_to_another_site_is_no_product(bad_cards):
    _, requests, failures = bad_cards
    assert failures[1]["url"] == f"{LAST_PAGE_URL}#card-3"
    assert failures[1]["error_message"] == (
        "links to another site: https://elsewhere.example/csa_product/eve-energy-eu/"
    )
    assert not any("elsewhere.example" in r.url for r in requests)


def test_bad_cards_are_counted(spider, bad_cards):
    assert spider.crawler.stats.get_value("matter/unusable/card") == 2


def test_a_tracking_query_and_fragment_are_not_part_of_a_product_url(bad_cards):
    refs, requests, _ = bad_cards
    assert (
        refs[1]["url"]
        == requests[1].url
        == requests[1].meta["deltafetch_key"]
        == ("https://csa-iot.org/csa_product/nanoleaf-essentials-a19/")
    )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://csa-iot.org/csa_product/plug/?utm_source=x&utm_medium=y#frag",
            "https://csa-iot.org/csa_product/plug/",
        ),
        ("https://csa-iot.org/csa_product/plug/#reviews", "https://csa-iot.org/csa_product/plug/"),
        ("https://csa-iot.org/csa_product/plug/", "https://csa-iot.org/csa_product/plug/"),
    ],
    ids=["query and fragment", "fragment", "already canonical"],
)
def test_canonical_url(url, expected):
    assert normalize.canonical_url(url) == expected


# --- listing requests --------------------------------------------------------------------


def test_a_listing_request_names_its_page_for_the_page_check(spider):
    assert spider.listing_request(PageRead("listing", 7, total=LIVE_TOTAL)).meta["page"] == 7
