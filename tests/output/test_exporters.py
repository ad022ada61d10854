"""Feed exporters: formula neutralising, CSV and XLSX written and read back, the FeedRows
addon, and the feeds of a real ``scrapy crawl matter_products -O ...`` compared with the
database."""

import csv
import io
import json
from xml.etree import ElementTree

import openpyxl
import pytest
import scrapy
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from matter_certis.items import DclCompliance, DclModel, ProductDetail, Vendor
from matter_certis.output.exporters import (
    CsvExporter,
    FeedRows,
    JsonExporter,
    XlsxExporter,
    XmlExporter,
    neutralise_formula,
)
from matter_certis.spiders.dcl_compliance import DclComplianceSpider
from matter_certis.spiders.dcl_models import DclModelsSpider
from matter_certis.spiders.dcl_vendors import DclVendorsSpider
from matter_certis.spiders.matter_products import MatterProductsSpider
from replica import Catalog, ReplicaServer
from tests.helpers import (
    FORMULA_MODELS,
    as_csv_cell,
    as_feed_value,
    as_xlsx_cell,
    by_url,
    crawl,
    stored_details,
)

DANGEROUS = ["=1+2", "+1", "-1", "@SUM(A1)", "\tcmd", "\rcmd"]


@pytest.mark.parametrize("value", DANGEROUS)
def test_a_cell_starting_like_a_formula_gets_a_leading_quote(value):
    assert neutralise_formula(value) == "'" + value


@pytest.mark.parametrize("value", ["Plug", "0x1552", "a=b", "'quoted", "", None, 5, True])
def test_other_values_are_unchanged(value):
    assert neutralise_formula(value) is value


def product(**fields):
    values = {
        "url": "https://csa-iot.org/csa_product/plug/",
        "page_id": 3,
        "vid": 0x1552,
        "application_categories": ["Plugs", "Energy"],
        "tis_trp_tested": False,
    }
    return ProductDetail(**values, **fields)


def export(exporter_class, items):
    buffer = io.BytesIO()
    exporter = exporter_class(buffer, export_empty_fields=True)
    exporter.start_exporting()
    for item in items:
        exporter.export_item(item)
    exporter.finish_exporting()
    return buffer.getvalue()


def read_csv(data):
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def read_csv_header(data):
    return next(csv.reader(io.StringIO(data.decode("utf-8"))))


def read_xlsx(data):
    header, *body = openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True)
    return [dict(zip(header, row)) for row in body]


@pytest.mark.parametrize(
    "read, exporter_class", [(read_csv, CsvExporter), (read_xlsx, XlsxExporter)]
)
def test_every_dangerous_cell_is_written_as_text(read, exporter_class):
    items = [product(model=value, description=value) for value in DANGEROUS]
    cells = [(row["model"], row["description"]) for row in read(export(exporter_class, items))]
    assert cells == [("'" + value, "'" + value) for value in DANGEROUS]


@pytest.mark.parametrize(
    "read, exporter_class", [(read_csv, CsvExporter), (read_xlsx, XlsxExporter)]
)
def test_ids_show_as_hex_and_lists_are_joined(read, exporter_class):
    (row,) = read(export(exporter_class, [product()]))
    assert (row["vid"], row["application_categories"]) == ("0x1552", "Plugs; Energy")


def test_xlsx_keeps_numbers_and_booleans_typed_and_empty_cells_empty():
    (row,) = read_xlsx(export(XlsxExporter, [product()]))
    assert (row["page_id"], row["tis_trp_tested"], row["pid"]) == (3, False, None)


def feed_options(spidercls, feeds, **settings):
    """The options of each feed once FeedRows has seen the settings of a crawl of
    ``spidercls``."""
    settings = Settings(settings)
    settings.set("FEEDS", feeds, "cmdline")
    FeedRows(get_crawler(spidercls)).update_settings(settings)
    return settings.getdict("FEEDS")


def test_feed_rows_restricts_command_line_feeds_to_the_spiders_row_items():
    options = feed_options(
        MatterProductsSpider, {"products.csv": {"format": "csv", "overwrite": True}}
    )["products.csv"]
    assert options["item_classes"] == [ProductDetail]
    assert options["fields"] == list(ProductDetail.fields)
    assert (options["format"], options["overwrite"]) == ("csv", True)


def test_feed_rows_knows_the_row_items_of_every_spider():
    classes = {
        spidercls.name: feed_options(spidercls, {"x.csv": {"format": "csv"}})["x.csv"][
            "item_classes"
        ]
        for spidercls in (DclVendorsSpider, DclModelsSpider, DclComplianceSpider)
    }
    assert classes == {
        "dcl_vendors": [Vendor],
        "dcl_models": [DclModel],
        "dcl_compliance": [DclCompliance],
    }


