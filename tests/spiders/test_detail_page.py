"""Detail-page values (issue 10): a listed product is never dropped for its values, the
text matched and stored is the text a reader sees, and nothing is guessed. One saved page
per case in tests/files."""

import pytest
from scrapy.http import HtmlResponse, Request

from matter_certis.items import ProductDetail
from matter_certis.parsing.loaders import ProductRefLoader
from matter_certis.pipelines.plausible import PlausibleValuesPipeline
from matter_certis.pipelines.validate import ValidatePipeline
from matter_certis.spiders.matter_products import MatterProductsSpider
from tests.helpers import FILES, response_from

URL = "https://csa-iot.org/csa_product/hue-smart-plug/"
REF = {
    "url": URL,
    "manufacturer": "Card Company",
    "model": "Card model",
    "certificate_id": None,
    "page_id": 7,
    "index_in_page": 5,
}


@pytest.fixture
def spider(make_spider):
    return make_spider(MatterProductsSpider)


def detail(spider, fixture, ref=REF):
    (item,) = list(spider.parse_detail(response_from(fixture, URL), ref=ref))
    assert isinstance(item, ProductDetail)
    return item


def stat(spider, name):
    return spider.crawler.stats.get_value(name)


# Never drop a listed product


def test_a_software_component_certificate_id_is_kept_verbatim_and_trimmed(spider):
    item = detail(spider, "matter_products_detail_software_component.html")
    assert item["certificate_id"] == "CSA23066SWC60117-M3"
    assert ValidatePipeline(spider.crawler.stats).process_item(item) is item


def test_a_detail_without_certificate_id_is_stored(spider):
    item = detail(spider, "matter_products_detail_odd_values.html")
    assert item.get("certificate_id") is None
    assert ValidatePipeline(spider.crawler.stats).process_item(item) is item


def test_a_card_keeps_a_software_component_certificate_id(spider):
    response = response_from("matter_products_list_post_feed.html", URL)
    loader = ProductRefLoader(response=response, spider=spider)
    loader.add_value("certificate_id", "Certificate ID:\u00a0CSA23066SWC60117-M3 ")
    assert loader.load_item()["certificate_id"] == "CSA23066SWC60117-M3"


# Never guess


def test_an_undocumented_date_is_null_warned_and_counted(spider, caplog):
    item = detail(spider, "matter_products_detail_odd_values.html")
    assert item.get("certification_date") is None
    assert stat(spider, "matter/invalid/certification_date") == 1
    assert f"Invalid certification_date on {URL}: not a date: '1/2/3' (known formats" in caplog.text


def test_a_value_shown_twice_on_a_page_is_warned_about_and_counted_once(spider, caplog):
    """The spans and the certificates table both show the date (the replica's pages do)."""
    item = detail(spider, "matter_products_detail_invalid_twice.html")
    assert item.get("certification_date") is None
    assert stat(spider, "matter/invalid/certification_date") == 1
    assert caplog.text.count(f"Invalid certification_date on {URL}: not a date: 'Pending'") == 1


def test_a_tis_trp_answer_other_than_yes_or_no_is_null_warned_and_counted(spider, caplog):
    item = detail(spider, "matter_products_detail_odd_values.html")
    assert item.get("tis_trp_tested") is None
    assert stat(spider, "matter/invalid/tis_trp_tested") == 1
    assert f"Invalid tis_trp_tested on {URL}: not Yes or No: 'Pending'" in caplog.text


def test_the_first_of_two_disagreeing_sources_is_kept(spider):
    item = detail(spider, "matter_products_detail_conflict.html")
    assert (item["vid"], item["software_version"]) == (0x1552, "2.1")


def test_a_conflict_is_warned_with_both_values_and_counted(spider, caplog):
    detail(spider, "matter_products_detail_conflict.html")
    assert f"Conflicting vid on {URL}: kept '0x1552', the page also shows '0x1553'" in caplog.text
    assert stat(spider, "matter/conflict/vid") == 1
    assert stat(spider, "matter/conflict/software_version") == 1


def test_one_date_in_two_formats_is_no_conflict(spider):
    item = detail(spider, "matter_products_detail_conflict.html")
    assert item["certification_date"] == "2025-06-27"
    assert stat(spider, "matter/conflict/certification_date") is None


# Markup text


def test_a_heading_with_unicode_spaces_still_finds_the_categories(spider):
    item = detail(spider, "matter_products_detail_nbsp_heading.html")
    assert item["application_categories"] == ["Lighting", "Smart Home"]


def test_a_label_with_a_non_breaking_space_still_names_its_field(spider):
    item = detail(spider, "matter_products_detail_nbsp_heading.html")
    assert item["certificate_id"] == "CSA23B1CMAT41234-01"


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("software_version", "1.2.0"),
        ("firmware_version", "4.1"),
        ("model", "Aqara Hub M3"),
        ("description", "A hub for every room."),
        ("application_categories", ["Hubs"]),
    ],
    ids=["span value", "colon value", "title", "description", "category"],
)
def test_script_and_style_content_is_never_stored_as_text(spider, field, expected):
    assert detail(spider, "matter_products_detail_script.html")[field] == expected


