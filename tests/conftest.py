"""Shared test helpers: saved pages as responses, crawlers built from the project settings."""

from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, Request
from scrapy.utils.project import get_project_settings
from scrapy.utils.test import get_crawler

from matter_certis import models

FILES = Path(__file__).parent / "files"
TEST_SETTINGS = {"REMOTE_CONTROL_ENABLED": False, "TELNETCONSOLE_ENABLED": False}


def response_from(name, url, **request_kwargs):
    """A response for a saved page in ``tests/files``, as if fetched from ``url``."""
    body = (FILES / name).read_bytes()
    request = Request(url, **request_kwargs)
    return HtmlResponse(url=url, body=body, encoding="utf-8", request=request)


@pytest.fixture
def make_crawler(tmp_path):
    """Build a crawler with the project settings, a temporary database and ``overrides``."""

    def make(spidercls=None, **overrides):
        settings = get_project_settings().copy_to_dict()
        settings.update(TEST_SETTINGS)
        settings["DATABASE_URL"] = f"sqlite:///{tmp_path / 'test.db'}"
        settings.update(overrides)
        return get_crawler(spidercls, settings)

    return make


@pytest.fixture
def make_spider(make_crawler):
    """A spider bound to a test crawler and an empty test database, so callbacks can be
    called directly."""

    def make(spidercls, **kwargs):
        crawler = make_crawler(spidercls)
        crawler.spider = spidercls.from_crawler(crawler, **kwargs)
        models.open_database(crawler.settings["DATABASE_URL"])
        return crawler.spider

    return make
