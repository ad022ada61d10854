"""The matter_products spider's callbacks on saved pages, one markup variant per fixture."""

import pytest
from scrapy import Request

from matter_certis.db import models
from matter_certis.items import ProductDetail, ProductRef, RequestFailure
from matter_certis.spiders.matter_products import MatterProductsSpider
from tests.helpers import response_from

LIST_URL = "https://csa-iot.org/csa-iot_products/?p_type%5B%5D=14"
PAGE_481_URL = "https://csa-iot.org/csa-iot_products/page/481/?p_type%5B%5D=14"
# The saved listing pages are short: each is read as the last page of its listing.
POST_FEED_TOTAL = 481 * 12 + 3  # 482 pages, the 3 saved cards on the last
CROWN_BLOCKS_TOTAL = 480 * 12 + 2  # 481 pages, the 2 saved cards on the last


@pytest.fixture
def spider(make_spider):
    return make_spider(MatterProductsSpider)


def split(results):
    refs = [r for r in results if isinstance(r, ProductRef)]
    requests = [r for r in results if isinstance(r, Request)]
    return refs, requests


@pytest.fixture
def post_feed(spider):
    response = response_from("matter_products_list_post_feed.html", LIST_URL + "&paged=482")
    return split(list(spider.parse_listing(response, page=482, total=POST_FEED_TOTAL)))


@pytest.fixture
def crown_blocks(spider):
    response = response_from("matter_products_list_crown_blocks.html", PAGE_481_URL)
    return split(list(spider.parse_listing(response, page=481, total=CROWN_BLOCKS_TOTAL)))


def test_post_feed_yields_one_ref_and_one_detail_request_per_card(post_feed):
    refs, requests = post_feed
    assert len(refs) == 3
    assert [r.url for r in requests] == [ref["url"] for ref in refs]


def test_post_feed_links_are_absolute_and_skip_non_product_links(post_feed):
    refs, _ = post_feed
    assert [ref["url"] for ref in refs] == [
        "https://csa-iot.org/csa_product/wi-fi-plug-27/",
        "https://csa-iot.org/csa_product/smart-bulb-e27/",
        "https://csa-iot.org/csa_product/thread-sensor/",
    ]


def test_featured_products_outside_the_cards_are_not_listed(post_feed):
    refs, requests = post_feed
    urls = [ref["url"] for ref in refs] + [r.url for r in requests]
    assert not any("featured" in url for url in urls)


def test_card_manufacturer_and_model_are_cleaned(post_feed):
    refs, _ = post_feed
    assert refs[0]["manufacturer"] == "Tuya Global Inc."
    assert refs[0]["model"] == "Wi-Fi plug"
    assert refs[1]["model"] == "Hue White & Color Ambiance"


@pytest.mark.parametrize(
    ("card", "expected"),
    [(0, "CSA22059MAT40059-24"), (1, "CSA244D4MAT43911-00"), (2, None)],
    ids=["entry-certificate-id", "entry-cert-id", "none"],
)
def test_card_certificate_id_variants(post_feed, card, expected):
    refs, _ = post_feed
    assert refs[card].get("certificate_id") == expected


def test_last_page_cards_take_the_oldest_slots(post_feed):
    refs, _ = post_feed
    assert [(r["page_id"], r["index_in_page"]) for r in refs] == [(0, 2), (0, 1), (0, 0)]


def test_crown_blocks_theme_cards(crown_blocks):
    refs, _ = crown_blocks
    assert [ref["url"] for ref in refs] == [
        "https://csa-iot.org/csa_product/aqara-hub-m3/",
        "https://csa-iot.org/csa_product/essentials-a19/",
    ]
    assert refs[1]["manufacturer"] == "Nanoleaf"
    assert refs[1]["model"] == "Essentials A19"
    assert refs[0]["certificate_id"] == "CSA23B1CMAT41234-01"


def test_crown_blocks_slots(crown_blocks):
    refs, _ = crown_blocks
    assert [(r["page_id"], r["index_in_page"]) for r in refs] == [(0, 1), (0, 0)]


