"""The replica is what every crawl test runs against: check it serves the site's markup variants and
that its ground truth matches what an independent reference parser reads off the pages."""

import http.client
import json
import re
import subprocess
import sys
import time
import urllib.error
from collections import Counter
from urllib.parse import quote

import pytest
from parsel import Selector

from replica import Catalog, Faults, ReplicaServer
from tests.replica.reference import CARDS, PAGER, crawl_listing, fetch, parse_detail, parse_listing


@pytest.fixture(scope="module")
def server():
    with ReplicaServer(Catalog(products=600, seed=0)) as s:
        yield s


# -- listing ------------------------------------------------------------------------------------
def test_listing_and_details_match_ground_truth(server):
    cards, pages = crawl_listing(server)
    assert pages == 50 and len(cards) == 600
    assert cards == server.catalog.expected_products(server.base_url)
    expected = server.catalog.expected_details(server.base_url)
    for card, want in zip(cards, expected):
        got = parse_detail(fetch(card["url"])[2], server.base_url)
        got.update(url=card["url"], page_id=card["page_id"], index_in_page=card["index_in_page"])
        assert got == want


def test_page_one_last_page_and_past_the_end():
    with ReplicaServer(Catalog(605)) as s:
        status, headers, html = fetch(s.list_url)
        assert status == 200 and headers["Content-Type"] == "text/html; charset=UTF-8"
        assert (
            parse_listing(html, s.base_url)[1] == 51
            and len(parse_listing(html, s.base_url)[0]) == 12
        )
        for url in (
            f"{s.list_url}&paged=51",
            f"{s.base_url}/csa-iot_products/page/51/?p_keywords=",
        ):
            assert len(parse_listing(fetch(url)[2], s.base_url)[0]) == 5
        status, _, html = fetch(f"{s.list_url}&paged=52")
        assert status == 200 and parse_listing(html, s.base_url)[0] == []
        assert fetch(f"{s.base_url}/csa-iot_products/page/52/")[0] == 404
        assert fetch(s.base_url + "/robots.txt")[2] == "User-agent: *\nAllow: /\n"
    with ReplicaServer(Catalog(12)) as s:
        html = fetch(s.list_url)[2]
        assert len(parse_listing(html, s.base_url)[0]) == 12 and "page-numbers" not in html


def test_markup_variants_all_occur(server):
    pages = [fetch(f"{server.list_url}&paged={n}")[2] for n in range(1, 51)]
    joined = "".join(pages)
    assert (
        '<div class="post-feed">' in pages[1] and "wp-block-crown-blocks-product-index" in pages[0]
    )
    assert 'class="pagination-wrapper"' in joined and 'class="navigation pagination"' in joined
    assert 'aria-current="page" class="page-numbers current">17<' in pages[16]
    nums = [t for t in Selector(text=pages[16]).css(PAGER).getall() if t.strip().isdigit()]
    assert nums == ["1", "15", "16", "17", "18", "19", "50"]
    assert (
        "&laquo; Previous" in pages[16] and "Next &raquo;" in pages[16] and "Next" not in pages[49]
    )
    for needle in (
        '<p class="entry-certificate-id">',
        '<span class="entry-cert-id">',
        'href="/csa-iot_members/',
        f'href="{server.base_url}/csa_product/',
        'href="/csa_product/',
        "&amp;",
        "\u00a0",
        "  ",
        "featured-products",
    ):
        assert needle in joined, needle
    assert (
        sum(
            len(Selector(text=p).css(CARDS).css("p.entry-certificate-id, span.entry-cert-id"))
            for p in pages
        )
        < 590
    )
    details = [fetch(d["url"])[2] for d in server.catalog.expected_products(server.base_url)[:300]]
    joined = "".join(details)
    for needle in (
        '<span class="label">Vendor ID</span>',
        "<li>Vendor ID: ",
        ">Company<",
        ">Manufacturer<",
        "Certified Date",
        "Certification Date<",
        ">Product Type<",
        ">Category<",
        ">Device Type<",
        "product-certificates-table",
        "Certification Type",
        "vendor id",
        "Vendor ID :",
        '<div class="product-documents">',
        "Compliance Document</span>",
        ">0X",
        "TBD",
        ">0x1FFFF<",
        ",0x0100",
        "<h3>Application Categories</h3>",
        "<p>&nbsp;</p>",
        "More by ",
    ):
        assert needle in joined, needle
    values = Counter(re.sub(r"[0-9]", "9", v) for v in re.findall(r'"value">([^<]*)<', joined))
    for shape in ("9x9999", "9999", "99/99/9999", "9999-99-99"):
        assert values[shape], shape
    assert re.search(r'"value">[A-Z][a-z]+ \d+, \d{4}<', joined) and re.search(
        r'"value">\d\d [A-Z][a-z]{2} \d{4}<', joined
    )
    assert re.search(r'"value">0x[0-9a-f]*[a-f][0-9a-f]*<', joined) and re.search(
        r'"value">[0-9A-F]*[A-F][0-9A-F]*<', joined
    )


