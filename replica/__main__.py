"""Run the replica as its own process: python -m replica --port 8000 --products 600."""

import argparse
import time

from . import Catalog, Faults, ReplicaServer
from .breaks import FAULTS
from .quirks import QUIRKS

ENDPOINTS = """DCL endpoints under /dcl/ (JSON, GET): vendorinfo/vendors[/{vid}],
model/models[/{vid}[/{pid}]], compliance/compliance-info[/{vid}/{pid}/{sv}/{type}],
compliance/{certified,revoked,provisional}-models, model/versions/{vid}/{pid} (a model's
software versions; 404 when it has none) and model/versions/{vid}/{pid}/{sv} (one firmware,
its OTA image)."""


def page_break(text):
    """KIND:WHERE:FAULT[:TIMES], e.g. list:1:cut or detail:/csa_product/x-1/:json:2."""
    kind, where, fault, *times = text.split(":")
    if kind not in ("list", "detail") or fault not in FAULTS or len(times) > 1:
        raise argparse.ArgumentTypeError(
            f"not KIND:WHERE:FAULT[:TIMES] with a known kind and fault: {text}"
        )
    return kind, where, fault, int(times[0]) if times else None


def redirect(text):
    """FROM:TO, two product paths."""
    source, colon, target = text.partition(":")
    if not (colon and source and target):
        raise argparse.ArgumentTypeError(f"not FROM:TO (two product paths): {text}")
    return source, target


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m replica", description=__doc__, epilog=ENDPOINTS)
    ap.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    ap.add_argument(
        "--port", type=int, default=8000, help="port; 0 picks a free one (default 8000)"
    )
    ap.add_argument("--products", type=int, default=600, help="catalogue size (default 600)")
    ap.add_argument("--seed", type=int, default=0, help="catalogue seed (default 0)")
    ap.add_argument("--delay", type=float, default=0.0, help="seconds added to every response")
    ap.add_argument(
        "--live-markup",
        choices=("mixed", "only"),
        help="the live site's markup: on every third page (mixed) or on every page (only)",
    )
    ap.add_argument(
        "--quirk",
        action="append",
        default=[],
        choices=QUIRKS,
        metavar="NAME",
        help="hostile content on the next newest product (repeatable): " + ", ".join(QUIRKS),
    )
    ap.add_argument(
        "--break-page",
        action="append",
        default=[],
        type=page_break,
        metavar="KIND:WHERE:FAULT[:TIMES]",
        help="a broken page (repeatable): KIND list (WHERE a page number) or detail (WHERE a path); "
        f"FAULT one of {', '.join(FAULTS)}; TIMES: only the first requests",
    )
    ap.add_argument(
        "--rename",
        action="append",
        default=[],
        metavar="PATH",
        help="the product at PATH moves to PATH's slug + '-renamed'; PATH answers 301 to it "
        "(repeatable)",
    )
    ap.add_argument(
        "--redirect",
        action="append",
        default=[],
        type=redirect,
        metavar="FROM:TO",
        help="the product page at path FROM answers 301 to the product page at path TO "
        "(repeatable)",
    )
    faults = ap.add_argument_group("fault injection (rates are per-request probabilities)")
    for name in ("503", "500", "429", "drop", "slow", "truncate"):
        faults.add_argument(
            f"--rate-{name}",
            type=float,
            default=0.0,
            help={
                "drop": "close the connection without a response",
                "slow": "answer after --slow-seconds",
                "truncate": "listing and detail pages cut mid-document",
            }.get(name, f"answer {name}"),
        )
    faults.add_argument(
        "--retry-after", type=int, default=1, help="Retry-After seconds sent with 429"
    )
    faults.add_argument("--slow-seconds", type=float, default=5.0, help="delay of a slow response")
    faults.add_argument("--fault-seed", type=int, default=0, help="seed of the fault draws")
    faults.add_argument(
        "--down", action="store_true", help="answer 503 to everything but robots.txt"
    )
    dcl = ap.add_argument_group("DCL API misbehaviour")
    dcl.add_argument(
        "--dcl-loop-key", action="store_true", help="last vendor page repeats an earlier next_key"
    )
    dcl.add_argument(
        "--dcl-malformed-page", type=int, help="vendor page N (1-based) returns invalid JSON"
    )
    args = ap.parse_args(argv)

    rates = {
        f"rate_{n}": getattr(args, f"rate_{n}")
        for n in ("503", "500", "429", "drop", "slow", "truncate")
    }
    fault = (
        Faults(
            seed=args.fault_seed,
            retry_after=args.retry_after,
            slow_seconds=args.slow_seconds,
            down=args.down,
            **rates,
        )
        if args.down or any(rates.values())
        else None
    )
    catalog = Catalog(
        products=args.products,
        seed=args.seed,
        live_markup={"mixed": True, "only": "only", None: False}[args.live_markup],
    )
    quirked = list(zip(catalog.listed(), args.quirk))
    for product, name in quirked:
        catalog.quirk(product.path, name)
    renamed = [catalog.rename(path) for path in args.rename]
    for source, target in args.redirect:
        catalog.redirect(source, target)
    server = ReplicaServer(
        catalog,
        port=args.port,
        host=args.host,
        delay=args.delay,
        faults=fault,
        dcl_loop_key=args.dcl_loop_key,
        dcl_malformed_page=args.dcl_malformed_page,
    )
    for kind, where, name, times in args.break_page:
        server.break_page(kind, where, name, times)
    server.start()
    print(
        f"Replica: {args.products} products ({server.catalog.page_count()} pages) on port {server.port}"
        f"{f', {fault!r}' if fault else ''}"
    )
    print(
        f"MATTER_LIST_URL='{server.list_url}' DCL_BASE_URL='{server.dcl_url}' scrapy crawl matter_products"
    )
    for product, name in quirked:
        print(f"Quirk {name}: {server.base_url}{product.path}")
    for product in renamed:
        print(f"Renamed: {server.base_url}{product.path}")
    print("Ctrl-C to stop.", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()
