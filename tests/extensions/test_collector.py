"""CrawlCollector: startup objects frozen and young collections rarer while the spider is
open, the collector as it was after."""

import gc

from matter_certis.extensions.collector import CRAWL_THRESHOLDS, CrawlCollector
from matter_certis.spiders.matter_products import MatterProductsSpider


def test_while_the_spider_is_open_startup_objects_are_frozen_and_thresholds_raised():
    before = gc.get_threshold()
    collector = CrawlCollector()
    startup_object = {"made": "before the crawl"}
    collector.spider_opened()
    try:
        assert gc.get_threshold() == CRAWL_THRESHOLDS
        assert gc.get_freeze_count() > 0
        assert all(tracked is not startup_object for tracked in gc.get_objects())
    finally:
        collector.spider_closed()
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_crawls_side_by_side_share_it_until_the_last_closes():
    before = gc.get_threshold()
    first, second = CrawlCollector(), CrawlCollector()
    first.spider_opened()
    second.spider_opened()
    first.spider_closed()
    assert gc.get_threshold() == CRAWL_THRESHOLDS
    second.spider_closed()
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_a_crawl_enables_it(make_crawler):
    crawler = make_crawler(MatterProductsSpider)
    assert crawler.settings.getdict("EXTENSIONS")[
        "matter_certis.extensions.collector.CrawlCollector"
    ]
