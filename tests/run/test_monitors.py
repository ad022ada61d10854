"""Spidermon at close: the run's verdict as a monitor result (in process, then in real
crawls), reported quietly (no deprecation warning, a failure in one line), and a webhook
that tells a person when a run is not ``completed`` (a real HTTP receiver on 127.0.0.1)."""

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from scrapy import Spider
from scrapy.utils.project import get_project_settings
from scrapy.utils.test import get_crawler
from spidermon.core.actions import Action
from spidermon.runners import MonitorRunner

from matter_certis.extensions.monitoring import SpidermonWhenEnabled
from matter_certis.run.monitors import QuietRunner, RunSuite, Spidermon
from matter_certis.run.verdict import EXIT_CODES
from replica import Catalog, Faults, ReplicaServer
from tests.helpers import crawl

FAST_FAILURE = {"MATTER_RETRY_BASE_DELAY": 0.05, "MATTER_RETRY_MAX_DELAY": 0.2, "RETRY_TIMES": 1}


def monitored(**stats):
    """The result of the run suite on a run whose stats are ``stats``."""
    return MonitorRunner().run(RunSuite(), stats=stats)


def test_the_run_monitor_passes_a_completed_run():
    assert monitored(**{"matter/status": "completed"}).all_monitors_passed


def test_the_run_monitor_fails_a_run_not_completed_with_its_reason():
    result = monitored(**{"matter/status": "partial", "matter/status_reason": "2 pages missing"})
    (failure,) = result.monitors_failed_results
    assert "the run ended partial: 2 pages missing" in failure.reason


def reported(caplog, suite=None, **stats):
    """The log records of the quiet runner's report on a run whose stats are ``stats``."""
    spider = Spider(name="matter_products")
    with caplog.at_level(logging.INFO):
        QuietRunner(spider=spider).run(suite or RunSuite(), stats=stats, spider=spider)
    return caplog.records


def test_a_run_not_completed_is_one_error_line_with_its_reason(caplog):
    records = reported(caplog, **{"matter/status": "partial", "matter/status_reason": "2 missing"})
    (error,) = [record for record in records if record.levelno >= logging.WARNING]
    assert error.levelno == logging.ERROR
    assert error.getMessage() == (
        "[Spidermon] Run/The run is completed... FAIL: the run ended partial: 2 missing"
    )
    assert not any("Traceback" in record.getMessage() for record in records)


def test_the_report_of_a_completed_run_names_the_monitor_and_no_empty_action_step(caplog):
    messages = [
        record.getMessage() for record in reported(caplog, **{"matter/status": "completed"})
    ]
    assert "[Spidermon] Run/The run is completed... OK" in messages
    assert messages[-1] == "[Spidermon] OK"
    assert not any("ACTIONS" in message for message in messages)


class Unreachable(Action):
    def run_action(self):
        raise ConnectionError("the webhook did not answer")


class SuiteWithFailingAction(RunSuite):
    monitors_failed_actions = [Unreachable]


def test_an_action_that_fails_is_one_error_line_in_its_step(caplog):
    records = reported(caplog, SuiteWithFailingAction(), **{"matter/status": "failed"})
    messages = [record.getMessage() for record in records]
    assert any("FAILED ACTIONS" in message for message in messages)
    errors = [record.getMessage() for record in records if record.levelno == logging.ERROR]
    assert errors[-1] == (
        "[Spidermon] Unreachable... ERROR: ConnectionError: the webhook did not answer"
    )
    assert not any("Traceback" in message for message in messages)


def test_the_crawl_runs_the_quiet_extension_in_place_of_spidermons_own():
    extensions = get_project_settings().getdict("EXTENSIONS")
    assert "spidermon.contrib.scrapy.extensions.Spidermon" not in extensions
    assert extensions["matter_certis.extensions.monitoring.SpidermonWhenEnabled"] == 900
    crawler = get_crawler(settings_dict={"SPIDERMON_ENABLED": True})
    assert isinstance(SpidermonWhenEnabled.from_crawler(crawler), Spidermon)


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.messages.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format, *args):
        pass


@pytest.fixture
def webhook():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    server.messages = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def notifying_crawl(replica, workdir, webhook):
    url = f"http://127.0.0.1:{webhook.server_address[1]}/hook"
    return crawl(
        replica,
        workdir,
        SPIDERMON_ENABLED=True,
        SPIDERMON_DISCORD_WEBHOOK_URL=url,
        SPIDERMON_SPIDER_CLOSE_MONITORS="matter_certis.run.monitors.NotifyingRunSuite",
        **FAST_FAILURE,
    )


def test_a_run_that_is_not_completed_is_posted_to_the_webhook(tmp_path, webhook):
    with ReplicaServer(Catalog(products=24, seed=1), faults=Faults(down=True)) as replica:
        assert notifying_crawl(replica, tmp_path, webhook).returncode == EXIT_CODES["failed"]
    (message,) = webhook.messages
    assert message["content"] == (
        "matter-certis: matter_products run failed: the status check did not complete: "
        "listing page 1 or the last page could not be read"
    )


def test_a_completed_run_posts_nothing(tmp_path, webhook):
    with ReplicaServer(Catalog(products=24, seed=1)) as replica:
        assert notifying_crawl(replica, tmp_path, webhook).returncode == 0
    assert webhook.messages == []
    assert "[Spidermon] OK" in (tmp_path / "crawl.log").read_text()


def test_with_spidermon_on_the_verdict_is_a_monitor_result_in_the_log(tmp_path):
    with ReplicaServer(Catalog(products=24, seed=1), faults=Faults(down=True)) as replica:
        crawl(replica, tmp_path, SPIDERMON_ENABLED=True, **FAST_FAILURE)
    log = (tmp_path / "crawl.log").read_text()
    assert "[Spidermon] Run/The run is completed... FAIL: the run ended failed: " in log
    assert "Traceback" not in log
    assert "Deprecat" not in log


def test_spidermon_is_off_by_default_and_adds_nothing_to_the_log(tmp_path):
    with ReplicaServer(Catalog(products=24, seed=1)) as replica:
        crawl(replica, tmp_path)
    assert "Spidermon]" not in (tmp_path / "crawl.log").read_text()