def test_feed_rows_falls_back_on_every_row_item_for_a_spider_without_item_class():
    options = feed_options(scrapy.Spider, {"x.json": {"format": "json"}})["x.json"]
    assert options["item_classes"] == [
        "matter_certis.items.ProductDetail",
        "matter_certis.items.Vendor",
    ]
    assert "fields" not in options


def test_feed_rows_leaves_a_feeds_own_item_classes_and_the_projects_fields():
    feeds = feed_options(
        MatterProductsSpider,
        {"refs.json": {"format": "json", "item_classes": ["x.Y"]}},
        FEED_EXPORT_FIELDS=["url"],
    )
    assert feeds["refs.json"]["item_classes"] == ["x.Y"]
    assert "fields" not in feeds["refs.json"]


@pytest.mark.parametrize("exporter_class", [CsvExporter, XlsxExporter])
def test_an_export_without_rows_still_has_its_header(exporter_class):
    buffer = io.BytesIO()
    exporter = exporter_class(buffer, fields_to_export=["url", "model"])
    exporter.start_exporting()
    exporter.finish_exporting()
    read = read_csv_header if exporter_class is CsvExporter else read_xlsx_header
    assert read(buffer.getvalue()) == ["url", "model"]


@pytest.mark.parametrize(
    "indent, items, written",
    [
        (2, [], b"[]"),
        (None, [], b"[]"),
        (2, [{"a": 1}, {"a": 2}], b'[\n{\n  "a": 1\n},\n{\n  "a": 2\n}\n]'),
        (None, [{"a": 1}, {"a": 2}], b'[{"a": 1},{"a": 2}]'),
    ],
)
def test_a_json_export_is_a_list_as_scrapy_writes_it_and_an_empty_one_is_brackets(
    indent, items, written
):
    buffer = io.BytesIO()
    exporter = JsonExporter(buffer, indent=indent)
    exporter.start_exporting()
    for item in items:
        exporter.export_item(item)
    exporter.finish_exporting()
    assert buffer.getvalue() == written


def test_an_xml_feed_is_well_formed_with_text_xml_cannot_hold(tmp_path):
    buffer = io.BytesIO()
    exporter = XmlExporter(buffer)
    exporter.start_exporting()
    exporter.export_item({"model": "Odd\uffff lamp\x01", "categories": ["a\x02", "b"]})
    exporter.finish_exporting()
    (item,) = ElementTree.fromstring(buffer.getvalue())
    assert item.find("model").text == "Odd\ufffd lamp\ufffd"
    assert [value.text for value in item.find("categories")] == ["a\ufffd", "b"]


def read_xlsx_header(data):
    return list(next(openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True)))


# --- the feeds of a real crawl (tests/conftest.py ``synced``) -------------------------------


@pytest.fixture(scope="module")
def details(synced):
    return stored_details(synced.database)


def test_the_csv_feed_has_one_row_per_product_equal_to_the_database(synced, details):
    feed = by_url(read_csv((synced.workdir / "products.csv").read_bytes()))
    assert feed == [
        {column: as_csv_cell(column, value) for column, value in detail.items()}
        for detail in details
    ]


@pytest.mark.parametrize("name", ["json", "jsonl"])
def test_the_json_feeds_equal_the_database(synced, details, name):
    text = (synced.workdir / f"products.{name}").read_text()
    feed = json.loads(text) if name == "json" else [json.loads(line) for line in text.splitlines()]
    assert by_url(feed) == [
        {column: as_feed_value(column, value) for column, value in detail.items()}
        for detail in details
    ]


def test_the_xlsx_feed_equals_the_database(synced, details):
    feed = by_url(read_xlsx((synced.workdir / "products.xlsx").read_bytes()))
    assert feed == [
        {column: as_xlsx_cell(column, value) for column, value in detail.items()}
        for detail in details
    ]


def test_the_crawl_feeds_neutralise_formulas_from_the_site(synced):
    models = {row["model"] for row in read_csv((synced.workdir / "products.csv").read_bytes())}
    assert {"'" + model for model in FORMULA_MODELS} <= models


def test_an_incremental_runs_feed_says_how_many_products_it_holds(tmp_path):
    """A second run finds nothing new: its feed is a header, and the log says why and what
    writes every product."""
    feed = tmp_path / "products.csv"
    with ReplicaServer(Catalog(products=24, seed=4)) as replica:
        first, second = (crawl(replica, tmp_path, options=["-O", feed]) for _ in range(2))
        assert (first.returncode, second.returncode) == (0, 0)
        header = feed.read_text(encoding="utf-8")
    assert header.splitlines() == [",".join(ProductDetail.fields)]
    assert (
        f"The feed {feed} holds the 0 products this incremental run fetched (new, or "
        f"missing details); `scrapy dbexport {feed}` writes every listed product"
    ) in (tmp_path / "crawl.log").read_text()
