"""XLSX files people open: read back with openpyxl, a bold frozen header with a filter,
columns as wide as their content, dates as date cells, clickable links; for the exporter
alone and for ``scrapy dbexport`` of a crawled replica."""

import io
from datetime import date, datetime, timedelta, timezone

import openpyxl
import pytest

from matter_certis.items import ProductDetail
from matter_certis.output.exporters import XLSX_MAX_WIDTH, XlsxExporter
from tests.helpers import scrapy_command

URL = "https://csa-iot.org/csa_product/smart-plug-mini-7/"
DOCUMENT = "https://csa-iot.org/wp-content/uploads/2022/10/CSA514BBMAT10077-15.zip"


def sheet_of(items, **kwargs):
    buffer = io.BytesIO()
    exporter = XlsxExporter(buffer, export_empty_fields=True, **kwargs)
    exporter.start_exporting()
    for item in items:
        exporter.export_item(item)
    exporter.finish_exporting()
    return openpyxl.load_workbook(io.BytesIO(buffer.getvalue())).active


@pytest.fixture(scope="module")
def sheet():
    return sheet_of(
        [
            ProductDetail(
                url=URL,
                model="Smart Plug Mini",
                certification_date="2022-10-05",
                compliance_document_url=DOCUMENT,
                description="Short.\n" + "x" * 200,
            ),
            ProductDetail(url=URL + "2/", model="Plug", certification_date=None),
        ]
    )


def cell(sheet, column, row=2):
    header = [heading.value for heading in sheet[1]]
    return sheet.cell(row, header.index(column) + 1)


def width(sheet, column):
    return sheet.column_dimensions[cell(sheet, column).column_letter].width


def test_the_header_is_bold_and_frozen_above_the_rows(sheet):
    assert all(heading.font.bold for heading in sheet[1])
    assert not any(value.font.bold for value in sheet[2])
    assert sheet.freeze_panes == "A2"


def test_the_filter_covers_the_header_and_every_row(sheet):
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, sheet.max_column).column_letter}3"


def test_a_certification_date_is_a_date_cell(sheet):
    certified = cell(sheet, "certification_date")
    assert (certified.value, certified.is_date, certified.number_format) == (
        datetime(2022, 10, 5),
        True,
        "yyyy-mm-dd",
    )
    assert cell(sheet, "certification_date", row=3).value is None


def test_product_and_document_links_are_clickable(sheet):
    for column, target in (("url", URL), ("compliance_document_url", DOCUMENT)):
        link = cell(sheet, column)
        assert (link.value, link.hyperlink.target, link.style) == (target, target, "Hyperlink")


def test_columns_are_as_wide_as_their_content(sheet):
    assert width(sheet, "url") > len(URL + "2/")
    assert len("certification_date") < width(sheet, "certification_date") < 25
    assert width(sheet, "pid") < 10


def test_a_long_text_makes_its_column_no_wider_than_the_cap(sheet):
    assert width(sheet, "description") == XLSX_MAX_WIDTH


def test_a_timestamp_is_a_date_time_cell_in_utc():
    (stamp,) = sheet_of(
        [{"created_at": datetime(2026, 5, 1, 12, 30, tzinfo=timezone(timedelta(hours=2)))}]
    )[2]
    assert (stamp.value, stamp.number_format) == (
        datetime(2026, 5, 1, 10, 30),
        "yyyy-mm-dd hh:mm:ss",
    )


def test_a_date_field_that_is_not_an_iso_date_stays_text():
    (certified,) = sheet_of([{"certification_date": "Pending"}])[2]
    assert certified.value == "Pending"


def test_a_python_date_stays_a_date():
    (certified,) = sheet_of([{"certification_date": date(2025, 1, 31)}])[2]
    assert certified.is_date


def test_no_rows_leave_a_formatted_header():
    empty = sheet_of([], fields_to_export=["url", "model"])
    assert [heading.value for heading in empty[1]] == ["url", "model"]
    assert empty.max_row == 1 and empty[1][0].font.bold


def test_text_xml_cannot_hold_is_shown_as_replacement_characters():
    """A workbook is XML inside: one such character would make the whole file unreadable."""
    (model,) = sheet_of([{"model": "Odd\uffff lamp\x01 \ud800one\ttab"}])[2]
    assert model.value == "Odd\ufffd lamp\ufffd \ufffdone\ttab"


# --- scrapy dbexport of the session's crawled replica (tests/conftest.py ``synced``) -------


@pytest.fixture(scope="module")
def exported(synced, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("xlsx")
    synced.copy(workdir)
    result = scrapy_command(workdir, "dbexport", workdir / "products.xlsx")
    assert result.returncode == 0, result.stderr
    return openpyxl.load_workbook(workdir / "products.xlsx").active


def test_a_dbexport_has_a_row_per_product_under_a_frozen_filtered_header(exported):
    assert exported.max_row == 61
    assert exported.freeze_panes == "A2"
    assert exported.auto_filter.ref.endswith("61")
    assert all(heading.font.bold for heading in exported[1])


def test_a_dbexport_has_dates_and_links_in_every_row(exported):
    dates = [cell(exported, "certification_date", row).value for row in range(2, 62)]
    links = [cell(exported, "url", row) for row in range(2, 62)]
    assert all(isinstance(value, datetime) for value in dates if value is not None)
    assert len([value for value in dates if value is not None]) > 50
    assert all(link.hyperlink.target == link.value for link in links)
