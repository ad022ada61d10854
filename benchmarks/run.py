"""Benchmarks of matter-certis against the replica: how fast, how lean, and what a sync costs.

    python -m benchmarks.run --products 6000 --runs 3

Starts the replica (its own process, 127.0.0.1, no delay), runs every case as its own
process, prints one table and writes the figures as JSON (each the median, min and max of
the runs). With 6,000 products or more, every run also crawls a replica five times that
size (``--scale``). Only such a run writes ``benchmarks/results.json`` by default; a
smaller one (the quick mode) writes to the temporary directory. docs/benchmarks.md says
what each figure means.
"""

import argparse
import json
import os
import platform
import shutil
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

import scrapy

from benchmarks import cases, table
from benchmarks.processes import PROJECT_ROOT, Replica

# Peak RSS is compared with a crawl of this many products.
SMALL_PRODUCTS = 600
# From this size on, a run also crawls a replica SCALE times larger, and is the record.
FULL_PRODUCTS = 6000
SCALE = 5
CRAWL_FIGURES = (
    "responses_per_s",
    "cpu_s_per_1000_responses",
    "peak_rss_mb",
    "replica_cpu_s_per_1000_responses",
    "responses",
    "elapsed_s",
)


def say(message):
    print(message, file=sys.stderr, flush=True)


def crawl_figures(measured):
    return {name: measured[name] for name in CRAWL_FIGURES}


def request_kinds(requests):
    """Listing and detail requests (and robots.txt, to show nothing else was asked)."""
    return {kind: requests.get(kind, 0) for kind in ("list", "detail", "robots")}


def one_run(number, products, workdir, scale=0):
    """Every case once (and a crawl of ``scale`` products, if any): this run's figures."""
    workdir.mkdir()
    with Replica(products) as replica:
        # Alternate which of the pair goes first, so a load that comes and goes favours neither.
        order = ("ceiling", "full") if number % 2 else ("full", "ceiling")
        measured = {}
        for case in order:
            (workdir / case).mkdir()
            if case == "ceiling":
                measured[case] = cases.ceiling(replica, workdir / case)
            else:
                measured[case] = cases.matter_products(
                    replica, workdir / case, "first_crawl", "mode=full"
                )
            say(f"run {number}: {case} {measured[case]['responses_per_s']:.0f} responses/s")
        syncs = cases.syncs(replica, workdir / "full")
    ceiling, full = measured["ceiling"], measured["full"]
    if products == SMALL_PRODUCTS:
        small = full
    else:
        (workdir / "small").mkdir()
        with Replica(SMALL_PRODUCTS) as replica:
            small = cases.matter_products(replica, workdir / "small", "first_crawl", "mode=full")
    say(
        f"run {number}: peak RSS {small['peak_rss_mb']:.0f} MB at {SMALL_PRODUCTS}, "
        f"{full['peak_rss_mb']:.0f} MB at {products}"
    )
    (workdir / "storage").mkdir()
    storage = cases.storage(products, workdir / "storage")
    say(f"run {number}: storage {storage['speedup']:.1f}x")
    scaled = {}
    if scale:
        (workdir / "scale").mkdir()
        with Replica(scale) as replica:
            large = cases.matter_products(replica, workdir / "scale", "first_crawl", "mode=full")
        say(
            f"run {number}: {scale} products: {large['responses_per_s']:.0f} responses/s, "
            f"peak RSS {large['peak_rss_mb']:.0f} MB"
        )
        scaled = {
            "full_crawl_scale": crawl_figures(large),
            "scale_ratios": {
                "cpu_per_response": large["cpu_s_per_1000_responses"]
                / full["cpu_s_per_1000_responses"],
                "time_per_response": full["responses_per_s"] / large["responses_per_s"],
            },
        }
    return {
        "ceiling": crawl_figures(ceiling),
        "full_crawl": crawl_figures(full),
        "full_crawl_small": crawl_figures(small),
        "ratios": {
            "full_over_ceiling_responses_per_s": full["responses_per_s"]
            / ceiling["responses_per_s"],
            "full_over_ceiling_cpu_per_response": (
                full["cpu_s_per_1000_responses"] / ceiling["cpu_s_per_1000_responses"]
            ),
            "rss_growth_small_to_requested": full["peak_rss_mb"] / small["peak_rss_mb"] - 1,
        },
        "requests": {
            "ceiling": request_kinds(ceiling["requests"]),
            "first_crawl": request_kinds(full["requests"]),
            **{name: request_kinds(requests) for name, requests in syncs.items()},
        },
        "storage": storage,
        **scaled,
    }


def summarise(runs):
    """The runs' figures, same shape, each leaf as its median, min and max."""
    first = runs[0]
    if isinstance(first, dict):
        return {name: summarise([run[name] for run in runs]) for name in first}
    return {"median": statistics.median(runs), "min": min(runs), "max": max(runs)}


def machine():
    return {
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)),
        "load_average": os.getloadavg(),
        "python": platform.python_version(),
        "scrapy": scrapy.__version__,
        "platform": platform.platform(),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--products", type=int, default=6000, help="replica size (default 6000)")
    parser.add_argument("--runs", type=int, default=3, help="runs of every case (default 3)")
    parser.add_argument(
        "--scale",
        type=int,
        default=None,
        help=f"also crawl a replica of this many products in every run (default {SCALE}x "
        f"--products from {FULL_PRODUCTS} products on, else none; 0 for none)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        help=f"JSON file to write (default benchmarks/results.json from {FULL_PRODUCTS} "
        "products on, else matter-certis-benchmarks.json in the temporary directory)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the crawls' logs and databases")
    args = parser.parse_args(argv)
    if args.products < 1 or args.runs < 1:
        parser.error("--products and --runs must be at least 1")
    full = args.products >= FULL_PRODUCTS
    if args.scale is None:
        args.scale = SCALE * args.products if full else 0
    if args.output is None:  # the quick mode never writes over the committed record
        args.output = (
            PROJECT_ROOT / "benchmarks" / "results.json"
            if full
            else Path(tempfile.gettempdir()) / "matter-certis-benchmarks.json"
        )
    # A SIGTERM ends the runs like Ctrl-C does: every process started here is stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    workdir = Path(tempfile.mkdtemp(prefix="matter-certis-benchmarks-"))
    started, machine_at_start = time.time(), machine()
    try:
        runs = [
            one_run(n, args.products, workdir / f"run{n}", args.scale)
            for n in range(1, args.runs + 1)
        ]
    finally:
        if args.keep:
            say(f"logs and databases kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    figures = summarise(runs)
    results = {
        "parameters": {
            "products": args.products,
            "runs": args.runs,
            "small_products": SMALL_PRODUCTS,
            "scale_products": args.scale,
            "crawl_settings": cases.CRAWL_SETTINGS,
        },
        "machine": {**machine_at_start, "load_average_at_end": os.getloadavg()},
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
        "duration_s": time.time() - started,
        "figures": figures,
        "targets": table.targets(figures),
        "runs": runs,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    print(table.render(results))
    say(f"written to {args.output}")


if __name__ == "__main__":
    main()
