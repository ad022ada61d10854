"""Close-time monitors (Spidermon): the run's verdict as a Spidermon result, and a suite that
tells a person when a run is not ``completed``.

The verdict itself is ``RunRecord``'s (it must be written to ``crawling_results`` and become
the exit code before anything reports it); these monitors read it from the stats, so that
Spidermon's actions (a webhook, email, Slack, Sentry...) can act on it.
"""

from spidermon import Monitor, MonitorSuite, monitors
from spidermon.contrib.actions.discord import SendDiscordMessage

from matter_certis.run import stat_keys


@monitors.name("Run")
class RunMonitor(Monitor):
    @monitors.name("The run is completed")
    def test_the_run_is_completed(self):
        stats = self.data.stats
        status = stats.get(stat_keys.STATUS)
        self.assertEqual(
            status,
            "completed",
            msg=f"the run ended {status}: {stats.get(stat_keys.STATUS_REASON)}",
        )


class RunSuite(MonitorSuite):
    """The default: the verdict in the log as a Spidermon result."""

    monitors = [RunMonitor]


class NotifyingRunSuite(RunSuite):
    """Also posts a message to ``SPIDERMON_DISCORD_WEBHOOK_URL`` when the run is not
    ``completed`` (a Discord webhook, or any endpoint that takes ``{"content": text}``)."""

    monitors_failed_actions = [SendDiscordMessage]
