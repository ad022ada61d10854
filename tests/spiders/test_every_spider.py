"""Guard: every spider imports, is named, and its ``start()`` yields requests without network
(for ``dcl_versions``, those of the one model the database holds); no callback is a
generator that returns a value (Scrapy's own check, off in the settings for speed)."""

import inspect

import pytest
import pytest_twisted
from scrapy.spiderloader import SpiderLoader
from scrapy.utils.misc import is_generator_with_return_value
from scrapy.utils.project import get_project_settings

from matter_certis.db import models
from matter_certis.db.models import utc_now

SPIDER_NAMES = sorted(SpiderLoader.from_settings(get_project_settings()).list())


def test_the_project_has_its_five_spiders():
    assert SPIDER_NAMES == [
        "dcl_compliance",
        "dcl_models",
        "dcl_vendors",
        "dcl_versions",
        "matter_products",
    ]


@pytest.mark.parametrize("name", SPIDER_NAMES)
def test_no_generator_method_returns_a_value(name):
    """Scrapy drops what a generator callback returns; its warning is off
    (``WARN_ON_GENERATOR_RETURN_VALUE``), so the rule is checked here, on every method."""
    spidercls = SpiderLoader.from_settings(get_project_settings()).load(name)
    generators = [
        method
        for _, method in inspect.getmembers(spidercls, inspect.isfunction)
        if inspect.isgeneratorfunction(method)
    ]
    assert generators
    assert [m.__qualname__ for m in generators if is_generator_with_return_value(m)] == []


@pytest.mark.parametrize("name", SPIDER_NAMES)
@pytest_twisted.ensureDeferred
async def test_start_yields_requests(make_spider, name):
    spidercls = SpiderLoader.from_settings(get_project_settings()).load(name)
    spider = make_spider(spidercls)
    models.DclModel.create(vid=4447, pid=8194)
    models.CrawlingResult.create(
        session_id="models", spider="dcl_models", status="completed", started_at=utc_now()
    )
    requests = [request async for request in spider.start()]
    assert requests
    assert all(request.callback is not None for request in requests)
    assert all(request.errback is not None for request in requests)
