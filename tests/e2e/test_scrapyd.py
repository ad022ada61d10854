"""Scrapyd end to end: ``scrapyd-deploy`` builds an egg that carries everything the project
needs, and a job scheduled over Scrapyd's HTTP API (spider arguments, ``setting=``
overrides) syncs the replica into the database it names, with deltafetch on and the run's
summary as the last line of the job's log."""

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from urllib.parse import urlencode
from urllib.request import urlopen

import pytest

from replica import Catalog, ReplicaServer
from tests.helpers import (
    PROJECT_ROOT,
    by_url,
    free_port,
    rows,
    stored_details,
    stored_products,
    wait_for,
)

BIN = Path(sys.executable).parent
PROJECT = "matter_certis"
# Beside the package in the repository, never in the egg Scrapyd runs.
NOT_DEPLOYED = ("replica", "tests", "benchmarks")
SCRAPYD_CONF = """\
[scrapyd]
bind_address = 127.0.0.1
http_port = {port}
eggs_dir = {root}/eggs
logs_dir = {root}/logs
dbs_dir = {root}/dbs
poll_interval = 0.2
max_proc = 1
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A copy of the project to deploy from: scrapyd-deploy leaves build/ and *.egg-info
    where it runs."""
    copy = tmp_path_factory.mktemp("project")
    for folder in (PROJECT, *NOT_DEPLOYED):
        shutil.copytree(
            PROJECT_ROOT / folder, copy / folder, ignore=shutil.ignore_patterns("__pycache__")
        )
    for name in ("scrapy.cfg", "setup.py"):
        shutil.copy(PROJECT_ROOT / name, copy / name)
    return copy


@pytest.fixture(scope="module")
def scrapyd(tmp_path_factory):
    """A Scrapyd on a free loopback port, run from its own directory (as a service would be)."""
    root = tmp_path_factory.mktemp("scrapyd")
    port = free_port()
    (root / "scrapyd.conf").write_text(SCRAPYD_CONF.format(port=port, root=root))
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in ("PYTHONPATH", "SCRAPY_SETTINGS_MODULE")
    }
    with open(root / "scrapyd.out", "w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "scrapyd"],
            cwd=root,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        assert wait_for(lambda: _answers(url), timeout=30), (root / "scrapyd.out").read_text()
        yield url, root
    finally:
        process.terminate()
        process.wait(timeout=30)


def _answers(url):
    try:
        return api(url, "daemonstatus.json")["status"] == "ok"
    except OSError:
        return False


def api(url, endpoint, **form):
    """Call a Scrapyd endpoint: GET, or POST when there are form fields (lists repeat)."""
    data = urlencode(form, doseq=True).encode() if form else None
    with urlopen(f"{url}/{endpoint}", data=data, timeout=30) as response:
        return json.load(response)


def test_the_egg_holds_every_file_of_the_package_and_nothing_else(project, tmp_path):
    egg = tmp_path / "project.egg"
    subprocess.run(
        [BIN / "scrapyd-deploy", "--build-egg", egg], cwd=project, check=True, capture_output=True
    )
    names = zipfile.ZipFile(egg).namelist()
    packaged = {name for name in names if name.startswith(f"{PROJECT}/")}
    source = {
        path.relative_to(project).as_posix()
        for path in (project / PROJECT).rglob("*")
        if path.is_file()
    }
    assert source <= packaged
    assert [name for name in names if name.split("/")[0] in NOT_DEPLOYED] == []


def test_a_scheduled_job_syncs_the_database(project, scrapyd, tmp_path):
    url, root = scrapyd
    # Scrapyd on another port, scrapy.cfg untouched: its "env" target reads SCRAPYD_URL.
    deployed = subprocess.run(
        [BIN / "scrapyd-deploy", "env"],
        cwd=project,
        capture_output=True,
        text=True,
        env={**os.environ, "SCRAPYD_URL": f"{url}/"},
    )
    assert deployed.returncode == 0, deployed.stderr
    assert (project / "scrapy.cfg").read_text() == (PROJECT_ROOT / "scrapy.cfg").read_text()
    assert "matter_products" in api(url, f"listspiders.json?project={PROJECT}")["spiders"]

    database = tmp_path / "scheduled.db"
    with ReplicaServer(Catalog(products=120, seed=3)) as replica:
        settings = {
            "DATABASE_URL": f"sqlite:///{database}",
            "MATTER_LIST_URL": replica.list_url,
            "DCL_BASE_URL": replica.dcl_url,
            "AUTOTHROTTLE_ENABLED": "False",
            "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
        }
        job = api(
            url,
            "schedule.json",
            project=PROJECT,
            spider="matter_products",
            mode="full",
            setting=[f"{name}={value}" for name, value in settings.items()],
        )["jobid"]
        assert wait_for(lambda: _finished(url, job), timeout=180, interval=0.5)
        expected_products = by_url(replica.catalog.expected_products(replica.base_url))
        expected_details = by_url(replica.catalog.expected_details(replica.base_url))

    log = root / "logs" / PROJECT / "matter_products" / f"{job}.log"
    assert f"Run {job} (matter_products, full) completed" in log.read_text().splitlines()[-1]
    assert stored_products(database) == expected_products
    assert stored_details(database) == expected_details
    (run,) = rows(database, "SELECT session_id, status, mode FROM crawling_results")
    assert run == {"session_id": job, "status": "completed", "mode": "full"}


def _finished(url, job):
    return any(
        entry["id"] == job for entry in api(url, f"listjobs.json?project={PROJECT}")["finished"]
    )
