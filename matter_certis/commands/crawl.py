"""``scrapy crawl`` with an exit code that tells how the run ended (README, "How a run
ends"): 0 only for ``completed``."""

import logging
import signal

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.exceptions import UsageError

from matter_certis.db import connection
from matter_certis.exceptions import DatabaseUnavailable, SettingError, SpiderArgumentError
from matter_certis.extensions.run_record import RunRecord
from matter_certis.run import verdict
from matter_certis.run.logs import quiet_scrapy_startup

logger = logging.getLogger(__name__)


class Command(ScrapyCrawl):
    def long_desc(self):
        return (
            "Run a spider of the project. Exit codes: 0 completed, 1 failed, 3 partial, "
            "4 degraded, 5 stopped, 2 bad arguments or settings (see the README)."
        )

    def process_options(self, args, opts):
        super().process_options(args, opts)
        quiet_scrapy_startup()  # before the crawler process logs its first lines

    def run(self, args, opts):
        if len(args) != 1:
            raise UsageError("name one spider: scrapy crawl <spider>")
        crawler = self.crawler_process.create_crawler(args[0])
        try:  # one line and exit code 2 before anything is fetched
            crawler.spidercls.check_arguments(**opts.spargs)
            crawler.spidercls.check_settings(crawler.settings)
            connection.check_usable(crawler.settings["DATABASE_URL"])
        except SpiderArgumentError as error:
            logger.error("Bad spider argument %s", error)
            self.exitcode = 2
            return
        except SettingError as error:
            logger.error("Bad setting %s", error)
            self.exitcode = 2
            return
        except DatabaseUnavailable as error:
            logger.error("Cannot use the database: %s", error)
            self.exitcode = 2
            return
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        # The run is over and recorded: a late Ctrl-C must not turn its exit code into 130.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
            return
        record = crawler.get_extension(RunRecord)
        if record is None or crawler.spider is None:
            return
        # No status: the process was stopped before the spider closed (a second Ctrl-C).
        status = record.status or record.forced_stop(crawler.spider)
        if status is not None:
            self.exitcode = verdict.exit_code(status, crawler.stats.get_value("finish_reason"))
