"""Hostile content on the replica (Catalog.quirk): each quirk is really in the served HTML, and the
ground truth says what a correct crawl stores for it."""

import re

import pytest
from parsel import Selector

from replica import Catalog, ReplicaServer
from replica.quirks import ODD_DATES, QUIRKS
from tests.replica.reference import crawl_listing, fetch, parse_detail, to_id


@pytest.fixture(scope="module")
def server():
    """Nine products with one quirk each on page 1, in the new theme, and nine on page 3, in
    the live markup."""
    catalog = Catalog(products=36, seed=4, live_markup=True)
    for products in (catalog.listed()[1:], catalog.listed()[25:]):
        for product, name in zip(products, QUIRKS):
            catalog.quirk(product.path, name)
    with ReplicaServer(catalog) as s:
        yield s


def product_with(server, name):
    return next(p for p in server.catalog.listed() if name in p.quirks)


def card_of(server, product):
    page = server.catalog.listed().index(product) // 12 + 1
    html = fetch(f"{server.list_url}&paged={page}")[2]
    return Selector(text=html).css(f"article.post-{product.post_id}")[0]


def detail_of(server, product):
    return fetch(server.base_url + product.path)[2]


def truth(server, product):
    url = server.base_url + product.path
    ref = next(r for r in server.catalog.expected_products(server.base_url) if r["url"] == url)
    return ref, next(d for d in server.catalog.expected_details(server.base_url) if d["url"] == url)


def test_a_reference_crawl_of_every_quirk_matches_the_ground_truth(server):
    cards, pages = crawl_listing(server)
    assert pages == 3 and cards == server.catalog.expected_products(server.base_url)
    assert len(cards) == 32
    for card, want in zip(cards, server.catalog.expected_details(server.base_url)):
        got = parse_detail(fetch(card["url"])[2], server.base_url)
        got.update(url=card["url"], page_id=card["page_id"], index_in_page=card["index_in_page"])
        assert got == want


def test_swc_certificate_id_is_on_card_and_detail_and_kept_verbatim(server):
    product = product_with(server, "swc_certificate_id")
    ref, detail = truth(server, product)
    assert (
        re.fullmatch(r"CSA\d{5}SWC\d{5}-M\d", ref["certificate_id"])
        and detail["certificate_id"] == ref["certificate_id"]
    )
    assert (
        card_of(server, product).css("p.entry-certificate-id::text").get()
        == f"Certificate ID: {ref['certificate_id']}"
    )
    assert f'<span class="value">{ref["certificate_id"]}</span>' in detail_of(server, product)


def test_a_test_product_without_certificate_id_is_still_a_product(server):
    product = product_with(server, "no_certificate_id")
    ref, detail = truth(server, product)
    assert (ref["certificate_id"], detail["certificate_id"], ref["model"]) == (
        None,
        None,
        "Test Product",
    )
    assert not card_of(server, product).css(".entry-certificate-id, .entry-cert-id")
    html = detail_of(server, product)
    assert (
        "Certificate ID" not in html and "Certification ID" not in html and "Test Product" in html
    )


def test_nbsp_heading_still_heads_the_categories(server):
    product = product_with(server, "nbsp_heading")
    assert "<h3>Application&nbsp;Categories</h3>" in detail_of(server, product)
    assert truth(server, product)[1]["application_categories"]


def test_script_and_style_are_in_the_page_but_not_in_the_truth(server):
    product = product_with(server, "script_in_value")
    page = Selector(text=detail_of(server, product))
    value = page.xpath('//li[span[@class="label"]="Software Version"]/span[@class="value"]')
    assert value.css("script") and value.css("style")
    assert page.css("div.entry-content p script") and page.css("div.entry-content p style")
    detail = truth(server, product)[1]
    for text in (detail["software_version"], detail["description"]):
        assert (
            text and "Buy now" not in text and "certificate" not in text and "Sold out" not in text
        )


def test_vid_conflict_the_table_disagrees_and_the_first_value_is_the_truth(server):
    product = product_with(server, "vid_conflict")
    page = Selector(text=detail_of(server, product))
    first = page.xpath('//li[span[@class="label"]="Vendor ID"]/span[@class="value"]/text()').get()
    table = page.xpath(
        '//table[@class="product-certificates-table"]//tr[td[1]="VID"]/td[2]/text()'
    ).get()
    vid = truth(server, product)[1]["vid"]
    assert to_id(first) == vid and to_id(table) == vid + 1


def test_a_tracking_link_leads_to_the_canonical_url(server):
    product = product_with(server, "tracking_link")
    href = card_of(server, product).css("a[href*='/csa_product/']::attr(href)").get()
    assert href.endswith(f"{product.path}?utm_source=x#frag")
    assert truth(server, product)[0]["url"] == server.base_url + product.path
    assert (
        fetch(server.base_url + product.path)[0] == 200
        and fetch(server.base_url + href.split(server.base_url)[-1])[0] == 200
    )


def test_an_odd_date_is_shown_and_not_guessed(server):
    product = product_with(server, "odd_date")
    shown = (
        Selector(text=detail_of(server, product))
        .xpath('//li[span[@class="label"][contains(., "Date")]]/span[@class="value"]/text()')
        .get()
    )
    assert shown in ODD_DATES and truth(server, product)[1]["certification_date"] is None


@pytest.mark.parametrize("name", ["no_link_card", "offsite_link"])
def test_an_unusable_card_is_left_out_and_listed_as_unusable(server, name):
    product = product_with(server, name)
    links = card_of(server, product).css("a::attr(href)").getall()
    if name == "no_link_card":
        assert not [h for h in links if "/csa_product/" in h]
    else:
        assert f"https://elsewhere.example{product.path}" in links
    url = server.base_url + product.path
    assert url not in [r["url"] for r in server.catalog.expected_products(server.base_url)]
    assert url not in [d["url"] for d in server.catalog.expected_details(server.base_url)]
    unusable = {r["url"]: r for r in server.catalog.unusable_cards(server.base_url)}
    assert (
        set(unusable)
        == {
            server.base_url + p.path
            for p in server.catalog.listed()
            if p.quirks & {"no_link_card", "offsite_link"}
        }
        and len(unusable) == 4
    )
    slots = [
        (r["page_id"], r["index_in_page"])
        for r in server.catalog.expected_products(server.base_url)
    ]
    assert (unusable[url]["page_id"], unusable[url]["index_in_page"]) not in slots and len(
        slots
    ) == 32


def test_unknown_quirk_is_refused():
    catalog = Catalog(12)
    with pytest.raises(ValueError, match="unknown quirk"):
        catalog.quirk(catalog.listed()[0].path, "haunted")
