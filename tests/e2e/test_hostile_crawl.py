"""End to end against a hostile replica: values of every odd shape are stored exactly (never
dropped, never guessed), and pages cut short anywhere are read again until whole."""

import pytest

from replica import Catalog, Faults, ReplicaServer
from tests.helpers import assert_mirrors, crawl, rows

FAST_RETRIES = {
    "MATTER_RETRY_BASE_DELAY": 0.01,
    "MATTER_RETRY_MAX_DELAY": 0.05,
    "MATTER_RETRY_SEED": 1,
    "RETRY_TIMES": 8,
}
# Content that once cost a product, a field or the truth; each on three products.
CONTENT_QUIRKS = (
    "swc_certificate_id",
    "no_certificate_id",
    "nbsp_heading",
    "script_in_value",
    "vid_conflict",
    "odd_date",
    "tracking_link",
)


def statuses(database):
    return [
        run["status"]
        for run in rows(database, "SELECT status FROM crawling_results ORDER BY started_at")
    ]


@pytest.fixture(scope="module")
def quirky(tmp_path_factory):
    catalog = Catalog(products=120, seed=12, live_markup=True)
    for number, quirk in enumerate(CONTENT_QUIRKS):
        for product in catalog.listed()[number :: len(CONTENT_QUIRKS)][:3]:
            catalog.quirk(product.path, quirk)
    workdir = tmp_path_factory.mktemp("quirky")
    with ReplicaServer(catalog) as replica:
        first = crawl(replica, workdir)
        replica.clear_log()
        second = crawl(replica, workdir)
        yield replica, workdir, first, second


def test_odd_values_are_stored_exactly_and_the_run_completes(quirky):
    replica, workdir, first, _ = quirky
    assert first.returncode == 0, first.stderr
    assert_mirrors(replica, workdir / "matter_certis.db")


def test_products_with_odd_certificate_ids_are_not_fetched_again(quirky):
    replica, workdir, _, second = quirky
    assert second.returncode == 0
    assert replica.count("detail") == 0
    assert statuses(workdir / "matter_certis.db") == ["completed", "completed"]


def test_each_disagreement_and_refused_date_is_warned_about(quirky):
    _, workdir, _, _ = quirky
    log = (workdir / "crawl.log").read_text()
    first_run = log.split("INFO: Database: ")[1]  # each run's first line
    assert first_run.count("Conflicting vid on ") == 3
    assert first_run.count("Invalid certification_date on ") >= 3


def test_pages_cut_short_at_random_page_one_and_the_last_included_end_exact(tmp_path):
    """240 products; listing and detail pages cut mid-document at random, and listing page 1
    and the last page (the status check's) cut twice each."""
    catalog = Catalog(products=240, seed=21)
    with ReplicaServer(catalog, faults=Faults(seed=5, rate_truncate=0.15)) as replica:
        replica.break_page("list", 1, "cut", times=2)
        replica.break_page("list", catalog.page_count(), "cut", times=2)
        result = crawl(replica, tmp_path, **FAST_RETRIES)
        database = tmp_path / "matter_certis.db"
        assert result.returncode == 0, result.stderr
        assert statuses(database) == ["completed"]
        assert_mirrors(replica, database)
        answered = [record for record in replica.request_log if record.status == 200]
        assert len(answered) > 240 + 20 + 20  # details, listing pages, and pages read again
        (run,) = rows(database, "SELECT incomplete_pages FROM crawling_results")
        assert run["incomplete_pages"] >= 4
