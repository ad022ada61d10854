"""PlausibleValuesPipeline: a text no real page holds (too long, undecodable bytes) becomes
NULL with a warning and a count; every other value, and every ledger record, passes
untouched."""

import pytest
from scrapy.utils.test import get_crawler

from matter_certis.items import DclCompliance, ProductDetail
from matter_certis.pipelines.plausible import (
    DEFAULT_MAX_LENGTH,
    MAX_LENGTH,
    PlausibleValuesPipeline,
)

URL = "https://csa-iot.org/csa_product/wi-fi-plug-27/"


@pytest.fixture
def pipeline():
    return PlausibleValuesPipeline.from_crawler(get_crawler())


def test_plausible_values_pass_untouched(pipeline):
    item = ProductDetail(url=URL, model="Plug", vid=0x1552, application_categories=["Plugs"])
    assert dict(pipeline.process_item(item)) == dict(item)


def test_a_text_longer_than_any_real_one_becomes_null(pipeline):
    item = pipeline.process_item(ProductDetail(url=URL, model="x" * (DEFAULT_MAX_LENGTH + 1)))
    assert item["model"] is None


def test_a_text_at_the_limit_is_kept(pipeline):
    model = "x" * DEFAULT_MAX_LENGTH
    assert pipeline.process_item(ProductDetail(url=URL, model=model))["model"] == model


def test_a_long_description_is_plausible(pipeline):
    description = "x" * MAX_LENGTH["description"]
    item = pipeline.process_item(ProductDetail(url=URL, description=description))
    assert item["description"] == description


def test_a_ledger_record_is_the_ledgers_word_and_passes_untouched(pipeline):
    record = DclCompliance(history="x" * 50_000, reason="Revoked \ufffd")
    assert dict(pipeline.process_item(record)) == dict(record)


def test_undecodable_bytes_make_a_text_null(pipeline):
    item = pipeline.process_item(ProductDetail(url=URL, family_sku="SKU-\ufffd"))
    assert item["family_sku"] is None


def test_a_value_made_null_is_warned_about_with_its_page_and_counted(pipeline, caplog):
    pipeline.process_item(ProductDetail(url=URL, family_sku="SKU-\ufffd"))
    assert f"Invalid family_sku on {URL}: undecodable bytes" in caplog.text
    assert pipeline.stats.get_value("matter/invalid/family_sku") == 1
