"""Smoke test of the benchmarks' quick mode: it completes and reports every figure. Timings
are never asserted (the machine is shared); docs/benchmarks.md holds the real numbers."""

import json
import subprocess
import sys

import pytest

from tests.crawling import PROJECT_ROOT

CRAWL_FIGURES = ("responses_per_s", "cpu_s_per_1000_responses", "peak_rss_mb",
                 "replica_cpu_s_per_1000_responses", "responses", "elapsed_s")
FIGURES = [
    *(("ceiling", name) for name in CRAWL_FIGURES),
    *(("full_crawl", name) for name in CRAWL_FIGURES),
    ("full_crawl_small", "peak_rss_mb"),
    ("ratios", "full_over_ceiling_responses_per_s"),
    ("ratios", "full_over_ceiling_cpu_per_response"),
    ("ratios", "rss_growth_small_to_requested"),
    *(("requests", case, kind)
      for case in ("ceiling", "first_crawl", "no_change", "new_12", "new_120", "full_recrawl")
      for kind in ("list", "detail")),
    ("storage", "batched_rows_per_s"),
    ("storage", "per_row_rows_per_s"),
    ("storage", "speedup"),
]


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    output = tmp_path_factory.mktemp("benchmarks") / "results.json"
    finished = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--products", "600", "--runs", "1",
         "--output", str(output)],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300,
    )
    assert finished.returncode == 0, finished.stderr
    return json.loads(output.read_text()), finished.stdout


@pytest.mark.parametrize("path", FIGURES, ids="/".join)
def test_every_figure_has_its_median_min_and_max(results, path):
    figure = results[0]["figures"]
    for name in path:
        figure = figure[name]
    median, low, high = (figure[name] for name in ("median", "min", "max"))
    assert all(isinstance(value, (int, float)) for value in (median, low, high))
    assert low <= median <= high


def test_every_target_is_judged(results):
    targets = results[0]["targets"]
    assert len(targets) == 7
    assert all(isinstance(target["met"], bool) for target in targets)


def test_the_machine_and_parameters_are_noted(results):
    machine, parameters = results[0]["machine"], results[0]["parameters"]
    assert machine["cores"] >= 1
    assert (parameters["products"], parameters["runs"]) == (600, 1)


def test_the_table_is_printed(results):
    assert "full / ceiling responses/s" in results[1]
    assert "targets:" in results[1]