def test_script_content_is_never_card_text(spider):
    body = (
        b'<article><h3 class="entry-title">Wi-Fi plug<script>track()</script></h3>'
        b'<p class="entry-company">Tuya<style>p {}</style></p></article>'
    )
    response = response_from("matter_products_list_empty.html", URL).replace(body=body)
    loader = ProductRefLoader(selector=response.css("article")[0], response=response, spider=spider)
    loader.add_text("model", "h3.entry-title")
    loader.add_text("manufacturer", "p.entry-company")
    assert (loader.get_output_value("model"), loader.get_output_value("manufacturer")) == (
        "Wi-Fi plug",
        "Tuya",
    )


# The detail markup observed on the live site


@pytest.fixture
def live(spider):
    return detail(spider, "matter_products_detail_live.html")


def test_live_company_comes_from_the_by_line(live):
    assert live["manufacturer"] == "Signify"


def test_live_description_lies_between_the_by_line_and_the_view_all_link(live):
    assert live["description"] == (
        "Turn any lamp into a smart light.\n\nWorks with every Matter controller."
    )


def test_live_program_category_is_never_a_device_type(live):
    assert live["device_type"] == "On/Off Plug-in Unit"
    assert "Matter" not in live.values()


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("vid", 0x100B),
        ("pid", 0x0042),
        ("certificate_id", "CSA24123MAT42001-01"),
        ("certification_date", "2025-06-27"),
        ("transport_interface", "Thread"),
        ("model", "Hue Smart Plug"),
    ],
)
def test_live_fields_are_found_in_nested_columns(live, field, expected):
    assert live[field] == expected


def test_a_by_line_without_the_view_all_link_is_not_the_company(spider):
    """Only the live layout's company line counts: elsewhere ``By using this site...`` is not
    a company; the card's manufacturer is kept."""
    item = detail(spider, "matter_products_detail_cookie_notice.html")
    assert item["manufacturer"] == "Card Company"
    assert item["description"] == "A smart plug."


@pytest.mark.parametrize(
    "link_text",
    ["VIEW ALL PRODUCTS", "view\u00a0all  <span>Products</span>", " View All Products "],
)
def test_the_view_all_link_is_found_however_its_text_is_written(spider, link_text):
    body = (FILES / "matter_products_detail_live.html").read_text(encoding="utf-8")
    body = body.replace(">View All Products<", f">{link_text}<")
    response = HtmlResponse(url=URL, body=body, encoding="utf-8", request=Request(URL))
    (item,) = list(spider.parse_detail(response, ref=REF))
    assert item["manufacturer"] == "Signify"
    assert item["description"].startswith("Turn any lamp")


# Malformed pages and absurd values


def parse(spider, fixture, ref=REF):
    """A detail as the pipelines receive it: parsed, then its implausible values nulled."""
    item = detail(spider, fixture, ref)
    return PlausibleValuesPipeline(spider.crawler.stats).process_item(item)


def test_validation_keeps_a_detail_with_nothing_but_its_key(spider):
    """An empty page is the page check's matter (it never reaches parse_detail); what the
    parser makes of one, a detail with its url and slot only, is still stored, not dropped."""
    nameless_card = {**REF, "manufacturer": None, "model": None}
    item = parse(spider, "matter_products_detail_empty.html", nameless_card)
    assert ValidatePipeline(spider.crawler.stats).process_item(item) is item
    assert dict(item) == {"url": URL, "page_id": 7, "index_in_page": 5}


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("model", "Half a page"),
        ("vid", 0x1552),
        ("certificate_id", "CSA22059MAT40059-24"),
        ("certification_date", None),
        ("page_id", 7),
    ],
)
def test_unclosed_tags_and_odd_labels_still_parse(spider, field, expected):
    assert parse(spider, "matter_products_detail_broken.html").get(field) == expected


def test_unknown_labels_are_ignored(spider):
    item = parse(spider, "matter_products_detail_broken.html")
    assert "Teal" not in item.values() and "orphan value" not in item.values()


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("model", None),
        ("manufacturer", "Caf\u00e9 Labs"),
        ("family_sku", None),
        ("certificate_id", "CSA22059MAT40059-24"),
    ],
    ids=["2000-character name", "control characters", "invalid UTF-8", "sane value kept"],
)
def test_absurd_values_are_nulled_or_cleaned(spider, field, expected):
    assert parse(spider, "matter_products_detail_absurd.html").get(field) == expected


def test_absurd_values_are_warned_about_and_counted(spider, caplog):
    parse(spider, "matter_products_detail_absurd.html")
    stats = spider.crawler.stats
    assert stats.get_value("matter/invalid/model") == 1
    assert stats.get_value("matter/invalid/family_sku") == 1
    assert f"Invalid model on {URL}: 1999 characters (at most 500)" in caplog.text
    assert f"Invalid family_sku on {URL}: undecodable bytes" in caplog.text
