"""The measured cases, each a separate process: the ceiling spider, ``matter_products``
into a fresh SQLite file, incremental reruns, and the storage benchmark."""

import json
import subprocess
import sys

from benchmarks.ceiling import crawl_urls
from benchmarks.processes import (
    PROJECT_ROOT,
    child_environment,
    run_measured,
    scrapy_stats,
    stats_settings,
)
from replica import Catalog

# Both crawls run with exactly these: the ceiling differs from the real crawl only in what
# it does with a response. AutoThrottle off and no delay, so the pace is the machine's.
CRAWL_SETTINGS = {
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "ROBOTSTXT_OBEY": True,
    "LOG_LEVEL": "INFO",
    "TELNETCONSOLE_ENABLED": False,
    "REMOTE_CONTROL_ENABLED": False,
}
CRAWL_TIMEOUT = 1800


def settings_options(settings):
    return [option for name, value in settings.items() for option in ("-s", f"{name}={value}")]


def measure(replica, command, cwd, stats_file, output):
    """Run one crawl against a replica whose log was just cleared; what it cost."""
    replica_cpu = replica.cpu_seconds()
    usage = run_measured(command, cwd, output, CRAWL_TIMEOUT)
    stats = scrapy_stats(stats_file)
    responses = stats["response_received_count"]
    return {
        "responses": responses,
        "elapsed_s": stats["elapsed_time_seconds"],
        "responses_per_s": responses / stats["elapsed_time_seconds"],
        "cpu_s_per_1000_responses": usage["cpu_s"] / responses * 1000,
        "replica_cpu_s_per_1000_responses": (replica.cpu_seconds() - replica_cpu)
        / responses
        * 1000,
        "peak_rss_mb": usage["rss_mb"],
        **{name: usage[name] for name in ("wall_s", "cpu_s")},
        "requests": replica.requests_since_cleared(),
    }


def ceiling(replica, workdir):
    """The bare spider over the URLs a first crawl of this replica fetches. It runs from
    ``workdir``, outside the project, so that no project setting or component loads."""
    urls = workdir / "urls.json"
    catalog = Catalog(products=replica.products)
    urls.write_text(json.dumps(crawl_urls(catalog, replica.list_url, replica.base_url)))
    stats_file = workdir / "ceiling.stats.json"
    settings = {**CRAWL_SETTINGS, "LOG_FILE": workdir / "ceiling.log", **stats_settings(stats_file)}
    command = [
        sys.executable,
        "-m",
        "scrapy",
        "runspider",
        str(PROJECT_ROOT / "benchmarks" / "ceiling.py"),
        "-a",
        f"urls={urls}",
        *settings_options(settings),
    ]
    replica.clear_log()
    return measure(replica, command, workdir, stats_file, workdir / "ceiling.out")


def matter_products(replica, workdir, name, *arguments):
    """``scrapy crawl matter_products`` with its real pipelines into ``workdir``'s SQLite
    file (a new one on the first call for a ``workdir``)."""
    stats_file = workdir / f"{name}.stats.json"
    settings = {
        **CRAWL_SETTINGS,
        "MATTER_LIST_URL": replica.list_url,
        "DCL_BASE_URL": replica.base_url,
        "DATABASE_URL": f"sqlite:///{workdir / 'matter_certis.db'}",
        "LOG_FILE": workdir / f"{name}.log",
        **stats_settings(stats_file),
    }
    command = [sys.executable, "-m", "scrapy", "crawl", "matter_products"]
    for argument in arguments:
        command += ["-a", argument]
    replica.clear_log()
    return measure(
        replica,
        command + settings_options(settings),
        PROJECT_ROOT,
        stats_file,
        workdir / f"{name}.out",
    )


def syncs(replica, workdir):
    """Requests by kind of the syncs that follow a first crawl: a rerun with no change, a
    full re-crawl, and incremental runs after 12 and after 120 new products."""
    costs = {
        "no_change": matter_products(replica, workdir, "no_change")["requests"],
        "full_recrawl": matter_products(replica, workdir, "full_recrawl", "mode=full")["requests"],
    }
    for new in (12, 120):
        replica.grow(new)
        costs[f"new_{new}"] = matter_products(replica, workdir, f"new_{new}")["requests"]
    return costs


def storage(rows, workdir):
    """The storage benchmark (``benchmarks.storage``) in its own process."""
    command = [
        sys.executable,
        "-m",
        "benchmarks.storage",
        "--rows",
        str(rows),
        "--batch",
        "100",
        "--directory",
        str(workdir),
    ]
    finished = subprocess.run(
        command,
        cwd=PROJECT_ROOT,
        env=child_environment(),
        check=True,
        capture_output=True,
        text=True,
        timeout=CRAWL_TIMEOUT,
    )
    result = json.loads(finished.stdout)
    result["speedup"] = result["batched_rows_per_s"] / result["per_row_rows_per_s"]
    return result
