"""Scrapy's stats collector, also writing the run's stats as JSON when the spider closes
(``BENCHMARK_STATS_FILE``): the benchmarks read them there, since the project demotes the
log's stats dump to DEBUG."""

import json
from pathlib import Path

from scrapy.statscollectors import MemoryStatsCollector


class JsonFileStatsCollector(MemoryStatsCollector):
    def _persist_stats(self, stats):
        super()._persist_stats(stats)
        numbers = {
            name: value
            for name, value in stats.items()
            if isinstance(value, (int, float)) and not isinstance(value, bool)
        }
        path = Path(self._crawler.settings["BENCHMARK_STATS_FILE"])
        path.write_text(json.dumps(numbers, sort_keys=True))
