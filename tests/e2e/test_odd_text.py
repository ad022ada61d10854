"""Text that XML cannot hold (U+FFFF and a control character in a product's name, stored as
the page gave it): the files people open in other programs, the XLSX feed and export, the
Atom feed and the HTML report, still open, each such character shown as U+FFFD, while the
database keeps the text. (The feed's exporter with a control character:
tests/output/test_exporters_xlsx.py.)"""

from xml.etree import ElementTree

import openpyxl
import pytest

from matter_certis.output.characters import NOT_XML
from replica import Catalog, ReplicaServer
from tests.helpers import crawl, execute, rows, scrapy_command

# The HTML parser drops the control character of a page; U+FFFF reaches the database.
PAGE_MODEL = "Odd\uffff lamp\x01 one"
STORED_MODEL = "Odd\uffff lamp one"
# Written into the database: both characters, as a page could one day give them.
DATABASE_MODEL = "Odder\uffff lamp\x1b two"


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("odd_text")
    catalog = Catalog(products=12, seed=6)
    odd, other = catalog.listed()[:2]
    catalog.change(odd.path, model=PAGE_MODEL)
    with ReplicaServer(catalog) as replica:
        result = crawl(replica, workdir, options=["-O", workdir / "products.xlsx"])
        assert result.returncode == 0, (workdir / "crawl.log").read_text()[-3000:]
        other_url = replica.base_url + other.path
    execute(
        workdir / "matter_certis.db",
        "UPDATE product_details SET model = ? WHERE url = ?",
        DATABASE_MODEL,
        other_url,
    )
    return workdir


def column(path, name):
    """The values of column ``name`` of the XLSX file at ``path``."""
    header, *body = openpyxl.load_workbook(path).active.iter_rows(values_only=True)
    return [row[header.index(name)] for row in body]


def shown(text):
    return NOT_XML.sub("\ufffd", text)


def stored(workdir, sql):
    return [next(iter(row.values())) for row in rows(workdir / "matter_certis.db", sql)]


def test_the_database_keeps_the_text(workdir):
    assert {STORED_MODEL, DATABASE_MODEL} <= set(
        stored(workdir, "SELECT model FROM product_details")
    )


def test_the_xlsx_feed_opens_with_the_character_replaced(workdir):
    assert "Odd\ufffd lamp one" in column(workdir / "products.xlsx", "model")


def test_the_xlsx_export_opens_with_both_characters_replaced(workdir):
    result = scrapy_command(workdir, "dbexport", workdir / "export.xlsx")
    assert result.returncode == 0, result.stderr
    models = column(workdir / "export.xlsx", "model")
    assert {"Odd\ufffd lamp one", "Odder\ufffd lamp\ufffd two"} <= set(models)


def test_the_atom_feed_is_well_formed_with_both_characters_replaced(workdir):
    result = scrapy_command(workdir, "dbchanges", "--since", "2000-01-01", "--format", "atom")
    assert result.returncode == 0, result.stderr
    feed = ElementTree.fromstring(result.stdout.encode("utf-8"))
    titles = [title.text for title in feed.iter("{http://www.w3.org/2005/Atom}title")]
    assert any(shown(DATABASE_MODEL) in title for title in titles), titles


def test_the_html_report_holds_only_what_xml_can(workdir):
    result = scrapy_command(workdir, "dbreport", workdir / "report.html")
    assert result.returncode == 0, result.stderr
    html = (workdir / "report.html").read_text(encoding="utf-8")
    assert NOT_XML.search(html) is None
    assert "Odder\ufffd lamp\ufffd two" in html
