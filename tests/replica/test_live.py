"""The markup observed on the live site, on the replica: served when
asked for, with the same ground truth as the older themes."""

import pytest
from parsel import Selector

from replica import Catalog, ReplicaServer
from replica.markup import LIVE_FILTERS
from tests.replica.reference import crawl_listing, fetch, parse_detail


@pytest.fixture(scope="module")
def live():
    with ReplicaServer(Catalog(products=60, seed=5, live_markup="only")) as s:
        yield s


def test_a_live_card_sits_inside_its_product_link(live):
    page = Selector(text=fetch(f"{live.list_url}&paged=2")[2])
    cards = page.css("div.post-feed article")
    assert len(cards) == 12
    for card, product in zip(cards, live.catalog.listed()[12:24]):
        classes = card.attrib["class"].split()
        assert {
            f"post-{product.post_id}",
            "product",
            "type-product",
            "status-publish",
            "hentry",
            "product_type-product",
            "product_category-matter",
        } <= set(classes)
        assert any(c.startswith("product_company-") for c in classes)
        (link,) = card.xpath("./a")
        assert link.attrib["href"].endswith(product.path)
        assert link.css("p.entry-company.notranslate") and link.css("h3.entry-title")
        assert link.css("p.entry-category::text").get() == "Matter"
        assert link.css("span.button::text").get() == "Learn More"
    assert page.css("article div.entry-excerpt p") and page.css("article p.entry-certificate-id")
    assert any(c.startswith("product_device_type-") for c in cards[0].attrib["class"].split())


def test_live_pagination_links_carry_the_live_filters(live):
    page = Selector(text=fetch(f"{live.list_url}&paged=2")[2])
    assert page.css("span.page-numbers.current::text").get() == "2"
    hrefs = page.css("a.page-numbers::attr(href)").getall()
    assert f"{live.base_url}/csa-iot_products/page/5/?{LIVE_FILTERS}" in hrefs
    assert fetch(f"{live.base_url}/csa-iot_products/page/5/?{LIVE_FILTERS}")[0] == 200


def test_a_live_detail_page_has_the_by_line_program_and_view_all_link(live):
    product = next(p for p in live.catalog.listed() if p.values["description"])
    html = fetch(live.base_url + product.path)[2]
    page = Selector(text=html)
    content = [" ".join(p.xpath("string()").get().split()) for p in page.css("div.entry-content p")]
    assert (
        content[0] == f"By {product.values['manufacturer']}" and content[-1] == "View All Products"
    )
    assert page.css("p.entry-category::text").get() == "Matter"
    assert not page.css("div.entry-product-details > div > ul > li") and page.css(
        "div.entry-product-details li.item"
    )
    assert ">Manufacturer<" not in html and ">Company<" not in html


def test_the_live_markup_keeps_the_ground_truth(live):
    assert Catalog(60, seed=5).expected_details("h") == live.catalog.expected_details("h")
    cards, pages = crawl_listing(live)
    assert pages == 5 and cards == live.catalog.expected_products(live.base_url)
    for card, want in zip(cards, live.catalog.expected_details(live.base_url)):
        got = parse_detail(fetch(card["url"])[2], live.base_url)
        got.update(url=card["url"], page_id=card["page_id"], index_in_page=card["index_in_page"])
        assert got == want


def test_the_live_markup_is_mixed_in_only_when_asked():
    with ReplicaServer(Catalog(60, seed=5)) as s:
        assert all("theme-live" not in fetch(f"{s.list_url}&paged={n}")[2] for n in range(1, 6))
        assert "View All Products" not in fetch(s.base_url + s.catalog.listed()[0].path)[2]
    with ReplicaServer(Catalog(60, seed=5, live_markup=True)) as s:
        themes = [
            Selector(text=fetch(f"{s.list_url}&paged={n}")[2])
            .css("body::attr(class)")
            .get()
            .split()[-1]
            for n in range(1, 6)
        ]
        assert themes == ["theme-new", "theme-old", "theme-live", "theme-old", "theme-new"]
        views = [
            "View All Products" in fetch(s.base_url + p.path)[2] for p in s.catalog.listed()[:6]
        ]
        assert 1 <= sum(views) < 6
    with pytest.raises(ValueError):
        Catalog(12, live_markup="yes")