# -- ground truth arithmetic and mutations ------------------------------------------------------
@pytest.mark.parametrize("n,pages,last", [(600, 50, 12), (605, 51, 5), (481 * 12 + 4, 482, 4)])
def test_positions(n, pages, last):
    c = Catalog(n)
    refs = c.expected_products("http://x")
    assert c.page_count() == pages and len(c.page(pages)[0]) == last and len(refs) == n
    assert (refs[-1]["page_id"], refs[-1]["index_in_page"]) == (0, 0)
    if n == 481 * 12 + 4:  # the live site once: 482 pages, 4 on the last
        assert [(r["page_id"], r["index_in_page"]) for r in refs[-16:]] == [
            (1, 3),
            (1, 2),
            (1, 1),
            (1, 0),
        ] + [(0, i) for i in range(11, -1, -1)]
    assert sorted((r["page_id"], r["index_in_page"]) for r in refs) == [
        divmod(i, 12) for i in range(n)
    ]
    certs = [d["certificate_id"] for d in c.expected_details("http://x")]
    assert len(set(certs)) == n and all(
        re.fullmatch(r"CSA[0-9A-F]{5}MAT\d{5}-\d\d", x) for x in certs
    )


def test_deterministic_and_stable_under_growth():
    a, b = Catalog(600, seed=0), Catalog(610, seed=0)
    assert Catalog(600, seed=0).expected_details("h") == a.expected_details("h")
    assert b.expected_details("h")[10:] == a.expected_details("h")
    assert Catalog(600, seed=1).expected_details("h") != a.expected_details("h")
    dates = [d["certification_date"] for d in b.expected_details("h") if d["certification_date"]]
    assert dates == sorted(dates, reverse=True)
    assert 40 <= len({d["vid"] for d in a.expected_details("h")} - {None}) <= 80


def test_add_delist_relist_change():
    with ReplicaServer(Catalog(600)) as s:
        c = s.catalog
        before = {r["url"]: r for r in c.expected_products(s.base_url)}
        first = parse_listing(fetch(s.list_url)[2], s.base_url)[0][0]
        c.add_products(5)
        cards = parse_listing(fetch(s.list_url)[2], s.base_url)[0]
        assert cards[5]["url"] == first["url"] and not set(r["url"] for r in cards[:5]) & set(
            before
        )
        after = {r["url"]: r for r in c.expected_products(s.base_url)}
        assert all(after[u] == r for u, r in before.items()) and len(after) == 605
        assert crawl_listing(s)[0] == c.expected_products(s.base_url)
        gone = cards[7]["url"]
        c.delist([gone])
        refs = crawl_listing(s)[0]
        assert gone not in [r["url"] for r in refs] and refs == c.expected_products(s.base_url)
        assert fetch(gone)[0] == 200 and gone not in [
            d["url"] for d in c.expected_details(s.base_url)
        ]
        c.relist(gone)
        assert crawl_listing(s)[0] == c.expected_products(s.base_url) and len(c) == 605
        c.change(first["url"], software_version="2.0", model="New  name")
        got = parse_detail(fetch(first["url"])[2], s.base_url)
        assert (got["software_version"], got["model"]) == ("2.0", "New name")
        with pytest.raises(ValueError):
            c.change(first["url"], colour="red")
        assert fetch(first["url"].rstrip("/"))[0] == 200  # redirected to the slash form
        assert fetch(s.base_url + "/csa_product/no-such-thing/")[0] == 404


# -- DCL ----------------------------------------------------------------------------------------
def walk(s, limit, max_pages=50):
    vendors, key = [], ""
    for _ in range(max_pages):
        url = f"{s.dcl_url}/dcl/vendorinfo/vendors?pagination.limit={limit}" + (
            f"&pagination.key={quote(key, safe='')}" if key else ""
        )
        body = json.loads(fetch(url)[2])
        vendors += body["vendorInfo"]
        key = body["pagination"]["next_key"]
        if not key:
            return vendors
        assert {"+", "/", "="} <= set(key)
    raise AssertionError("pagination loops")


def test_dcl_walk(server):
    vendors = walk(server, 7)
    expected = server.catalog.expected_vendors()
    assert [v["vendorID"] for v in vendors] == [e["vendor_id"] for e in expected]
    assert len(expected) > 50 and {v["vendorID"] for v in vendors} >= {
        p["vid"] for p in server.catalog.expected_details("h")
    } - {None}
    assert set(vendors[0]) == {
        "vendorID",
        "vendorName",
        "companyLegalName",
        "companyPreferredName",
        "vendorLandingPageURL",
        "creator",
    }
    body = json.loads(fetch(server.dcl_url + "/dcl/vendorinfo/vendors")[2])
    assert len(body["vendorInfo"]) == 50 and body["pagination"]["total"] == str(len(expected))
    assert (
        fetch(
            server.dcl_url
            + "/dcl/vendorinfo/vendors?pagination.key="
            + body["pagination"]["next_key"]
        )[0]
        == 400
    )
    one = json.loads(fetch(f"{server.dcl_url}/dcl/vendorinfo/vendors/{vendors[3]['vendorID']}")[2])
    assert (
        one == {"vendorInfo": vendors[3]}
        and fetch(server.dcl_url + "/dcl/vendorinfo/vendors/1")[0] == 404
    )


