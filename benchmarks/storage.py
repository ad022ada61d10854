"""Storage benchmark: product_details rows upserted into SQLite in batches (one transaction
per batch, as ``DatabasePipeline`` writes) against one transaction per row, in one process.

    python -m benchmarks.storage --rows 6000 --batch 100 --directory /tmp/x

Prints one JSON object: rows/s of each way. Each way writes into a fresh SQLite file that
already holds the rows' products (details reference them), so both do the same inserts.
"""

import argparse
import json
import time
from pathlib import Path

from peewee import chunked

from matter_certis.db import connection, models, store
from replica import Catalog

BASE_URL = "http://127.0.0.1"


def rows_of(count):
    """Product and detail rows for ``count`` replica products, as the pipeline builds them."""
    catalog = Catalog(products=count)
    products = [store.row_for(models.Product, ref) for ref in catalog.expected_products(BASE_URL)]
    details = [store.row_for(models.ProductDetail, d) for d in catalog.expected_details(BASE_URL)]
    return products, details


def rows_per_second(path, products, details, batch):
    """Upsert ``details`` into a new database at ``path``, ``batch`` rows per transaction."""
    connection.open_database(f"sqlite:///{path}")
    try:
        with models.database.atomic():
            store.save_rows(models.Product, products)
        started = time.perf_counter()
        for rows in chunked(details, batch):
            with models.database.atomic():
                store.save_rows(models.ProductDetail, rows)
        elapsed = time.perf_counter() - started
        assert models.ProductDetail.select().count() == len(details)
    finally:
        connection.close()
    return len(details) / elapsed


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.storage", description=__doc__)
    parser.add_argument("--rows", type=int, default=6000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--directory", type=Path, required=True, help="where the SQLite files go")
    args = parser.parse_args(argv)
    products, details = rows_of(args.rows)
    print(
        json.dumps(
            {
                "batched_rows_per_s": rows_per_second(
                    args.directory / "batched.db", products, details, args.batch
                ),
                "per_row_rows_per_s": rows_per_second(
                    args.directory / "per_row.db", products, details, 1
                ),
            }
        )
    )


if __name__ == "__main__":
    main()