def test_a_page_with_fewer_cards_than_its_place_implies_is_read_again(spider):
    arguments = {"page": 1, "total": POST_FEED_TOTAL}
    response = response_from("matter_products_list_post_feed.html", LIST_URL, cb_kwargs=arguments)
    (request,) = list(spider.parse_listing(response, page=1, total=POST_FEED_TOTAL))
    assert request.url == response.request.url
    assert request.cb_kwargs == {"page": 1, "total": POST_FEED_TOTAL}
    assert request.meta["retry_times"] == 1
    assert spider.crawler.stats.get_value("matter/incomplete_pages") == 1


def test_a_page_still_cut_short_after_the_retries_is_given_up(spider):
    response = response_from(
        "matter_products_list_post_feed.html", LIST_URL, meta={"retry_times": 3}
    )
    (failure,) = list(spider.parse_listing(response, page=1, total=POST_FEED_TOTAL))
    assert isinstance(failure, RequestFailure)
    assert (failure["kind"], failure["error_type"]) == ("list", "unusable page")
    assert failure["error_message"] == "page 1 shows 3 cards, expected 12"


def test_detail_requests_carry_the_ref_and_a_canonical_deltafetch_key(post_feed):
    refs, requests = post_feed
    request = requests[0]
    assert request.callback.__name__ == "parse_detail"
    assert request.cb_kwargs["ref"] == dict(refs[0])
    assert request.meta["deltafetch_key"] == refs[0]["url"]


def test_status_check_requests_the_last_page_from_the_pagination(spider):
    response = response_from("matter_products_list_post_feed.html", LIST_URL)
    (request,) = list(spider.parse_status(response))
    assert request.url.endswith("paged=482")
    assert request.callback.__name__ == "parse_last_page"
    assert request.cb_kwargs == {"total_pages": 482}
    assert request.meta["deltafetch_enabled"] is False


def test_status_check_reads_wordpress_page_numbers(spider):
    response = response_from("matter_products_list_crown_blocks.html", LIST_URL)
    (request,) = list(spider.parse_status(response))
    assert request.cb_kwargs == {"total_pages": 482}


def test_a_page_without_pagination_is_the_only_page(spider):
    response = response_from("matter_products_list_empty.html", LIST_URL)
    (request,) = list(spider.parse_status(response))
    assert request.callback.__name__ == "parse_last_page"
    assert request.cb_kwargs == {"total_pages": 1, "earlier_count": 0}


def test_a_listing_without_cards_twice_is_given_up_without_planning(spider):
    response = response_from("matter_products_list_empty.html", LIST_URL)
    (failure,) = list(spider.parse_last_page(response, total_pages=1, earlier_count=0))
    assert failure["error_message"].startswith("implausible status check: 0 cards on page 1")


def test_an_unconfirmed_last_page_is_read_twice(spider):
    response = response_from("matter_products_list_post_feed.html", LIST_URL + "&paged=4")
    (request,) = list(spider.parse_last_page(response, total_pages=4))
    assert request.url == spider.page_url(4)
    assert request.cb_kwargs == {"total_pages": 4, "earlier_count": 3}


def test_last_page_learns_the_total_and_requests_the_other_pages(make_spider):
    spider = make_spider(MatterProductsSpider)
    response = response_from("matter_products_list_post_feed.html", LIST_URL + "&paged=4")
    refs, requests = split(list(spider.parse_last_page(response, total_pages=4, earlier_count=2)))
    assert [(r["page_id"], r["index_in_page"]) for r in refs] == [(0, 2), (0, 1), (0, 0)]
    listing = [r for r in requests if r.callback.__name__ == "parse_listing"]
    assert [r.cb_kwargs["page"] for r in listing] == [1, 2, 3]
    # read in page order, before the details
    assert listing[0].priority > listing[1].priority > listing[2].priority > 1
    assert {r.cb_kwargs["total"] for r in listing} == {39}


def test_only_the_first_status_check_reads_every_stored_slot(make_spider):
    """A later check asks the database for its oldest product's slot only: a large
    catalogue's map of every slot was part of the closing check's peak memory."""
    spider = make_spider(MatterProductsSpider)
    for slot in range(3):
        models.Product.create(url=f"{LIST_URL}#{slot}", page_id=0, index_in_page=slot)
    assert len(spider.stored()().slots) == 3
    response = response_from("matter_products_list_post_feed.html", LIST_URL + "&paged=4")
    list(spider.parse_last_page(response, total_pages=4, earlier_count=2))
    assert spider.planner.listing is not None
    assert spider.stored()().slots == {f"{LIST_URL}#0": 0}


