"""Broken pages on the replica (ReplicaServer.break_page): each fault is served as described,
for good or only for the first requests of a page."""

import json

import pytest
from parsel import Selector

from replica import Catalog, ReplicaServer
from replica.breaks import CARD, DEPTH
from tests.replica.reference import CARDS, fetch, get, parse_detail, parse_listing


@pytest.fixture
def server():
    with ReplicaServer(Catalog(products=60, seed=3)) as s:
        yield s


def detail_url(s):
    return s.base_url + s.catalog.listed()[0].path


def test_a_cut_listing_page_stops_after_three_cards(server):
    server.break_page("list", 1, "cut")
    html = fetch(server.list_url)[2]
    assert "</html>" not in html and "page-numbers" not in html and "pagination-wrapper" not in html
    cards = [m.start() for m in CARD.finditer(html)]
    assert (
        len(cards) == 4
        and "</article>" in html[cards[2] : cards[3]]
        and "</article>" not in html[cards[3] :]
    )


def test_a_cut_detail_page_stops_halfway_through_the_fields(server):
    server.break_page("detail", detail_url(server), "cut")
    html = fetch(detail_url(server))[2]
    assert (
        '<div class="entry-product-details">' in html
        and "</article>" not in html
        and "</html>" not in html
    )


def test_json_empty_and_binary_bodies(server):
    server.break_page("list", 1, "json")
    server.break_page("list", 2, "empty")
    server.break_page("detail", detail_url(server), "binary")
    status, headers, body = get(server.list_url)
    assert (status, headers["Content-Type"]) == (200, "application/json") and isinstance(
        json.loads(body), dict
    )
    status, headers, body = get(f"{server.list_url}&paged=2")
    assert (status, headers["Content-Type"], body) == (200, "text/html; charset=UTF-8", b"")
    status, headers, body = get(detail_url(server))
    assert (status, headers["Content-Type"]) == (200, "application/octet-stream") and len(
        body
    ) > 4000
    with pytest.raises(UnicodeDecodeError):
        body.decode()


def test_deep_nesting_hides_the_page_from_lxml(server):
    server.break_page("list", 1, "deep_nesting")
    server.break_page("detail", detail_url(server), "deep_nesting")
    html = fetch(server.list_url)[2]
    assert (
        html.count("<div>") >= DEPTH
        and len(CARD.findall(html)) == 12
        and html.endswith("</html>\n")
    )
    assert parse_listing(html, server.base_url)[0] == []
    fields = parse_detail(fetch(detail_url(server))[2], server.base_url)
    assert fields["vid"] is None and fields["certificate_id"] is None and fields["model"] is None


@pytest.mark.parametrize("kind", ["list", "detail"])
def test_a_redirect_loop_sends_the_page_back_and_forth(server, kind):
    url = server.list_url if kind == "list" else detail_url(server)
    server.break_page(kind, 1 if kind == "list" else url, "redirect_loop")
    status, headers, _ = get(url)
    assert status == 301 and headers["Location"] != url and "replica_loop=1" in headers["Location"]
    status, headers, _ = get(headers["Location"])
    assert status == 301 and headers["Location"] == url


def test_thirteen_cards_on_a_listing_page(server):
    server.break_page("list", 2, "thirteen_cards")
    cards = Selector(text=fetch(f"{server.list_url}&paged=2")[2]).css(CARDS)
    assert len(cards) == 13
    assert f"post-{server.catalog.listed()[24].post_id}" in cards[-1].attrib["class"]
    with pytest.raises(ValueError):
        server.break_page("detail", detail_url(server), "thirteen_cards")


@pytest.mark.parametrize(("fault", "status"), [("not_found", 404), ("gone", 410)])
def test_a_detail_page_taken_down_answers_its_status_while_the_card_stays(server, fault, status):
    server.break_page("detail", detail_url(server), fault)
    assert get(detail_url(server))[0] == status
    assert server.catalog.listed()[0].path in fetch(server.list_url)[2]


def test_times_breaks_only_the_first_requests_in_either_url_form(server):
    server.break_page("list", 3, "empty", times=2)
    forms = [
        f"{server.list_url}&paged=3",
        f"{server.base_url}/csa-iot_products/page/3/?p_keywords=",
    ]
    assert [get(url)[2] for url in forms] == [b"", b""]
    assert all(len(Selector(text=fetch(url)[2]).css(CARDS)) == 12 for url in forms)


def test_a_page_broken_for_good_stays_broken_until_mended(server):
    server.break_page("detail", detail_url(server), "empty")
    assert [get(detail_url(server))[2] for _ in range(3)] == [b""] * 3
    server.mend_pages()
    assert b"</html>" in get(detail_url(server))[2]


def test_bad_breaks_are_refused(server):
    with pytest.raises(ValueError, match="unknown page fault"):
        server.break_page("list", 1, "haunted")
    with pytest.raises(ValueError, match="kind"):
        server.break_page("dcl", 1, "empty")
    with pytest.raises(KeyError):
        server.break_page("detail", "/csa_product/no-such-thing/", "empty")
