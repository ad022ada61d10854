"""Make a JOBDIR safe to reuse: resume an interrupted run, discard a killed or finished one."""

import json
import logging
import shutil
from pathlib import Path

from scrapy import signals
from scrapy.exceptions import NotConfigured

from matter_certis.db.models import utc_now

logger = logging.getLogger(__name__)

MARKER = "matter_certis_run.json"


class JobDirGuard:
    """Writes a marker in JOBDIR: ``running`` when the spider opens, then ``interrupted``
    (a clean stop, resumable) or ``completed`` when it closes.

    At the next start, before Scrapy reads the directory:
    - ``interrupted``: kept, so the run resumes from its saved queue;
    - ``running`` (or no marker beside Scrapy's files): the process was killed; Scrapy's
      queue state is then unreliable (a resumed run can fetch nothing and still report
      ``finished``), so the directory is emptied and the database analysis plans the run;
    - ``completed``: emptied, the next run is a new sync.
    """

    def __init__(self, jobdir):
        self.jobdir = Path(jobdir)
        self.marker = self.jobdir / MARKER
        # Said when the spider opens, after the database line that starts every run's log.
        self.news = None
        self.prepare()

    @classmethod
    def from_crawler(cls, crawler):
        jobdir = crawler.settings.get("JOBDIR")
        if not jobdir:
            raise NotConfigured  # no message: a run without JOBDIR is normal, not a warning
        guard = cls(jobdir)
        crawler.signals.connect(guard.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(guard.spider_closed, signal=signals.spider_closed)
        return guard

    def previous_status(self):
        try:
            return json.loads(self.marker.read_text())["status"]
        except FileNotFoundError:
            return "running" if any(self.jobdir.glob("*")) else None
        except (ValueError, KeyError):
            return "running"

    def prepare(self):
        status = self.previous_status()
        if status == "interrupted":
            self.news = (logging.INFO, "Resuming the interrupted run saved in %s", self.jobdir)
            return
        if status == "running":
            self.news = (
                logging.WARNING,
                "Discarding job directory %s: the run that used it was killed, so its saved "
                "queue cannot be trusted; the database analysis decides what to fetch",
                self.jobdir,
            )
        if status is not None:
            shutil.rmtree(self.jobdir)
        self.jobdir.mkdir(parents=True, exist_ok=True)

    def write(self, status, **details):
        self.marker.write_text(
            json.dumps({"status": status, "at": utc_now().isoformat(), **details})
        )

    def spider_opened(self, spider):
        if self.news:
            logger.log(*self.news)
        self.write("running", session_id=spider.session_id)

    def spider_closed(self, spider, reason):
        status = "completed" if reason == "finished" else "interrupted"
        self.write(status, reason=reason, session_id=spider.session_id)