REF = {
    "url": "https://csa-iot.org/csa_product/wi-fi-plug-27/",
    "manufacturer": "Card Manufacturer",
    "model": "Card model",
    "certificate_id": None,
    "page_id": 481,
    "index_in_page": 3,
}


def detail_from(spider, name):
    response = response_from(name, REF["url"])
    (item,) = list(spider.parse_detail(response, ref=REF))
    assert isinstance(item, ProductDetail)
    return item


@pytest.fixture
def spans(spider):
    return detail_from(spider, "matter_products_detail_spans.html")


@pytest.fixture
def colon(spider):
    return detail_from(spider, "matter_products_detail_colon.html")


@pytest.fixture
def table(spider):
    return detail_from(spider, "matter_products_detail_table.html")


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("url", REF["url"]),
        ("page_id", 481),
        ("index_in_page", 3),
        ("model", "Wi-Fi plug"),
        ("manufacturer", "Tuya Global Inc."),
        ("vid", 0x1552),
        ("pid", 0x0D02),
        ("family_sku", "TY-PLUG"),
        ("family_variant_sku", "TY-PLUG-EU"),
        ("firmware_version", "1.0.3"),
        ("hardware_version", None),
        ("software_version", "2.1"),
        ("certificate_id", "CSA22059MAT40059-24"),
        ("certification_date", "2025-06-27"),
        ("family_id", "FAM226196"),
        ("tis_trp_tested", False),
        ("specification_version", "1.1"),
        ("transport_interface", "Wi-Fi, Bluetooth"),
        ("primary_device_type_id", "0x010A, 0x0100"),
        ("device_type", "Plug-in Unit"),
        ("application_categories", ["Smart Plugs", "Energy Management"]),
        (
            "description",
            "A smart plug with energy monitoring.\n\nWorks with every Matter controller.",
        ),
        (
            "compliance_document_url",
            "https://csa-iot.org/wp-content/uploads/2025/06/CSA22059MAT40059-24.zip",
        ),
    ],
)
def test_detail_with_label_and_value_spans(spans, field, expected):
    assert spans.get(field) == expected


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("model", "Eve Door & Window"),
        ("manufacturer", "Eve Systems GmbH"),
        ("vid", 4874),
        ("pid", 0x13B1),
        ("family_sku", "20EBN9901"),
        ("family_variant_sku", None),
        ("software_version", None),
        ("firmware_version", "3.2.1"),
        ("certificate_id", "CSA23A11MAT40100-02"),
        ("certification_date", "2025-06-27"),
        ("tis_trp_tested", True),
        ("primary_device_type_id", "0x0015"),
        ("device_type", "Contact Sensor"),
        ("application_categories", None),
        ("description", None),
        ("compliance_document_url", "https://csa-iot.org/wp-content/uploads/2025/06/eve-door.zip"),
    ],
)
def test_detail_with_colon_text_fields(colon, field, expected):
    assert colon.get(field) == expected


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("certificate_id", "CSA244D4MAT43911-00"),
        ("certification_date", "2025-06-27"),
        ("software_version", "1.116.0"),
        ("hardware_version", "1"),
        ("vid", 0x100B),
        ("device_type", "Extended Color Light"),
        ("family_id", None),
        ("tis_trp_tested", None),
        ("compliance_document_url", None),
    ],
)
def test_detail_with_certificates_table(table, field, expected):
    assert table.get(field) == expected


def test_out_of_range_pid_is_null_warned_and_counted(spider, caplog):
    item = detail_from(spider, "matter_products_detail_table.html")
    assert item.get("pid") is None
    assert spider.crawler.stats.get_value("matter/invalid/pid") == 1
    assert "Invalid pid on https://csa-iot.org/csa_product/wi-fi-plug-27/" in caplog.text


def test_detail_falls_back_to_the_card_for_a_missing_manufacturer(spider):
    response = response_from("matter_products_list_empty.html", REF["url"])
    (item,) = list(spider.parse_detail(response, ref=REF))
    assert item["manufacturer"] == "Card Manufacturer"
    assert item["model"] == "Card model"
