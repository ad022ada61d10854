"""The tests' fixtures (the helpers they use are in tests/helpers.py), and the rule that
makes a skipped test fail where every tool is installed (``MATTER_CERTIS_STRICT_SKIPS``)."""

import os
import shutil
import subprocess
from types import SimpleNamespace

import pytest
from scrapy.utils.project import get_project_settings
from scrapy.utils.test import get_crawler

from matter_certis.db import connection
from replica import Catalog, ReplicaServer
from tests.helpers import FEED_FORMATS, FORMULA_MODELS, HTML_MODEL, TEST_SETTINGS, crawl
from tests.postgres import PostgresServer, find_binaries

#: Set to 1 where every system tool the suite uses is installed, as
#: .ci/run does: a skipped test then fails, naming why it was skipped.
STRICT_SKIPS = "MATTER_CERTIS_STRICT_SKIPS"


def strict_skips():
    return os.environ.get(STRICT_SKIPS) == "1"


def failed_instead_of_skipped(report):
    """Turn a skip report (of a test's phase, or of a module's collection) into a failure that
    gives the skip's reason; an expected failure (xfail) is no skip and is left alone."""
    if report.skipped and strict_skips() and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        reason = str(reason).removeprefix("Skipped: ")
        report.outcome = "failed"
        report.longrepr = f"skipped, but {STRICT_SKIPS} is set (CI installs every tool): {reason}"
    return report


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    return failed_instead_of_skipped((yield))


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector):
    return failed_instead_of_skipped((yield))


@pytest.fixture
def make_crawler(tmp_path):
    """Build a crawler with the project settings, a temporary database and ``overrides``."""

    def make(spidercls=None, **overrides):
        settings = get_project_settings().copy_to_dict()
        settings.update(TEST_SETTINGS)
        settings["DATABASE_URL"] = f"sqlite:///{tmp_path / 'test.db'}"
        settings.update(overrides)
        return get_crawler(spidercls, settings)

    return make


@pytest.fixture
def make_spider(make_crawler):
    """A spider bound to a test crawler and an empty test database, so callbacks can be
    called directly."""

    def make(spidercls, **kwargs):
        crawler = make_crawler(spidercls)
        crawler.spider = spidercls.from_crawler(crawler, **kwargs)
        # An engine not running a spider, its scheduler empty: callbacks release pending
        # detail pages.
        crawler.engine = SimpleNamespace(scheduler=[], spider=None)
        connection.open_database(crawler.settings["DATABASE_URL"])
        return crawler.spider

    return make


@pytest.fixture(scope="session")
def synced(tmp_path_factory):
    """A small replica crawled once for the session: ``matter_products`` writing a feed in
    each format (``products.<format>``), then ``dcl_vendors``, ``dcl_models``,
    ``dcl_compliance`` and ``dcl_versions``. ``copy(dest)`` gives a test its own copy of
    the database to change; ``findings`` are those the replica planted."""
    catalog = Catalog(products=60, seed=6)
    for product, model in zip(catalog.listed()[1:], FORMULA_MODELS):
        catalog.change(product.path, model=model)
    catalog.change(catalog.listed()[0].path, model=HTML_MODEL)
    workdir = tmp_path_factory.mktemp("synced")
    feeds = [part for name in FEED_FORMATS for part in ("-O", workdir / f"products.{name}")]
    with ReplicaServer(catalog) as replica:
        products = crawl(replica, workdir, options=feeds)
        vendors = crawl(replica, workdir, spider="dcl_vendors")
        ledger = [
            crawl(replica, workdir, spider=spider).returncode
            for spider in ("dcl_models", "dcl_compliance", "dcl_versions")
        ]
        base_url = replica.base_url
        findings = replica.ledger.expected_findings(
            base_url
        ) | replica.ledger.versions.expected_version_findings(base_url)
    assert (products.returncode, vendors.returncode) == (0, 0), products.stderr + vendors.stderr
    assert ledger == [0, 0, 0]

    def copy(dest):
        shutil.copy(workdir / "matter_certis.db", dest / "matter_certis.db")
        return dest / "matter_certis.db"

    return SimpleNamespace(
        workdir=workdir,
        database=workdir / "matter_certis.db",
        catalog=catalog,
        ledger=replica.ledger,
        base_url=base_url,
        findings=findings,
        copy=copy,
    )


@pytest.fixture(scope="session")
def postgres():
    """A PostgreSQL server for the whole run (tests/postgres.py); ``create_database()`` gives
    each test its own database."""
    binaries = find_binaries()
    if binaries is None:
        pytest.skip(
            "PostgreSQL server binaries (initdb, pg_ctl) not installed: "
            "apt-get install postgresql (.ci/run does)"
        )
    server = PostgresServer(binaries).start()
    yield server
    server.stop()


@pytest.fixture
def tmpfs(tmp_path):
    """A directory on a tmpfs of 384 KiB: a disk that fills up (CI runs as root)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root: run the tests as root (.ci/run does)")
    mount_point = tmp_path / "tmpfs"
    mount_point.mkdir()
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=384k", "tmpfs", str(mount_point)], check=True
    )
    yield mount_point
    subprocess.run(["umount", "--lazy", str(mount_point)], check=True)
