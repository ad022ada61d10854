"""Close-time monitors (Spidermon): the run's verdict as a Spidermon result, and a suite that
tells a person when a run is not ``completed``.

The verdict itself is ``RunRecord``'s (it must be written to ``crawling_results`` and become
the exit code before anything reports it); these monitors read it from the stats, so that
Spidermon's actions (a webhook, email, Slack, Sentry...) can act on it. ``Spidermon``
(the extension settings.py registers) runs them with a quiet report (``QuietResult``).
"""

from spidermon import Monitor, MonitorSuite, monitors
from spidermon.contrib.actions.discord import SendDiscordMessage
from spidermon.contrib.scrapy import extensions
from spidermon.contrib.scrapy.runners import SpiderMonitorResult, SpiderMonitorRunner
from spidermon.results.monitor import MonitorResult

from matter_certis.run import stat_keys


@monitors.name("Run")
class RunMonitor(Monitor):
    @monitors.name("The run is completed")
    def test_the_run_is_completed(self):
        stats = self.data.stats
        status = stats.get(stat_keys.STATUS)
        if status != "completed":
            self.fail(f"the run ended {status}: {stats.get(stat_keys.STATUS_REASON)}")


class RunSuite(MonitorSuite):
    """The default: the verdict in the log as a Spidermon result."""

    monitors = [RunMonitor]


class NotifyingRunSuite(RunSuite):
    """Also posts a message to ``SPIDERMON_DISCORD_WEBHOOK_URL`` when the run is not
    ``completed`` (a Discord webhook, or any endpoint that takes ``{"content": text}``)."""

    monitors_failed_actions = [SendDiscordMessage]


class QuietResult(SpiderMonitorResult):
    """Spidermon's report, quiet: written with the spider's logger (its ``Spider.log()`` is
    deprecated, a 3-line warning a run), a failed monitor or action in one line with its
    reason (not a traceback), and the action steps that ran nothing left out."""

    def next_step(self):
        MonitorResult.next_step(self)
        self.titled = False

    def finish_step(self):
        MonitorResult.finish_step(self)
        if self.step.number_of_items:
            self.write_run_footer()
            self.write_step_summary()

    def write_item_result(self, item, extra=None):
        if not self.titled:
            self.write_title()
            self.titled = True
        result = self.step[item]
        problem = result.reason or result.error
        if result.status in self.step.error_statuses and problem:
            self.log_error(f"{item.name}... {result.status}: {last_line(problem)}")
        else:
            super().write_item_result(item, extra)

    def log(self, msg, level=None):
        self.spider.logger.log(level, "[Spidermon] %s", msg)


def last_line(text):
    """What a failure says, in one line: the last line of a traceback, or the message."""
    lines = str(text).strip().splitlines() or [""]
    return " ".join(lines[-1].split())


class QuietRunner(SpiderMonitorRunner):
    def create_result(self):
        return QuietResult(self.spider)


class Spidermon(extensions.Spidermon):
    """Spidermon's extension, its suites run with ``QuietRunner``."""

    def _run_suites(self, spider, suites):
        data = self._generate_data_for_spider(spider)
        for suite in suites:
            QuietRunner(spider=spider).run(suite, **data)
