"""Run the replica as its own process: python -m matter_certis.replica --port 8000 --products 600."""
import argparse
import time

from . import Catalog, Faults, ReplicaServer


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m matter_certis.replica", description=__doc__)
    ap.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    ap.add_argument("--port", type=int, default=8000, help="port; 0 picks a free one (default 8000)")
    ap.add_argument("--products", type=int, default=600, help="catalogue size (default 600)")
    ap.add_argument("--seed", type=int, default=0, help="catalogue seed (default 0)")
    ap.add_argument("--delay", type=float, default=0.0, help="seconds added to every response")
    faults = ap.add_argument_group("fault injection (rates are per-request probabilities)")
    for name in ("503", "500", "429", "drop", "slow", "truncate"):
        faults.add_argument(f"--rate-{name}", type=float, default=0.0,
                            help={"drop": "close the connection without a response",
                                  "slow": "answer after --slow-seconds",
                                  "truncate": "listing pages with only part of their cards"}.get(name, f"answer {name}"))
    faults.add_argument("--retry-after", type=int, default=1, help="Retry-After seconds sent with 429")
    faults.add_argument("--slow-seconds", type=float, default=5.0, help="delay of a slow response")
    faults.add_argument("--fault-seed", type=int, default=0, help="seed of the fault draws")
    faults.add_argument("--down", action="store_true", help="answer 503 to everything but robots.txt")
    dcl = ap.add_argument_group("DCL API misbehaviour")
    dcl.add_argument("--dcl-loop-key", action="store_true", help="last vendor page repeats an earlier next_key")
    dcl.add_argument("--dcl-malformed-page", type=int, help="vendor page N (1-based) returns invalid JSON")
    args = ap.parse_args(argv)

    rates = {f"rate_{n}": getattr(args, f"rate_{n}") for n in ("503", "500", "429", "drop", "slow", "truncate")}
    fault = Faults(seed=args.fault_seed, retry_after=args.retry_after, slow_seconds=args.slow_seconds,
                   down=args.down, **rates) if args.down or any(rates.values()) else None
    server = ReplicaServer(Catalog(products=args.products, seed=args.seed), port=args.port, host=args.host,
                           delay=args.delay, faults=fault, dcl_loop_key=args.dcl_loop_key,
                           dcl_malformed_page=args.dcl_malformed_page).start()
    print(f"Replica: {args.products} products ({server.catalog.page_count()} pages) on port {server.port}"
          f"{f', {fault!r}' if fault else ''}")
    print(f"MATTER_LIST_URL='{server.list_url}' DCL_BASE_URL='{server.dcl_url}' scrapy crawl matter_products")
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