def test_dcl_loop_and_malformed():
    with ReplicaServer(Catalog(50), dcl_loop_key=True) as s:
        with pytest.raises(AssertionError, match="loops"):
            walk(s, 20)
    with ReplicaServer(Catalog(50), dcl_malformed_page=2) as s:
        with pytest.raises(json.JSONDecodeError):
            walk(s, 20)
    with ReplicaServer(Catalog(50), dcl_malformed_page=2, dcl_malformed_kind="shape") as s:
        with pytest.raises(KeyError):
            walk(s, 20)


# -- faults, log, CLI ---------------------------------------------------------------------------
def statuses(s, urls):
    out = []
    for url in urls:
        try:
            out.append(fetch(url)[0])
        except (urllib.error.URLError, ConnectionError):  # a dropped connection
            out.append(0)
    return out


def test_faults_are_deterministic():
    faults = dict(rate_503=0.2, rate_500=0.1, rate_429=0.1, rate_drop=0.1, retry_after=7)

    def urls(s):
        return [f"{s.list_url}&paged={n % 5 + 1}" for n in range(40)] + [
            s.base_url + "/robots.txt"
        ] * 5

    with ReplicaServer(Catalog(60), faults=Faults(seed=3, **faults)) as s:
        first = statuses(s, urls(s))
        assert [r.status for r in s.request_log] == first
        s.faults = Faults(seed=3, **faults)
        assert statuses(s, urls(s)) == first
        s.faults = Faults(seed=4, **faults)
        assert statuses(s, urls(s)) != first
        assert {503, 500, 429, 0, 200} == set(first) and first[-5:] == [200] * 5
        s.faults = Faults(rate_429=1.0, retry_after=7)
        assert fetch(s.list_url)[1]["Retry-After"] == "7"
        s.faults = Faults(down=True)
        assert statuses(
            s, [s.list_url, s.dcl_url + "/dcl/vendorinfo/vendors", s.base_url + "/robots.txt"]
        ) == [503, 503, 200]
        s.faults = Faults(rate_truncate=1.0)
        for url in (s.list_url, s.catalog.expected_products(s.base_url)[0]["url"]):
            html = fetch(url)[2]
            assert "</html>" not in html and len(html) < len(fetch_whole(s, url))
        s.faults, s.delay = Faults(rate_slow=1.0, slow_seconds=0.3), 0.1
        start = time.monotonic()
        assert fetch(s.base_url + "/robots.txt")[0] == 200 and fetch(s.list_url)[0] == 200
        assert time.monotonic() - start >= 0.5


def fetch_whole(s, url):
    faults, s.faults = s.faults, None
    try:
        return fetch(url)[2]
    finally:
        s.faults = faults


def test_request_log_keep_alive_and_control_endpoints():
    with ReplicaServer(Catalog(600)) as server:
        check_log(server)


def check_log(server):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        for path in [
            "/robots.txt",
            "/csa-iot_products/",
            "/dcl/vendorinfo/vendors",
            "/nope",
            "/csa-iot_products/page/2/",
        ]:
            conn.request("GET", path)
            with conn.getresponse() as r:
                r.read()
    finally:
        conn.close()
    assert [r.kind for r in server.request_log] == ["robots", "list", "dcl", "other", "list"]
    assert server.count("list") == 2 and server.count() == 5
    assert json.loads(fetch(server.base_url + "/_replica/log")[2]) == {
        "list": 2,
        "detail": 0,
        "dcl": 1,
        "robots": 1,
        "other": 1,
    }
    assert json.loads(fetch(server.base_url + "/_replica/grow?n=3", "POST")[2])["products"] == 603
    fetch(server.base_url + "/_replica/clear-log", "POST")
    assert server.request_log == []
    assert server.count("list") == 0 and server.count() == 0


def test_cli():
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "replica",
            "--port",
            "0",
            "--products",
            "20",
            "--live-markup",
            "only",
            "--quirk",
            "no_link_card",
            "--break-page",
            "list:1:empty:1",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        proc.stdout.readline()
        list_url = re.search(r"MATTER_LIST_URL='([^']+)'", proc.stdout.readline()).group(1)
        quirk = proc.stdout.readline()
        status, _, body = fetch(list_url)
        assert (status, body) == (200, "")  # broken for the first read only
        html = fetch(list_url)[2]
        assert "theme-live" in html and quirk.startswith("Quirk no_link_card: http://")
        assert quirk.split(": ")[1].strip() not in html
    finally:
        proc.terminate()
        proc.wait()
        proc.stdout.close()
