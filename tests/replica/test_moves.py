"""Products that move on the replica: a rename (a new slug, the old address answers 301 to
it) and a page that redirects to another listed product's page."""

import re
import subprocess
import sys

import pytest

from replica import Catalog, ReplicaServer
from tests.replica.reference import crawl_listing, fetch, get, parse_detail


@pytest.fixture
def server():
    with ReplicaServer(Catalog(products=30, seed=3)) as s:
        yield s


def test_a_renamed_product_is_listed_at_its_new_address_in_its_old_slot(server):
    before = server.catalog.expected_products(server.base_url)
    product = server.catalog.listed()[4]
    old_url = server.base_url + product.path
    server.catalog.rename(product.path, "new-name")
    cards, _ = crawl_listing(server)
    assert cards == server.catalog.expected_products(server.base_url)
    moved = next(card for card in cards if card["url"].endswith("/csa_product/new-name/"))
    was = next(card for card in before if card["url"] == old_url)
    assert moved == {**was, "url": server.base_url + "/csa_product/new-name/"}


def test_the_old_address_of_a_renamed_product_answers_301_to_the_new_one(server):
    product = server.catalog.listed()[4]
    old_path = product.path
    server.catalog.rename(old_path)
    status, headers, _ = get(server.base_url + old_path)
    assert status == 301
    assert headers["Location"] == f"{server.base_url}/csa_product/{product.slug}/"
    assert product.slug.endswith("-renamed")
    assert fetch(server.base_url + product.path)[0] == 200


def test_a_rename_to_a_taken_slug_is_refused(server):
    first, second = server.catalog.listed()[:2]
    with pytest.raises(ValueError, match="taken"):
        server.catalog.rename(first.path, second.slug)


def test_a_redirected_page_answers_with_the_other_products_page(server):
    source, target = server.catalog.listed()[2:4]
    server.catalog.redirect(source.path, target.path)
    status, headers, _ = get(server.base_url + source.path)
    assert (status, headers["Location"]) == (301, server.base_url + target.path)
    status, _, html = fetch(server.base_url + source.path)
    assert (
        parse_detail(html, server.base_url)["certificate_id"] == (target.values["certificate_id"])
    )
    assert source.path in {card["url"][len(server.base_url) :] for card in crawl_listing(server)[0]}


def test_the_command_line_renames_and_redirects():
    product, source, target = Catalog(products=20).listed()[:3]
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "replica",
            "--port",
            "0",
            "--products",
            "20",
            "--rename",
            product.path,
            "--redirect",
            f"{source.path}:{target.path}",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        proc.stdout.readline()
        list_url = re.search(r"MATTER_LIST_URL='([^']+)'", proc.stdout.readline()).group(1)
        renamed = proc.stdout.readline().removeprefix("Renamed: ").strip()
        base_url = list_url.split("/csa-iot_products")[0]
        assert renamed == f"{base_url}{product.path[:-1]}-renamed/"
        assert get(base_url + product.path)[0] == 301
        assert get(base_url + source.path)[1]["Location"] == base_url + target.path
    finally:
        proc.terminate()
        proc.wait()
        proc.stdout.close()
